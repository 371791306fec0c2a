# A model's thesis kit: one ZIP with its PDF figures, its LaTeX tables, a .bib that bibtex accepts with an entry for
# every page of the model, and a README; fixed timestamps and sorted entries (test_render_deterministic rebuilds it).
from __future__ import annotations

import io
import re
import shutil
import subprocess
import textwrap
import zipfile

import pytest

from gen.render import pages as P
from gen.render.kit import FIXED_TIME, kit_path

SLUG = "tiny-vit"


def members(tiny_files) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(tiny_files[kit_path(SLUG)])) as z:
        assert z.testzip() is None
        infos = z.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert {i.date_time for i in infos} == {FIXED_TIME}
        return {i.filename.removeprefix(f"{SLUG}-thesis-kit/"): z.read(i) for i in infos}


def test_the_kit_holds_the_models_pdfs_tables_bib_and_readme(tiny_files):
    found = members(tiny_files)
    pdfs = {p.rpartition("/")[2] for p in tiny_files if p.startswith(f"figures/{SLUG}/") and p.endswith(".pdf")}
    texs = {p.rpartition("/")[2] for p in tiny_files if p.startswith(f"tables/{SLUG}/") and p.endswith(".tex")}
    assert {"attention-image.pdf", "model.dataflow.pdf"} <= pdfs and texs
    assert set(found) == {f"figures/{n}" for n in pdfs} | {f"tables/{n}" for n in texs} | {f"{SLUG}.bib", "README.md"}
    for name in pdfs:
        assert found[f"figures/{name}"] == tiny_files[f"figures/{SLUG}/{name}"], name
    readme = found["README.md"].decode("utf-8")
    for name in pdfs:
        assert f"`figures/{name}`: " in readme, f"{name} has no caption in the README"
    assert "random weights, seed 0" in readme and "## Provenance" in readme
    # the captions go to print, where nothing can be clicked; the pages keep their hint after the caption
    assert "click" not in readme.lower()
    model_page = tiny_files[f"models/{SLUG}/index.md"].decode("utf-8")
    caption = re.search(r"`figures/model\.hierarchy\.pdf`: (.*?) \(shown on", readme)[1]
    assert f"<figcaption>{caption} Click a box to open its page.</figcaption>" in model_page


def test_the_kit_is_linked_from_the_model_page_and_the_linking_page(tiny_files):
    assert f'href="../../{kit_path(SLUG)}"' in tiny_files[f"models/{SLUG}/index.md"].decode("utf-8")
    assert f'href="../{kit_path(SLUG)}"' in tiny_files["linking.md"].decode("utf-8")


def test_the_bib_has_one_entry_per_page_of_the_model_as_the_pages_give_it(tiny_files, tiny_snapshot):
    bib = members(tiny_files)[f"{SLUG}.bib"].decode("utf-8")
    keys = re.findall(r"@misc\{([^,]+),", bib)
    assert len(keys) == len(set(keys)) == len(P.model_pages(tiny_snapshot))
    attention = tiny_files[f"models/{SLUG}/attention/index.md"].decode("utf-8")
    shown = textwrap.dedent(re.search(r"```bibtex\n(.*?)\n\s*```", attention, re.S)[1])
    version = re.compile(r"site version [^;]*;")  # the tiny site's pages show a placeholder for the version
    assert version.sub("", shown) in version.sub("", bib), "the kit's entry differs from the page's"


@pytest.mark.skipif(shutil.which("bibtex") is None or shutil.which("pdflatex") is None,
                    reason="bibtex and pdflatex come with texlive-latex-base, which scripts/setup.sh --tests installs")
def test_bibtex_accepts_the_kits_bib_without_a_warning(tiny_files, tmp_path):
    (tmp_path / f"{SLUG}.bib").write_bytes(members(tiny_files)[f"{SLUG}.bib"])
    (tmp_path / "kit.tex").write_text(textwrap.dedent(rf"""
        \documentclass{{article}}
        \usepackage{{url}}
        \begin{{document}}
        \nocite{{*}}
        \bibliographystyle{{plain}}
        \bibliography{{{SLUG}}}
        \end{{document}}
        """), encoding="utf-8")
    run = lambda *cmd: subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)  # noqa: E731
    assert run("pdflatex", "-interaction=nonstopmode", "kit.tex").returncode == 0
    bib = run("bibtex", "kit")
    log = (tmp_path / "kit.blg").read_text(encoding="utf-8")
    assert bib.returncode == 0 and "Warning--" not in log and "error message" not in log, log[-3000:]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex comes with texlive-latex-base")
def test_a_kit_figure_and_table_go_into_latex_as_the_readme_says(tiny_files, tmp_path):
    found = members(tiny_files)
    for name, data in found.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    table = sorted(n for n in found if n.endswith(".tex"))[0]
    (tmp_path / "doc.tex").write_text(textwrap.dedent(rf"""
        \documentclass[a4paper]{{article}}
        \usepackage{{booktabs,longtable,graphicx,array}}
        \begin{{document}}
        \includegraphics[width=\textwidth]{{figures/attention-image.pdf}}
        \input{{{table}}}
        \end{{document}}
        """), encoding="utf-8")
    out = subprocess.run(["pdflatex", "-interaction=nonstopmode", "doc.tex"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:]

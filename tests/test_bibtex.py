# Every page's "Cite this page" entry: a stable key, an author, the model only on pages about one model, and
# accepted by bibtex without a warning (the entries of the whole tiny site in one .bib).
from __future__ import annotations

import re
import shutil
import subprocess
import textwrap

import pytest

ENTRY = re.compile(r"```bibtex\n(.*?)\n\s*```", re.S)


def entries(tiny_files) -> dict[str, str]:
    out = {}
    for path, data in tiny_files.items():
        if path.endswith(".md"):
            found = ENTRY.findall(data.decode("utf-8"))
            if found:
                out[path] = textwrap.dedent(found[0])
    return out


def test_every_page_has_one_entry_with_a_stable_key_and_an_author(tiny_files):
    found = entries(tiny_files)
    assert len(found) == sum(1 for p in tiny_files if p.endswith(".md") and p != "SUMMARY.md")
    keys = [re.match(r"@misc\{([^,]+),", e)[1] for e in found.values()]
    assert len(set(keys)) == len(keys), "two pages share a citation key"
    assert found["models/tiny-vit/attention/index.md"].startswith("@misc{understanding-clip-models-tiny-vit-attention,")
    for path, entry in found.items():
        assert "author       = {{Understanding CLIP}}" in entry, path
        # the tiny site's capture time is normalised to YYYY-MM-DD for the goldens
        assert re.search(r"urldate\s+= \{(\d{4}-\d\d-\d\d|YYYY-MM-DD)\}", entry), path


def test_the_model_is_named_only_where_the_page_is_about_it(tiny_files):
    found = entries(tiny_files)
    assert "title        = {{Attention maps, tiny-vit}}" in found["models/tiny-vit/attention/index.md"]
    assert "title        = {{tiny-vit}}" in found["models/tiny-vit/index.md"]  # not "tiny-vit (tiny-vit)"
    for page in ("index.md", "models/index.md", "provenance/index.md", "figures/index.md", "linking.md"):
        assert "tiny-vit" not in found[page], f"{page} is cited as if it were about one model"
    assert "random weights (seed 0)" in found["models/tiny-vit/projections/index.md"]


@pytest.mark.skipif(shutil.which("bibtex") is None or shutil.which("pdflatex") is None,
                    reason="bibtex and pdflatex come with texlive-latex-base, which scripts/setup.sh --tests installs")
def test_bibtex_accepts_every_entry_without_a_warning(tiny_files, tmp_path):
    (tmp_path / "site.bib").write_text("\n\n".join(entries(tiny_files).values()) + "\n", encoding="utf-8")
    (tmp_path / "cite.tex").write_text(textwrap.dedent(r"""
        \documentclass{article}
        \usepackage{url}
        \begin{document}
        \nocite{*}
        \bibliographystyle{plain}
        \bibliography{site}
        \end{document}
        """), encoding="utf-8")
    run = lambda *cmd: subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)  # noqa: E731
    assert run("pdflatex", "-interaction=nonstopmode", "cite.tex").returncode == 0
    bib = run("bibtex", "cite")
    log = (tmp_path / "cite.blg").read_text(encoding="utf-8")
    assert bib.returncode == 0 and "Warning--" not in log and "error message" not in log, log[-3000:]
    assert run("pdflatex", "-interaction=nonstopmode", "cite.tex").returncode == 0
    assert (tmp_path / "cite.bbl").read_text(encoding="utf-8").count(r"\bibitem") == len(entries(tiny_files))


def test_every_page_offers_the_entry_as_ris_too(tiny_files):
    for path, data in tiny_files.items():
        if path.endswith(".md") and path != "SUMMARY.md":
            text = data.decode("utf-8")
            ris = re.search(r"```text\n\s*TY  - ELEC\n(.*?)\n\s*ER  - ", text, re.S)
            assert ris, f"{path} has no RIS entry"
            tags = [line.strip()[:2] for line in ris[1].splitlines()]
            assert tags == ["AU", "TI", "UR", "PY", "Y2", "N1"], path


def run_biber(folder, bib: str):
    """biber in tool mode, checking every entry against biblatex's data model: its log of WARN/ERROR lines."""
    out = subprocess.run(["biber", "--tool", "--validate-datamodel", "--output-file=checked.bib", bib], cwd=folder,
                         capture_output=True, text=True, timeout=120)
    return out.returncode, [line for line in out.stdout.splitlines() if re.match(r"(WARN|ERROR) - ", line)]


@pytest.mark.skipif(shutil.which("biber") is None,
                    reason="biber is Debian's `biber` package, which scripts/setup.sh --tests installs")
def test_biber_accepts_every_entry_without_a_warning(tiny_files, tmp_path):
    # the tiny site's pages show placeholders for the capture date (see helpers.normalise): a date in their place
    bib = "\n\n".join(entries(tiny_files).values()).replace("YYYY-MM-DD", "2026-01-02").replace("{YYYY}", "{2026}")
    (tmp_path / "site.bib").write_text(bib + "\n", encoding="utf-8")
    assert run_biber(tmp_path, "site.bib") == (0, [])
    (tmp_path / "bad.bib").write_text("@misc{bad,\n  title = {{A}},\n  urldate = {yesterday}\n}\n", encoding="utf-8")
    code, problems = run_biber(tmp_path, "bad.bib")
    assert problems, "biber did not object to an invalid date: the check above proves nothing"

# The LaTeX tables offered for download compile with pdflatex, and their CSV twins hold the same rows.
from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest

# a plain article with only the packages the tables name; with and without T1 fonts
DOCUMENT = r"""\documentclass{article}
%s
\usepackage{booktabs}
\usepackage{longtable}
\usepackage{graphicx}
\usepackage{array}
\begin{document}
\input{table}
\end{document}
"""
FONTS = {"t1": r"\usepackage[T1]{fontenc}", "ot1": ""}
OVERFULL = re.compile(r"Overfull \\hbox \(([\d.]+)pt too wide\)")


def tables(site: Path) -> list[Path]:
    found = sorted((site / "tables").rglob("*.tex"))
    assert found, "no LaTeX tables in the built site"
    return found


@pytest.mark.parametrize("fonts", FONTS)
def test_every_latex_table_compiles_and_fits(built, tmp_path, fonts):
    assert shutil.which("pdflatex"), "pdflatex is needed: run `bash scripts/setup.sh --tests`"
    for tex in tables(built.site):
        name = tex.relative_to(built.site).as_posix()
        work = tmp_path / name.replace("/", "-")
        work.mkdir()
        (work / "table.tex").write_bytes(tex.read_bytes())
        (work / "doc.tex").write_text(DOCUMENT % FONTS[fonts])
        for _ in range(2):  # longtable settles its column widths on the second run
            run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=work,
                                 capture_output=True, text=True, timeout=120)
            assert run.returncode == 0, f"{name} does not compile:\n{run.stdout[-2000:]}"
        log = (work / "doc.log").read_text(encoding="latin-1")
        too_wide = [float(w) for w in OVERFULL.findall(log) if float(w) > 1]
        assert too_wide == [], f"{name} ({fonts}) runs past the text width by {max(too_wide)} pt"
        assert "multiply defined" not in log, f"{name} sets its label more than once"
        assert "-¿" not in run.stdout and (work / "doc.pdf").stat().st_size > 1000


@pytest.mark.parametrize("name", ["parameters", "forward-image", "forward-text"])
def test_latex_and_csv_hold_the_same_rows(built, name):
    base = built.site / "tables" / "vit-b-32" / name
    rows = list(csv.reader((base.with_suffix(".csv")).read_text().splitlines()))
    tex = base.with_suffix(".tex").read_text().splitlines()
    start = tex.index("\\endlastfoot") if "\\endlastfoot" in tex else tex.index("\\midrule")
    body = [line for line in tex[start + 1:] if " & " in line]
    assert len(body) == len(rows) - 1  # every data row, the header left out
    if name == "parameters":
        assert sum(int(r[2]) for r in rows[1:]) == 151_277_313
        assert r"visual.\allowbreak{}proj" in base.with_suffix(".tex").read_text()  # may break after a dot


def test_the_ledger_table_writes_each_share_as_the_page_does(tiny_files):
    """Two places, one figure: a parameter's share in parameters.csv is the page's, '<0.001' included."""
    page = tiny_files["models/tiny-vit/parameters/index.md"].decode("utf-8")
    shown = {}
    for line in page.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        name = re.fullmatch(r'<span id="[^"]+"></span>\[`([^`]+)`\]\(.*', cells[0])
        if name:  # a ledger row, not a row of the totals table above it
            shown[name[1]] = cells[3]
    rows = list(csv.reader(tiny_files["tables/tiny-vit/parameters.csv"].decode("utf-8").splitlines()))
    assert rows[0][3] == "share (%)" and len(rows) - 1 == len(shown)
    assert any(share.startswith("<") for *_, share in [r[:4] for r in rows[1:]]), "no tiny share to compare"
    for name, _, _, share, *_ in rows[1:]:
        assert shown[name] == share + "%", name

# The LaTeX tables offered for download compile with pdflatex, and their CSV twins hold the same rows.
from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

DOCUMENT = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage{booktabs}
\usepackage{longtable}
\begin{document}
\input{table}
\end{document}
"""


def tables(site: Path) -> list[Path]:
    found = sorted((site / "tables").rglob("*.tex"))
    assert found, "no LaTeX tables in the built site"
    return found


def test_every_latex_table_compiles(built, tmp_path):
    assert shutil.which("pdflatex"), "pdflatex is needed: run `bash scripts/setup.sh --tests`"
    for tex in tables(built.site):
        work = tmp_path / tex.relative_to(built.site).as_posix().replace("/", "-")
        work.mkdir()
        (work / "table.tex").write_bytes(tex.read_bytes())
        (work / "doc.tex").write_text(DOCUMENT)
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=work,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, f"{tex.relative_to(built.site)} does not compile:\n{run.stdout[-2000:]}"
        assert (work / "doc.pdf").stat().st_size > 1000


@pytest.mark.parametrize("name", ["parameters", "forward-image", "forward-text"])
def test_latex_and_csv_hold_the_same_rows(built, name):
    base = built.site / "tables" / "vit-b-32" / name
    rows = list(csv.reader((base.with_suffix(".csv")).read_text().splitlines()))
    body = [line for line in base.with_suffix(".tex").read_text().splitlines() if " & " in line]
    assert len(body) == len(rows)  # the header and every data row
    if name == "parameters":
        assert sum(int(r[2]) for r in rows[1:]) == 151_277_313
        assert r"visual.proj".replace("_", r"\_") in base.with_suffix(".tex").read_text()

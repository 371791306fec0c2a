# Every PDF figure of the default site (diagrams and plots), scaled to fit the text block of an A4 article, keeps its
# smallest text at 6 pt or more; the text sizes are read from the PDFs themselves (tests/pdf_text.py).
from __future__ import annotations

import pytest

from gen.render.dot import TEXT_HEIGHT_PT, TEXT_WIDTH_PT, print_layout
from pdf_text import media_box, text_sizes

SMALLEST_PT = 6.0


def smallest_on_page(pdf: bytes) -> float:
    width, height = media_box(pdf)
    scale = min(TEXT_WIDTH_PT / width, TEXT_HEIGHT_PT / height)
    sizes = text_sizes(pdf)
    assert sizes, "no text found in the PDF"
    return min(sizes) * scale


def test_every_pdf_figure_reads_at_6_pt_on_a_page(built):
    pdfs = sorted((built.site / "figures").rglob("*.pdf"))
    names = {p.name for p in pdfs}
    assert {"model.dataflow.pdf", "attention-image.pdf", "attention-text.pdf", "pca.pdf"} <= names
    assert "quickgelu-vs-gelu.pdf" in names
    small = {str(p.relative_to(built.site)): round(smallest_on_page(p.read_bytes()), 2) for p in pdfs}
    too_small = {k: v for k, v in small.items() if v < SMALLEST_PT}
    assert not too_small, f"{len(too_small)} of {len(pdfs)} PDFs have text under {SMALLEST_PT} pt on a page: {too_small}"


def test_the_text_size_reader_can_fail():
    """A diagram drawn at its screen size and scaled down to the page is measured below 6 pt."""
    import subprocess

    long_chain = "digraph g { node [fontsize=9]; " + " -> ".join(f"n{i}" for i in range(40)) + " }"
    pdf = subprocess.run(["dot", "-Tpdf"], input=long_chain.encode(), capture_output=True, check=True).stdout
    assert min(text_sizes(pdf)) == pytest.approx(9, abs=0.01)
    assert smallest_on_page(pdf) < SMALLEST_PT


def test_print_layout_wraps_labels_and_turns_the_rank_direction():
    source = ('digraph "x" {\n  graph [bgcolor="white" fontname="Helvetica" fontsize=11 rankdir=TB nodesep=0.25 '
              'ranksep=0.35 pad=0.2];\n  n0 [label="a rather long label that needs wrapping"];\n}\n')
    out = print_layout(source, 12, True)
    assert "rankdir=LR" in out and 'label="a rather\\nlong label\\nthat needs\\nwrapping"' in out

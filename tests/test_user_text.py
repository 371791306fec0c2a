# Captions and prompts are the user's text: every page shows them as written, never as Markdown or HTML of its own.
from __future__ import annotations

import json

from gen.render import site as site_mod
from gen.snapshot import Snapshot

from helpers import GOLDENS

CAPTION = "a photo of a cat"  # one of the tiny Snapshot's captions
WEIRD = "a cat | [zebu](x) <b>*bold*</b>"
SHOWN = r"a cat \| \[zebu\](x) &lt;b&gt;\*bold\*&lt;/b&gt;"


def _replace(value):
    if isinstance(value, str):
        return value.replace(CAPTION, WEIRD)
    if isinstance(value, list):
        return [_replace(v) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v) for k, v in value.items()}
    return value


def test_a_caption_with_markdown_and_html_reads_as_written_on_every_page():
    text = (GOLDENS / "tiny-vit.snapshot.json").read_text(encoding="utf-8")
    assert CAPTION in text
    s = Snapshot.from_json(json.dumps(_replace(json.loads(text))))
    files = site_mod.site({s.model.name: s}, [s.model.name], [])
    seen = 0
    for path, data in files.items():
        if not path.endswith(".md"):
            continue
        fenced = None
        for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
            stripped = line.lstrip()
            if stripped.startswith(("```", "~~~")):
                ticks = stripped[:3]
                fenced = None if fenced == ticks else (fenced or ticks)
                continue
            if fenced or "zebu" not in line or stripped.startswith("    "):  # code: shown as it is anyway
                continue
            seen += 1
            assert SHOWN in line, f"{path}:{number}: {line}"
    assert seen >= 4, "the caption appears on too few pages for this test to mean anything"


def test_a_caption_with_dollar_signs_is_plotted_as_written():
    """matplotlib would read the text between '$5 or $' as mathematics."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gen.render.plots import as_written, piece_label

    fig, ax = plt.subplots()
    try:
        for text in (as_written("a hat for $5 or $6"), piece_label("$5$</w>")):
            ax.set_title(text)
            shown, is_math = ax.title._preprocess_math(ax.title.get_text())
            assert not is_math and "$5" in shown, text
    finally:
        plt.close(fig)

# Golden files of the tiny model: Snapshot JSON, rendered Markdown pages, DOT sources, compared as golden_compare says.
# Refresh: see helpers.GOLDEN_COMMAND.
from __future__ import annotations

import pytest

from helpers import GOLDEN_COMMAND, SOURCE_DATE_ISO, capture_tiny, normalise, strip_svg

SLUG = "tiny-vit"
PAGES = [
    f"models/{SLUG}/index.md",                                  # model overview
    f"models/{SLUG}/visual/index.md",                           # image encoder
    f"models/{SLUG}/visual/transformer/resblocks/0/index.md",   # one block
    f"models/{SLUG}/parameters/index.md",                       # parameter ledger
    f"models/{SLUG}/forward/index.md",                          # forward pass
    f"models/{SLUG}/tokenizer/index.md",                        # tokenizer, from a real run
    f"models/{SLUG}/attention/index.md",                        # causal mask and attention maps
    f"models/{SLUG}/activations/index.md",                      # norms through depth
    f"models/{SLUG}/preprocessing/index.md",                    # preprocessing and the patch grid
]
DIAGRAMS = [
    f"figures/{SLUG}/visual.hierarchy.dot",                           # an encoder's hierarchy
    f"figures/{SLUG}/visual.transformer.resblocks.0.hierarchy.dot",   # a block's hierarchy
    f"figures/{SLUG}/model.dataflow.dot",                             # the forward dataflow
    f"figures/{SLUG}/model.projection.dot",                           # the projections into the shared space
    f"figures/{SLUG}/visual.transformer.resblocks.0.block-dataflow.dot",  # a block's dataflow
]


def test_snapshot_json(tiny_snapshot, goldens):
    goldens.check_json(f"{SLUG}.snapshot.json", normalise(tiny_snapshot).to_json())


def test_capture_time_honours_source_date_epoch(tiny_snapshot):
    assert tiny_snapshot.provenance.captured_at == SOURCE_DATE_ISO, (
        f"capture time ignores SOURCE_DATE_EPOCH; fix gen/capture, do not regenerate ({GOLDEN_COMMAND})")


def test_capture_is_deterministic(tiny_cfg, tiny_snapshot):
    """A second capture in the same process gives the same JSON, floats included."""
    again = capture_tiny(tiny_cfg)
    assert normalise(again).to_json() == normalise(tiny_snapshot).to_json(), (
        "two captures of the same tiny model differ: the Snapshot golden cannot be stable "
        f"(regenerating with {GOLDEN_COMMAND} would not help)")


@pytest.mark.parametrize("page", PAGES)
def test_markdown_page(tiny_files, goldens, page):
    assert page in tiny_files, (f"{page} was not generated; if it moved on purpose, update PAGES here and run "
                                f"{GOLDEN_COMMAND}; pages are {sorted(p for p in tiny_files if p.endswith('.md'))}")
    goldens.check_text(f"site/{page}", strip_svg(tiny_files[page].decode("utf-8")))


@pytest.mark.parametrize("dot", DIAGRAMS)
def test_dot_source(tiny_files, goldens, dot):
    assert dot in tiny_files, (f"{dot} was not generated; if it moved on purpose, update DIAGRAMS here and run "
                               f"{GOLDEN_COMMAND}; DOT files are {sorted(p for p in tiny_files if p.endswith('.dot'))}")
    goldens.check_text(f"site/{dot}", tiny_files[dot].decode("utf-8"))

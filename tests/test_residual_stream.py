# The residual stream page: one row per residual block of both towers, checked against the module records.
from __future__ import annotations

import math

from gen.render import pages as P
from helpers import normalise


def _checks(s):
    rows = s.recipe("residual_stream").result["blocks"]
    blocks = [m for m in s.modules if m.kind in ("ResidualAttentionBlock", "Bottleneck")]
    assert [r["block"] for r in rows] == [m.path for m in blocks]
    for row, m in zip(rows, blocks):
        # another path to the same shapes: the hooks of the capture's own forward pass
        assert tuple(row["shape_in"]) == m.input_shapes[0]
        assert tuple(row["shape_out"]) == m.output_shapes[0]
        if "cosine" in row:
            assert -1 - 1e-6 <= row["cosine"] <= 1 + 1e-6
            assert row["change"] >= 0
    return rows


def test_each_block_hands_its_output_to_the_next(tiny_snapshot):
    rows = _checks(tiny_snapshot)
    for tower in ("visual.transformer.resblocks.", "transformer.resblocks."):
        chain = [r for r in rows if r["block"].startswith(tower)]
        assert len(chain) >= 2
        for before, after in zip(chain, chain[1:]):
            assert math.isclose(before["norm_out"], after["norm_in"], rel_tol=1e-6), (before["block"], after["block"])


def test_resnet_bottlenecks_that_change_shape_have_no_cosine(tiny_resnet_snapshot):
    tiny_resnet = tiny_resnet_snapshot
    rows = _checks(tiny_resnet)
    bottlenecks = [r for r in rows if r["block"].startswith("visual.")]
    assert len(bottlenecks) == sum(tiny_resnet.model.arch.vision_layers)
    for r in bottlenecks:
        assert ("cosine" in r) == (r["shape_in"] == r["shape_out"]), r["block"]


def test_the_page_lists_every_block_with_a_link_and_the_banner(tiny_files, tiny_snapshot):
    s = normalise(tiny_snapshot)
    page = next(p for p in P.model_pages(s) if p.template == "residual_stream.md.j2")
    assert page.parent == f"{P.model_dir(s)}/index.md"
    text = tiny_files[page.path].decode()
    for row in s.recipe("residual_stream").result["blocks"]:
        assert f'<span id="{row["block"].replace(".", "-")}"></span>[`{row["block"]}`](' in text
    assert "activation norms on this page are **not** those of OpenAI's weights" in text
    assert "result[" not in text.split("## How it was measured")[0]

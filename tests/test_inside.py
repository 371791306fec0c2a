# Inside the computation, on the tiny model: attention rows, tokenizer round trip, EOT position, depth plot, new pages.
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

SLUG = "models/tiny-vit"
BANNER = "Random weights: the values on this page are not CLIP's"
SVG = "{http://www.w3.org/2000/svg}"


def test_image_attention_rows_sum_to_one(tiny_snapshot):
    r = tiny_snapshot.recipe("attention_image").result
    assert r["matches_block"], "re-running the last block's attention with need_weights=True changed its output"
    assert r["max_row_error"] < 1e-5
    assert len(r["maps"]) == r["heads"] == len(r["query_self"])
    for head, (own, grid) in enumerate(zip(r["query_self"], r["maps"])):
        assert len(grid) == r["grid"] and all(len(row) == r["grid"] for row in grid)
        total = own + sum(v for row in grid for v in row)  # the class token on itself, then on every patch
        assert total == pytest.approx(1, abs=1e-5), f"head {head}: the class token's row sums to {total}"
        assert r["row_sums"][head] == pytest.approx(1, abs=1e-5)
        assert all(v >= 0 for row in grid for v in row)


def test_text_attention_rows_sum_to_one_and_ignore_padding(tiny_snapshot):
    r = tiny_snapshot.recipe("attention_text").result
    assert r["matches_block"]
    assert r["max_row_error"] < 1e-5
    assert [p["prompt"] for p in r["prompts"]] == list(tiny_snapshot.inputs.prompts)
    for p in r["prompts"]:
        assert len(p["weights"]) == r["heads"]
        for head, row in enumerate(p["weights"]):
            assert len(row) == p["eot"] + 1 == len(p["pieces"])
            assert sum(row) == pytest.approx(1, abs=1e-5), f"{p['prompt']!r}, head {head}"
        assert p["beyond"] == 0, "the causal mask must give the padding after EOT exactly zero weight"


def normalised(prompt: str) -> str:
    """What clip's tokenizer reads: whitespace collapsed, lower case (ftfy and html unescaping change nothing here)."""
    return re.sub(r"\s+", " ", prompt).strip().lower()


def test_tokenizer_round_trip(tiny_snapshot):
    t = tiny_snapshot.recipe("tokenizer").result
    assert t["vocab_size"] == t["model_vocab_size"] == tiny_snapshot.model.arch.vocab_size
    for q in t["prompts"]:
        ids, pieces, texts = q["ids"], q["pieces"], q["texts"]
        assert ids[0] == t["sot"] and ids[-1] == t["eot"]
        assert len(ids) == len(pieces) == len(texts)
        assert "".join(texts[1:-1]).strip() == normalised(q["prompt"]), "decoded pieces do not give the prompt back"
        assert "".join(pieces[1:-1]).replace("</w>", " ").strip() == normalised(q["prompt"])
        assert q["padding"] == t["context_length"] - len(ids)


def test_tokenizer_agrees_with_clip(tiny_snapshot):
    import clip

    t = tiny_snapshot.recipe("tokenizer").result
    for q in t["prompts"]:
        row = clip.tokenize(q["prompt"], context_length=t["context_length"])[0].tolist()
        assert row == q["ids"] + [0] * q["padding"]
    assert t["long_error"] and "too long for context length" in t["long_error"]
    assert len(t["truncated_ids"]) == t["context_length"] and t["truncated_ids"][-1] == t["eot"]


def test_eot_index_is_the_argmax_position(tiny_snapshot):
    t = tiny_snapshot.recipe("tokenizer").result
    eots = [q["ids"].index(t["eot"]) for q in t["prompts"]]
    assert [q["eot_index"] for q in t["prompts"]] == eots
    assert [q["argmax"] for q in t["prompts"]] == eots
    assert tiny_snapshot.recipe("forward_text").result["eot"] == eots
    assert [p["eot"] for p in tiny_snapshot.recipe("attention_text").result["prompts"]] == eots
    assert t["eot"] == max(i for q in t["prompts"] for i in q["ids"])


def test_causal_mask(tiny_snapshot):
    r = tiny_snapshot.recipe("causal_mask").result
    n = len(r["corner"])
    assert r["corner"] == [[j <= i for j in range(n)] for i in range(n)]
    assert r["allowed"] == r["size"] * (r["size"] + 1) // 2 and r["lower_triangular"] and r["matches_build"]
    assert r["image_masked"] == 0 and r["image_blocks"] == tiny_snapshot.model.arch.vision_layers
    assert r["gap_before"] == 0, "adding words at the end changed the outputs at earlier positions"


def blocks_of(s, prefix: str) -> int:
    return len(s.module(prefix + ".resblocks").children)


def test_depth_plot_has_one_point_per_block(tiny_snapshot, tiny_files):
    svg = ET.fromstring(tiny_files["figures/tiny-vit/depth.svg"])
    groups = {g.get("id"): g for g in svg.iter(f"{SVG}g") if (g.get("id") or "").startswith("depth-")}
    expected = {"image": blocks_of(tiny_snapshot, "visual.transformer"), "text": blocks_of(tiny_snapshot, "transformer")}
    assert expected == {"image": tiny_snapshot.model.arch.vision_layers, "text": tiny_snapshot.model.arch.transformer_layers}
    for tower, blocks in expected.items():
        lines = {gid: g for gid, g in groups.items() if gid.startswith(f"depth-{tower}-")}
        assert len(lines) == 4, f"{tower}: {sorted(lines)}"
        for gid, group in lines.items():
            points = list(group.iter(f"{SVG}use"))
            assert len(points) == blocks, f"{gid}: {len(points)} points for {blocks} blocks"
    csv_rows = tiny_files["tables/tiny-vit/depth-image.csv"].decode().strip().splitlines()
    assert len(csv_rows) == 1 + expected["image"]


PAGES = {"preprocessing": False, "tokenizer": False, "attention": True, "activations": True, "training": True}


@pytest.mark.parametrize("page,weights", PAGES.items())
def test_new_pages_exist_and_carry_the_banner_when_needed(tiny_files, page, weights):
    text = tiny_files[f"{SLUG}/{page}/index.md"].decode("utf-8")
    assert (BANNER in text) == weights, f"{page}: banner {'missing' if weights else 'shown on a page without weight values'}"
    assert 'title="code: ' in text and 'title="output"' in text, f"{page}: the recipes' code and output are not shown"


def test_figures_and_csv_files_are_written_and_linked(tiny_files):
    figures = ["causal-mask", "attention-image", "attention-text", "depth", "preprocessing", "patch-grid", "training-gradients"]
    for name in figures:
        assert tiny_files[f"figures/tiny-vit/{name}.svg"].startswith(b"<?xml"), name
    pages = "".join(tiny_files[f"{SLUG}/{p}/index.md"].decode() for p in PAGES)
    for name in figures:
        assert f"figures/tiny-vit/{name}.svg" in pages, f"{name}.svg is not shown on any page"
    for path in (p for p in tiny_files if p.startswith("tables/tiny-vit/") and p.endswith(".csv")):
        name = path.rsplit("/", 1)[1]
        if name.startswith(("parameters", "forward-")):
            continue  # older tables, linked from their own pages
        assert f"tables/tiny-vit/{name}" in pages, f"{name} is not linked from any page"


def test_pages_are_in_the_navigation(tiny_files):
    summary = tiny_files["SUMMARY.md"].decode()
    for page in PAGES:
        assert f"({SLUG}/{page}/index.md)" in summary, page


def test_figures_are_cached_by_what_they_are_drawn_from(tiny_snapshot, tmp_path):
    import dataclasses

    from gen.render import inside
    from gen.store import Store

    store = Store(tmp_path)
    first = inside.files(tiny_snapshot, store)
    cached = store.entries("plots")
    drawn = [k for k in first if k.endswith((".svg", ".pdf"))]
    assert len(cached) == len(store.entries()) == len(drawn) == 16  # six inside figures, PCA and gradients, SVG and PDF
    assert all(k[:-4] + ".json" in first for k in drawn), "every plot comes with the data it is drawn from"
    assert inside.files(tiny_snapshot, store) == first == inside.files(tiny_snapshot)  # cached, and as drawn
    other = dataclasses.replace(tiny_snapshot, weights=dataclasses.replace(tiny_snapshot.weights, mode="pretrained"))
    inside.files(other, store)
    assert len(store.entries("plots")) == 32, "a change in the data must draw the figures again"

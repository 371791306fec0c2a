# Builds the real ViT-B/32 site (random weights) with `mkdocs build --strict`, cold then warm, and reads the built HTML.
from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest

from helpers import (REPO, broken_links, code_blocks, env_without_clip_docs, html_text, mkdocs_build,  # noqa: F401
                     run, table_rows)

pytestmark = pytest.mark.integration

MODEL = "models/vit-b-32"
# Pages whose Markdown shows values that depend on the weights (gen/render/pages.py marks them).
WEIGHT_PAGES = ["visual", "embeddings", "projections", "parameters", "similarity", "attention", "activations"]
BANNER = "Random weights: the values on this page are not CLIP's"


def test_total_parameters(built):
    assert "151,277,313" in built.text(MODEL)
    ledger = table_rows(built.html(f"{MODEL}/parameters"))
    assert any("whole model" in " ".join(r) and "151,277,313" in r for r in ledger), "model total missing from the ledger"


def test_ledger_tower_totals(built):
    rows = [" | ".join(r) for r in table_rows(built.html(f"{MODEL}/parameters"))]
    assert any("model.visual" in r and "87,849,216" in r for r in rows), "image encoder total missing from the ledger"
    assert any("model.transformer" in r and "37,828,608" in r for r in rows), "text transformer total missing from the ledger"


def visual_parameter_names() -> list[str]:
    import clip
    import torch

    from gen import archs

    with torch.device("meta"):
        model = clip.model.CLIP(**archs.KNOWN["ViT-B/32"].as_kwargs())
    return [name for name, _ in model.visual.named_parameters()]


def output_lines(built: Built, page: str, prefix: str) -> list[str]:
    """Lines starting with `prefix` in the one captured-output block that has them."""
    found = [[line for line in body.splitlines() if line.startswith(prefix)]
             for title, body in code_blocks(built.html(page)) if title == "output"]
    found = [lines for lines in found if lines]
    assert len(found) == 1, f"expected one output block with {prefix!r} lines on {page}, found {len(found)}"
    return found[0]


def test_freezing_lists_every_image_parameter(built):
    frozen = [line.removeprefix("Freezing: ") for line in output_lines(built, f"{MODEL}/fine-tuning", "Freezing:")]
    assert len(frozen) == 152
    assert frozen == visual_parameter_names()


def test_unfreezing_the_last_two_blocks(built):
    unfrozen = [line.removeprefix("Unfreezing: ") for line in output_lines(built, f"{MODEL}/fine-tuning", "Unfreezing:")]
    assert len(unfrozen) == 24
    assert all(re.match(r"transformer\.resblocks\.(10|11)\.", name) for name in unfrozen), unfrozen


def test_replaced_projection_shape(built):
    assert "(768, 256)" in built.text(f"{MODEL}/fine-tuning")


def test_forward_patch_embedding_shape(built):
    rows = table_rows(built.html(f"{MODEL}/forward"))
    assert any("patch embedding" in " ".join(r) and "[1, 768, 7, 7]" in r for r in rows)


def test_logits_shape(built):
    """The default batch: five image-caption pairs and three distractors, so 5 images against 8 prompts."""
    text = built.text(f"{MODEL}/similarity")
    assert re.search(r"logits_per_image\W[^\[]{0,40}\[5, 8\]", text), "logits_per_image shape [5, 8] not shown"


def test_one_page_per_block(built):
    for tower in ("visual/transformer", "transformer"):
        folder = built.site / MODEL / tower / "resblocks"
        built_blocks = sorted(int(p.parent.name) for p in folder.glob("*/index.html"))
        assert built_blocks == list(range(12)), f"{tower}: {built_blocks}"


def test_weight_dependent_pages_carry_the_banner(built):
    pages = [f"{MODEL}/{p}" for p in WEIGHT_PAGES]
    pages += [f"{MODEL}/visual/transformer/resblocks/{i}" for i in range(12)]
    pages += [f"{MODEL}/transformer/resblocks/{i}" for i in range(12)]
    missing = [p for p in pages if BANNER not in built.text(p)]
    assert missing == []


def test_comparison_page(built):
    text = built.text("compare/vit-b-32-vs-rn50")
    assert "RN50" in text and "ModifiedResNet" in text
    # a model captured only for comparison may have no weights at all: the page says what it shows
    assert "RN50 was captured with random weights (seed 0); only its structure, shapes and counts appear on this page." in text


def test_warm_build_uses_the_cache_without_torch(built):
    imported = [line.rsplit("|", 1)[-1].strip() for line in built.warm_log.splitlines() if line.startswith("import time:")]
    assert {"mkdocs", "properdocs"} & set(imported), "-X importtime reported nothing: the check below would be empty"
    torch_like = [m for m in imported if m.split(".")[0] in ("torch", "clip")]
    assert torch_like == [], f"the warm build imported {torch_like[:5]}"
    assert "Capturing" in built.cold_log and "Capturing" not in built.warm_log
    assert sorted(str(p.relative_to(built.site)) for p in built.site.rglob("*.html")) == built.cold_files


def link_report(broken: dict[str, list[str]]) -> str:
    lines = []
    for reason, links in broken.items():
        lines.append(f"{reason}: {len(links)}")
        lines += [f"  {link}" for link in links[:12]]
        lines += [f"  ... {len(links) - 12} more"] if len(links) > 12 else []
    return "\n".join(lines)


def test_links_resolve_on_every_page(built):
    """Relative links and anchors work on the built site, including the clickable nodes of inline SVG diagrams."""
    prints = tuple(str(p.relative_to(built.site)) for p in (built.site / "print_page").rglob("index.html"))
    broken = broken_links(built.site, skip=("404.html", *prints))
    assert broken == {}, f"broken links on the built site:\n{link_report(broken)}"


def test_links_resolve_on_the_print_pages(built):
    """The print versions (one per model, one for the rest) link to their sections, pages, figures and files."""
    prints = sorted(p.relative_to(built.site).as_posix() for p in (built.site / "print_page").rglob("index.html"))
    assert prints == ["print_page/index.html", "print_page/rn50/index.html", "print_page/vit-b-32/index.html"]
    broken = broken_links(built.site, skip=tuple(str(p.relative_to(built.site)) for p in built.site.rglob("*.html")
                                                  if p.relative_to(built.site).as_posix() not in prints))
    assert broken == {}, f"broken links on the print pages:\n{link_report(broken)}"
    for page in prints:
        size = (built.site / page).stat().st_size
        assert size < 5_000_000, f"{page} is {size:,} bytes"
    text = (built.site / prints[1]).read_text(encoding="utf-8")
    sections = text.split('<section class="print-page"', 1)[1].rsplit("</section>", 1)[0]
    assert '<div class="clip-diagram-svg"><img src="' in sections and "<svg" not in sections, \
        "diagrams are printed from their SVG files, not repeated inline"


def test_no_page_repeats_an_id(built):
    """Anchors must be unique on a page (inline diagrams included), or a thesis link lands on the wrong element."""
    problems = []
    for page in built.site.rglob("*.html"):
        ids = re.findall(r'\sid="([^"]+)"', page.read_text(encoding="utf-8"))
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"{page.relative_to(built.site)}: {dupes[:5]}")
    assert not problems, "repeated ids:\n" + "\n".join(problems[:20])


def test_diagram_nodes_link_to_their_pages(built):
    """Every node of every inline diagram on the ViT-B/32 pages carries a link (clusters and edges need none)."""
    diagrams = 0
    for page in (built.site / "models" / "vit-b-32").rglob("index.html"):
        for chunk in page.read_text(encoding="utf-8").split('<div class="clip-diagram-svg">')[1:]:
            svg = chunk.split("</svg>")[0]
            nodes = svg.count('class="node"')
            linked = len(re.findall(r'<g id="[^"]*a_node\d+"><a ', svg))
            diagrams += 1
            assert linked == nodes, f"{page.relative_to(built.site)}: {nodes} nodes, {linked} with links"
    assert diagrams >= 30


# Inside the computation: tokenizer, attention maps, activations through depth, preprocessing (both variants).
INSIDE_PAGES = {"preprocessing": False, "tokenizer": False, "attention": True, "activations": True}  # page: banner?


@pytest.mark.parametrize("slug", ["vit-b-32", "rn50"])
def test_inside_pages_exist_and_carry_the_banner(built, slug):
    for page, weights in INSIDE_PAGES.items():
        text = built.text(f"models/{slug}/{page}")
        assert (BANNER in text) == weights, f"{slug}/{page}: banner {'missing' if weights else 'on a page without weight values'}"
    grid = "patch-grid" if slug.startswith("vit") else "feature-grid"
    for name in ("causal-mask", "attention-image", "attention-text", "depth", "preprocessing", grid):
        assert (built.site / "figures" / slug / f"{name}.svg").is_file(), name
    for name in ("tokens", "causal-mask", "attention-image", "attention-text", "depth-image", "depth-text",
                 "preprocessing", "normalisation", grid):
        assert (built.site / "tables" / slug / f"{name}.csv").is_file(), name


def read_csv(built: Built, slug: str, name: str) -> list[dict[str, str]]:
    import csv

    with open(built.site / "tables" / slug / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("slug,heads,keys", [("vit-b-32", 12, 50), ("rn50", 32, 50)])
def test_image_attention_rows_sum_to_one(built, slug, heads, keys):
    rows = read_csv(built, slug, "attention-image")
    per_head: dict[str, list[float]] = {}
    for row in rows:
        per_head.setdefault(row["head"], []).append(float(row["weight"]))
    assert len(per_head) == heads
    for head, weights in per_head.items():
        assert len(weights) == keys
        assert sum(weights) == pytest.approx(1, abs=1e-5), f"{slug} head {head}"


def test_depth_tables_have_one_row_per_block(built):
    assert len(read_csv(built, "vit-b-32", "depth-image")) == 12
    assert len(read_csv(built, "vit-b-32", "depth-text")) == 12
    assert [r["block"] for r in read_csv(built, "rn50", "depth-image")] == [
        f"layer{s}.{j}" for s, n in enumerate((3, 4, 6, 3), start=1) for j in range(n)]


def test_tokenizer_page(built):
    text = built.text(f"{MODEL}/tokenizer")
    assert "49,408" in text and "<|endoftext|>" in text
    assert "is too long for context length 77" in text
    tokens = read_csv(built, "vit-b-32", "tokens")
    first = [r for r in tokens if r["prompt"] == "a photo of a hand"]
    assert [r["piece"] for r in first] == ["<|startoftext|>", "a</w>", "photo</w>", "of</w>", "a</w>", "hand</w>",
                                           "<|endoftext|>"]


RAW_TABLE = re.compile(r"\|\s*:?-{3,}:?\s*\|")


def test_no_page_shows_raw_markdown(built):
    """A Markdown table that did not render leaves its separator row (|---|) in the visible text."""
    raw = []
    for page in sorted(built.site.rglob("*.html")):
        text = re.sub(r"<(script|style|pre|code)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
        if RAW_TABLE.search(html.unescape(re.sub(r"<[^>]+>", " ", text))):
            raw.append(str(page.relative_to(built.site)))
    assert raw == [], f"pages showing a raw Markdown table: {raw}"


GENERATOR_TAG = re.compile(r'<meta name="generator" content="[^"]*">')


def test_mkdocs_builds_the_same_site_and_properdocs_prints_no_banner(built):
    """The README builds with ProperDocs; `mkdocs build` keeps working and gives the same pages."""
    for banner in ("MkDocs may break", "end of life", "MkDocs 2"):
        assert banner not in built.cold_log and banner not in built.warm_log, f"ProperDocs printed {banner!r}"
    proc, _ = mkdocs_build(built.root, tool="mkdocs", site="site-mkdocs")
    assert proc.returncode == 0, proc.stderr[-3000:]
    other = built.root / "site-mkdocs"
    ours = sorted(str(p.relative_to(built.site)) for p in built.site.rglob("*") if p.is_file())
    theirs = sorted(str(p.relative_to(other)) for p in other.rglob("*") if p.is_file())
    assert ours == theirs
    differ = []
    for rel in ours:
        if rel.endswith(".gz"):
            continue  # the compressed sitemap stamps its own time
        a, b = (built.site / rel).read_bytes(), (other / rel).read_bytes()
        if rel.endswith(".html"):
            a, b = (GENERATOR_TAG.sub("", x.decode("utf-8")) for x in (a, b))
        if a != b:
            differ.append(rel)
    assert differ == [], f"pages that differ between ProperDocs and MkDocs: {differ[:5]}"


def test_the_navigation_source_is_not_a_page(built):
    """SUMMARY.md feeds the navigation; its old address only redirects home."""
    summary = built.site / "SUMMARY" / "index.html"
    assert summary.is_file() and "Understanding CLIP" not in summary.read_text(encoding="utf-8")
    assert 'url=../' in summary.read_text(encoding="utf-8")


SECTION = re.compile(r'<div class="md-nav__link md-nav__container">\s*<a href="([^"]*)"[^>]*>\s*<span class="md-ellipsis">\s*(.*?)\s*</span>', re.S)


def test_a_section_heading_opens_a_page_of_its_own_title(built):
    """A navigation section that is a link opens its own overview page, never another page under its name."""
    home = built.html("")
    sections = SECTION.findall(home)
    assert len(sections) >= 3, "no linked sections found in the navigation"
    wrong = {}
    for href, label in sections:
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", (built.site / href / "index.html").read_text(encoding="utf-8"), re.S)
        title = html_text(heading[1]).replace("¶", "").strip() if heading else ""
        if title != html_text(label):
            wrong[html_text(label)] = title
    assert wrong == {}, f"section headings that open another page: {wrong}"

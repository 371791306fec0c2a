# One FLOPs figure per model: the catalog (meta device) and the capture (CPU) agree module by module, and every
# page and export of the built default site that states a model's FLOPs states that same number.
from __future__ import annotations

import csv
import io

import pytest

from gen.snapshot import Catalog, Snapshot
from gen.store import Store

from helpers import table_rows

pytestmark = pytest.mark.integration

MODELS = ["ViT-B/32", "RN50"]


def cached(built, kind):
    folder = "snapshots" if kind is Snapshot else "catalog"
    store = Store(built.root / "cache")
    found = [kind.from_json(store.read(p).decode("utf-8")) for p in store.entries(folder)]
    assert found, f"the build left no {folder} in its cache"
    return found


@pytest.fixture(scope="module")
def snapshots(built) -> dict[str, Snapshot]:
    return {s.model.name: s for s in cached(built, Snapshot) if s.scope == "full"}


@pytest.fixture(scope="module")
def catalog(built) -> Catalog:
    (found,) = cached(built, Catalog)
    return found


def per_text(s: Snapshot) -> int:
    """The text tower's FLOPs for one prompt, from the capture: the blocks plus EOT features @ text_projection."""
    prompts = len(s.inputs.prompts)
    width, embed = s.param("text_projection").shape
    total = s.module("transformer").flops + 2 * prompts * width * embed
    assert total % prompts == 0
    return total // prompts


@pytest.mark.parametrize("name", MODELS)
def test_catalog_equals_the_capture_module_by_module(snapshots, catalog, name):
    s, entry = snapshots[name], catalog.entry(name)
    prompts = len(s.inputs.prompts)
    captured = {m.path: m.flops for m in s.modules}
    differ = {}
    for path, _, _, flops in entry.modules:
        if path == "":
            continue
        image_side = path == "visual" or path.startswith("visual.")
        expected = flops if image_side else prompts * flops  # the capture ran all prompts at once
        if captured[path] != expected:
            differ[path] = (captured[path], expected)
    assert not differ, f"{name}: catalog and capture disagree: {dict(list(differ.items())[:5])}"
    assert entry.flops_image == captured["visual"]
    assert entry.flops_text == per_text(s)


def _number(cell: str) -> int:
    return int(cell.replace(",", "").strip())


def test_every_page_and_export_states_the_same_flops(built, snapshots, catalog):
    image = {name: snapshots[name].module("visual").flops for name in MODELS}
    text = {name: per_text(snapshots[name]) for name in MODELS}
    seen = []

    rows = [r for r in table_rows(built.html("models")) if len(r) == 6 and r[0] in MODELS]
    assert len(rows) == 2
    for r in rows:
        assert (_number(r[4]), _number(r[5])) == (image[r[0]], text[r[0]]), f"models page, {r[0]}"
        seen.append("models page")

    for r in csv.reader(io.StringIO((built.site / "tables" / "models.csv").read_text(encoding="utf-8"))):
        if r[0] in MODELS:
            assert (_number(r[7]), _number(r[8])) == (image[r[0]], text[r[0]]), f"models.csv, {r[0]}"
            seen.append("models.csv")
    tex = (built.site / "tables" / "models.tex").read_text(encoding="utf-8")
    for name in MODELS:
        line = next(line for line in tex.splitlines() if line.startswith(name))
        cells = [c.replace("{,}", "").strip().rstrip("\\").strip() for c in line.split("&")]
        assert (_number(cells[7]), _number(cells[8])) == (image[name], text[name]), f"models.tex, {name}"
        seen.append("models.tex")

    compare = {r[0]: r for r in table_rows(built.html("compare/vit-b-32-vs-rn50"))}
    row = next(r for key, r in compare.items() if key.startswith("image encoder FLOPs"))
    assert (_number(row[1]), _number(row[2])) == (image["ViT-B/32"], image["RN50"]), "ViT vs RN50 page"
    seen.append("compare page")

    diff = {r[0]: r for r in table_rows(built.html("compare/vit-b-32-vs-vit-b-16"))}
    assert _number(diff["FLOPs per image"][1]) == image["ViT-B/32"], "ViT-B/32 vs ViT-B/16 page"
    assert _number(diff["FLOPs per text"][1]) == text["ViT-B/32"], "ViT-B/32 vs ViT-B/16 page"
    assert _number(diff["FLOPs per image"][2]) == catalog.entry("ViT-B/16").flops_image
    seen.append("diff page")

    for name in MODELS:  # the model's own print page, and the site-wide one with the models table
        printed = built.text(f"print_page/{catalog.entry(name).slug}") + built.text("print_page")
        assert f"{image[name]:,}" in printed and f"{text[name]:,}" in printed, f"print page, {name}"
    assert len(seen) == 2 + 2 + 2 + 1 + 1

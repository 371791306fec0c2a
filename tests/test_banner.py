# Honesty about weights: a page carries the weights banner exactly when it shows a value that comes from the weights.
from __future__ import annotations

import re

import pytest

from gen.errors import CaptureError
from gen.snapshot import PARAM_WEIGHT_FIELDS

BANNER = "Random weights: the values on this page are not CLIP's"
SLUG = "models/tiny-vit"


def _numbers(value):
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, float):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)


def _printed(v: float) -> set[str]:
    """How templates print a float: fixed(4), fixed(3), sci (4 or 3 significant digits, trailing zeros kept), round(4)."""
    return {f"{v:.4f}", f"{v:.3f}", f"{v:#.4g}".rstrip("."), f"{v:#.3g}".rstrip("."), str(round(v, 4))}


def weight_dependent_strings(s) -> set[str]:
    """Every weight-dependent value of a Snapshot as a page would print it, found without the render-side
    tracking: parameter statistics and printouts, the declared recipe fields, their printed lines."""
    out = set()
    for p in s.parameters:
        for name in PARAM_WEIGHT_FIELDS:
            value = getattr(p, name)
            if isinstance(value, float):
                out |= _printed(value)
        out |= {line.strip() for line in p.printed.splitlines()[1:2] if re.search(r"\d\.\d{3}", line)}
    for recipe in s.recipes.values():
        for fieldname in recipe.weight_dependent:
            if fieldname == "stdout":
                out |= {line.strip() for line in recipe.stdout.splitlines() if re.search(r"\d\.\d{3}", line)}
            else:
                for v in _numbers(recipe.result[fieldname]):
                    out |= _printed(v)
    # a short number could appear on any page by chance: keep those with four significant digits or more
    # nor a power of ten, which pages print as settings too (LayerNorm's eps=1e-05, a learning rate)
    return {x for x in out if len(re.sub(r"^[-0.]+", "", x).replace(".", "")) >= 4
            and not re.fullmatch(r"-?1\.0+", x) and not re.fullmatch(r"1e-0\d", x)}


def test_every_page_showing_a_weight_value_has_the_banner(tiny_files, tiny_snapshot):
    values = weight_dependent_strings(tiny_snapshot)
    assert len(values) > 100, "the cross-check found too few weight-dependent values to prove anything"
    offenders = {}
    for path, data in tiny_files.items():
        if path.endswith(".md"):
            text = data.decode("utf-8")
            shown = sorted(v for v in values if v in text)
            if shown and BANNER not in text:
                offenders[path] = shown[:3]
    assert offenders == {}, f"pages showing weight-dependent values without the random-weights banner: {offenders}"


@pytest.mark.parametrize("page,banner", [
    ("visual", True), ("embeddings", True), ("projections", True), ("parameters", True), ("similarity", True),
    ("attention", True), ("activations", True), ("visual/transformer/resblocks/0", True),
    ("transformer/resblocks/1", True),
    # structure only: shapes, counts, printouts of modules, the tokenizer, the image pipeline
    ("", False), ("forward", False), ("tokenizer", False), ("preprocessing", False), ("fine-tuning", False),
    ("vision-vs-text", False), ("text", False), ("transformer", False), ("visual/transformer", False),
])
def test_the_banner_follows_what_a_page_shows(tiny_files, page, banner):
    text = tiny_files[f"{SLUG}/{page}/index.md".replace("//", "/")].decode("utf-8")
    assert (BANNER in text) == banner, f"{page or 'overview'}: banner {'missing' if banner else 'shown without a weight value'}"
    assert "@@clip-weights-banner@@" not in text


def test_site_wide_pages_show_no_banner_and_name_no_single_model(tiny_files):
    for page in ("index.md", "models/index.md", "provenance/index.md", "figures/index.md", "linking.md"):
        text = tiny_files[page].decode("utf-8")
        assert BANNER not in text, page
        assert "Captured from" not in text and "Built from **tiny-vit** (random weights, seed 0)" in text, page
    assert "Captured from **tiny-vit**" in tiny_files[f"{SLUG}/attention/index.md"].decode("utf-8")


def test_reading_a_statistic_marks_the_page(tiny_snapshot):
    from gen.render.tracking import Reads, TrackedSnapshot

    reads = Reads()
    s = TrackedSnapshot(tiny_snapshot, reads)
    s.param("visual.proj").shape, s.recipe("projections").result["visual_proj_shape"], s.module("visual").flops
    assert reads.seen == []
    s.param("visual.proj").std
    s.recipe("logits").result["probs"]
    s.recipe("embeddings").stdout
    assert [what for _, what in reads.seen] == ["visual.proj.std", "logits.probs", "embeddings.stdout"]


def test_a_recipe_declaring_a_missing_field_fails_the_capture(tmp_path, monkeypatch):
    from gen.capture import run

    (tmp_path / "broken.py").write_text("#: A recipe.\n#: weight-dependent: probs, stdout\n#: records: cosine\ncosine = [0.5]\n")
    monkeypatch.setattr(run, "RECIPES", tmp_path)
    with pytest.raises(CaptureError, match=r"recipe 'broken' on tiny declares 'probs' as weight-dependent"):
        run.run_chain(["broken"], {}, "tiny")


@pytest.mark.parametrize("page,kinds", [
    ("attention", "attention maps and output differences"), ("activations", "activation norms"),
    ("parameters", "parameter statistics"), ("embeddings", "tensor values"), ("similarity", "logit scale, similarities and embedding plot"),
])
def test_the_banner_names_what_the_page_shows(tiny_files, page, kinds):
    text = tiny_files[f"{SLUG}/{page}/index.md"].decode("utf-8")
    assert f"the\n    {kinds} on this page are **not** those of OpenAI's weights" in text

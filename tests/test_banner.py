# Honesty about weights: every generated page that shows a weight-dependent value carries the weights banner.
from __future__ import annotations

BANNER = "Random weights: the values on this page are not CLIP's"


def weight_dependent_values(s) -> dict[str, str]:
    """Values that change with the weights, formatted as the templates print them (`fixed(4)`)."""
    logits = s.recipe("logits").result
    return {
        "logit_scale": f"{logits['logit_scale']:.4f}",
        "logit_scale.exp()": f"{logits['scale']:.4f}",
    }


def test_pages_marked_as_weight_dependent_carry_the_banner(tiny_files):
    slug = "models/tiny-vit"
    marked = [f"{slug}/{p}/index.md" for p in ("visual", "embeddings", "projections", "parameters", "similarity",
                                                "fine-tuning", "visual/transformer/resblocks/0",
                                                "transformer/resblocks/1")]
    missing = [p for p in marked if BANNER not in tiny_files[p].decode("utf-8")]
    assert missing == []


def test_no_unmarked_page_shows_a_weight_dependent_value(tiny_files, tiny_snapshot):
    values = weight_dependent_values(tiny_snapshot)
    offenders = {}
    for path, data in tiny_files.items():
        if not path.endswith(".md"):
            continue
        text = data.decode("utf-8")
        shown = [what for what, value in values.items() if value in text]
        if shown and BANNER not in text:
            offenders[path] = shown
    assert offenders == {}, f"pages showing weight-dependent values without the random-weights banner: {offenders}"

# Quoted facts (gen/data/quoted.toml): shown as quoted with their sources, derived values computed, checked
# against a pretrained capture; and the captured projection mistake.
from __future__ import annotations

import logging
import math

import pytest

from gen import quoted

SLUG = "models/tiny-vit"


def test_every_quoted_fact_has_a_value_a_sentence_and_a_source():
    facts = quoted.all_quoted()
    assert {"initial_temperature", "logit_scale_cap", "released_logit_scale"} <= set(facts)
    for fact in facts.values():
        assert fact.value > 0 and fact.says.strip() and fact.source.strip(), fact.key


def test_every_quoted_fact_is_shown_somewhere(tiny_files):
    pages = "".join(data.decode("utf-8") for path, data in tiny_files.items() if path.endswith(".md"))
    for fact in quoted.all_quoted().values():
        assert fact.says in pages and fact.source in pages, f"{fact.key} is quoted on no page"


def test_the_projections_page_quotes_and_computes(tiny_files):
    text = tiny_files[f"{SLUG}/projections/index.md"].decode("utf-8")
    box = text[text.index('!!! quote "Quoted, not captured"'):]
    box = box[:box.index("</div>")]
    for key in ("initial_temperature", "logit_scale_cap", "released_logit_scale"):
        fact = quoted.quoted(key)
        assert fact.source in box and fact.says in box, fact.key
    # derived when the site is built: ln(1/0.07) and ln 100
    assert f"{math.log(1 / 0.07):.4f}" in text and f"{math.log(100):.4f}" in text
    # the captured random-init value is shown next to the computed one, outside the quoted box
    assert "2.6593" not in box and "2.6593" in text


@pytest.mark.parametrize("official,level", [(True, logging.WARNING), (False, logging.INFO)])
def test_a_pretrained_scale_is_checked_against_the_released_one(caplog, official, level):
    caplog.set_level(logging.INFO)
    assert quoted.check_logit_scale("ViT-B/32", "pretrained", official, math.log(100)) == "matches"
    assert not caplog.records
    assert quoted.check_logit_scale("ViT-B/32", "pretrained", official, math.log(1 / 0.07)) == "differs"
    (record,) = caplog.records
    assert record.levelno == level and "released checkpoints hold 100" in record.getMessage()


def test_random_weights_are_not_checked():
    assert quoted.check_logit_scale("ViT-B/32", "random", False, 0.0) is None


def test_the_transposed_projection_mistake_is_captured(tiny_snapshot, tiny_files):
    r = tiny_snapshot.recipe("projection_mistake").result
    width = tiny_snapshot.param("visual.proj").shape[0]
    assert r["needed_shape"] == [width, 256] and r["wrong_shape"] == [256, width]
    assert r["error"] and "cannot be multiplied" in r["error"]
    text = tiny_files[f"{SLUG}/fine-tuning/index.md"].decode("utf-8")
    assert r["error"] in text and "{#mistake}" in text
    # the recipe put the real projection back: the replacement, copied from the model afterwards, saw its width
    assert tiny_snapshot.recipe("replace_projection").result["shape"] == [width, 256]

# How a float reads on a page: with the same number of significant digits in every cell of a column, and float
# noise as the bound it stays under, so pages read the same on every CPU.
from __future__ import annotations

import json

from gen.render import site as site_mod
from gen.render.env import bound
from gen.render.fmt import sci
from gen.snapshot import Snapshot

from helpers import GOLDENS

NOISE_FIELDS = [("attention_image", "max_row_error"), ("attention_text", "max_row_error"),
                ("causal_mask", "gap_before")]


def test_sci_keeps_trailing_zeros_so_a_column_shows_one_precision():
    assert [sci(v) for v in (2.38, 0.20205670595169067, 1.5e-07, -3.2e-05)] == ["2.380", "0.2021", "1.500e-07",
                                                                              "-3.200e-05"]
    assert sci(0.034, 3) == "0.0340" and sci(1234.5) == "1234"  # no bare point left behind
    assert sci(1.0) == "1" and sci(0.0) == "0" and sci(-0.0) == "0"  # exact whole numbers (an initial gain) stay whole
    assert sci(None) == "n/a" and sci(float("nan")) == "nan"


def test_bound_hides_noise_but_not_a_real_error():
    assert bound(0.0) == bound(1.8e-07) == bound(-9.9e-07) == "below 1e-6"
    assert bound(2.3e-05) == "2.3e-05"  # an error that large is news, shown as it is


def _attention_page(noise: float) -> str:
    data = json.loads((GOLDENS / "tiny-vit.snapshot.json").read_text(encoding="utf-8"))
    for recipe, field in NOISE_FIELDS:
        data["recipes"][recipe]["result"][field] = noise
    s = Snapshot.from_json(json.dumps(data))
    files = site_mod.site({s.model.name: s}, [s.model.name], [])
    return files[f"models/{s.model.slug}/attention/index.md"].decode("utf-8")


def test_the_attention_page_reads_the_same_whatever_the_noise():
    quiet, noisy = _attention_page(0.0), _attention_page(9.5e-07)
    assert quiet == noisy
    assert quiet.count("below 1e-6") >= len(NOISE_FIELDS)  # the recipes print their own bounds too

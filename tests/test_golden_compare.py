# The golden comparison: float noise from another CPU passes, any real change of text, integers, shapes or values fails.
from __future__ import annotations

import json
import random

import pytest

from conftest import Goldens
from golden_compare import ABS_TOL, REL_TOL, compare_json, compare_json_text, compare_text
from helpers import GOLDENS, env_without_clip_docs, run

SNAPSHOT = GOLDENS / "tiny-vit.snapshot.json"


@pytest.mark.parametrize("golden, now", [
    ("PCA point 0.2818983495 of 2", "PCA point 0.2818984091 of 2"),             # last bits of a float32
    ("rows sum to 1 within 2.4e-07 (154 rows)", "rows sum to 1 within 1.8e-07 (154 rows)"),  # noise near zero
    ("on itself 0.253, largest 0.412", "on itself 0.254, largest 0.412"),      # a last digit rounded the other way
    ("| `[77, 64]` | 4,928 | 0.144% |", "| `[77, 64]` | 4,928 | 0.144% |"),
])
def test_float_noise_passes(golden, now):
    assert compare_text(golden, now) == []


@pytest.mark.parametrize("golden, now", [
    ("PCA point 0.2818983495 of 2", "PCA point 0.2819983495 of 2"),             # 3.5e-4 relative
    ("on itself 0.253, largest 0.412", "on itself 0.256, largest 0.412"),      # three units of the last digit
    ("rows sum to 1 within 2.4e-07", "rows sum to 1 within 3.1e-06"),          # no longer noise
    ("| `[77, 64]` | 4,928 |", "| `[77, 65]` | 4,928 |"),                       # a shape: exact
    ("| `[77, 64]` | 4,928 |", "| `[77, 64]` | 4,929 |"),                       # a count: exact
    ("visual.transformer.resblocks.0", "visual.transformer.resblocks.1"),       # a dotted path is text
    ("sha256 a8ca6d7347", "sha256 a8ca6d7348"),                                 # so is a digest
    ("rows sum to 1 within 2.4e-07", "rows add to 1 within 2.4e-07"),           # text
    ("shape [2, 16]", "shape [2, 16, 1]"),                                      # one number more
])
def test_real_changes_fail(golden, now):
    assert compare_text(golden, now) != []


def test_json_walk_is_exact_for_structure_and_integers():
    golden = {"shape": [77, 64], "count": 4928, "frozen": True, "mean": 0.25, "name": "ln_1"}
    assert compare_json(golden, {**golden, "mean": 0.25 * (1 + REL_TOL / 2)}) == []
    assert compare_json(golden, {**golden, "mean": 0.25 * (1 + 2 * REL_TOL)}) != []
    assert compare_json(golden, {**golden, "shape": [77, 65]}) != []
    assert compare_json(golden, {**golden, "shape": [77, 64, 1]}) != []
    assert compare_json(golden, {**golden, "count": 4929}) != []
    assert compare_json(golden, {**golden, "count": 4928.0}) != []             # an integer turned float
    assert compare_json(golden, {**golden, "frozen": 1}) != []
    assert compare_json(golden, {**golden, "name": "ln_2"}) != []
    assert compare_json(golden, {k: v for k, v in golden.items() if k != "name"}) != []
    assert compare_json({"err": 2.4e-07}, {"err": 1.8e-07}) == []              # both float32 noise
    assert compare_json({"err": 0.0}, {"err": 3 * ABS_TOL}) != []


def _perturbed(value, rng: random.Random, rel: float):
    if isinstance(value, dict):
        return {k: _perturbed(v, rng, rel) for k, v in value.items()}
    if isinstance(value, list):
        return [_perturbed(v, rng, rel) for v in value]
    if type(value) is float:
        return value * (1 + rng.choice((-rel, rel)))
    return value


def test_the_snapshot_golden_tolerates_drift_and_catches_a_change():
    golden = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    drifted = _perturbed(golden, random.Random(0), REL_TOL / 10)  # every float moved, as on another CPU
    assert compare_json(golden, drifted) == []
    points = drifted["recipes"]["pca"]["result"]["points"]
    points[0][0] *= 1.001                                            # one value really changed
    found = compare_json(golden, drifted)
    assert [m.where for m in found] == ["$.recipes.pca.result.points[0][0]"]
    assert compare_json_text(SNAPSHOT.read_text(encoding="utf-8"), SNAPSHOT.read_text(encoding="utf-8")) == []


def test_a_mismatch_names_the_regenerate_command(tmp_path):
    (tmp_path / "page.md").write_text("width 64, mean 0.25\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match=r"UPDATE_GOLDENS=1 \.venv/bin/python -m pytest"):
        Goldens(update=False, root=tmp_path).check_text("page.md", "width 64, mean 0.27\n")
    Goldens(update=False, root=tmp_path).check_text("page.md", "width 64, mean 0.26\n")  # may round either way
    with pytest.raises(AssertionError, match="missing; create it with: UPDATE_GOLDENS=1"):
        Goldens(update=False, root=tmp_path).check_text("other.md", "x\n")


def test_update_mode_rewrites_what_differs_and_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("width 64, mean 0.25\n", encoding="utf-8")
    update = Goldens(update=True, root=tmp_path)
    update.check_text("page.md", "width 64, mean 0.2500001\n")         # within tolerance: left as it was
    assert page.read_text(encoding="utf-8") == "width 64, mean 0.25\n"
    with pytest.raises(pytest.fail.Exception, match="rewrote golden page.md"):
        update.check_text("page.md", "width 64, mean 0.5\n")
    assert page.read_text(encoding="utf-8") == "width 64, mean 0.5\n"
    with pytest.raises(pytest.fail.Exception, match="rewrote golden new/one.json"):
        update.check_json("new/one.json", '{"a": 1}')
    assert (tmp_path / "new" / "one.json").read_text(encoding="utf-8") == '{"a": 1}'
    assert update.rewritten == ["page.md", "new/one.json"]


def test_a_run_in_update_mode_fails_even_when_its_tests_pass(tmp_path):
    """UPDATE_GOLDENS=1 on a run whose tests all pass still exits non-zero, and says why."""
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'run'}",
            "tests/test_golden_compare.py::test_json_walk_is_exact_for_structure_and_integers"]
    env = {k: v for k, v in env_without_clip_docs().items() if k != "UPDATE_GOLDENS"}
    passing = run(args, env, timeout=120)
    assert passing.returncode == 0, passing.stdout[-2000:]
    updating = run(args, {**env, "UPDATE_GOLDENS": "1"}, timeout=120)
    assert updating.returncode != 0 and "1 passed" in updating.stdout, updating.stdout[-2000:]
    assert "reported as failed" in updating.stdout

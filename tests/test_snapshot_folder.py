# Capture apart, render together: a build from a `--snapshot-out` folder imports no torch and gives the same site.
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from gen import archs, build, cache, config
from gen.store import Store
from gen.errors import ConfigError
from helpers import env_without_clip_docs, run, tiny_extra

# Renders from the folder in a fresh interpreter in which importing torch or clip fails outright.
NO_TORCH = r"""
import json, sys
sys.modules["torch"] = None; sys.modules["clip"] = None; sys.modules["torchvision"] = None
from pathlib import Path
from gen import build, config
cfg = config.load(json.loads(sys.argv[1]), base_dir=Path(sys.argv[2]), env={"CLIP_DOCS_SNAPSHOTS": sys.argv[3]})
files = build.generate(cfg)
for rel, data in files.items():
    target = Path(sys.argv[4]) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
print(len(files))
"""


@pytest.fixture
def as_model(monkeypatch, tiny_snapshot):
    """The tiny Snapshot standing in for each model captured, under that model's name and the scope asked for."""
    import gen.capture

    def take_snapshot(plan, cfg, scope="full", arch=None):
        model = dataclasses.replace(tiny_snapshot.model, name=plan.model, slug=archs.slug(plan.model))
        return dataclasses.replace(tiny_snapshot, model=model, scope=scope)

    monkeypatch.setattr(gen.capture, "take_snapshot", take_snapshot)


def extra(tmp_path: Path, **more) -> dict:
    return tiny_extra(tmp_path / "cache", compare=["RN50"], **more)


@pytest.fixture(scope="module")
def catalog_json(tmp_path_factory) -> bytes:
    """The catalog of all variants, captured once for this module (each test's cache starts with it)."""
    cfg = config.load(extra(tmp_path_factory.mktemp("catalog")), env={})
    return build.catalog(build.open_store(cfg)).to_json().encode()


def seeded(cfg, catalog_json: bytes):
    store = Store(cfg.cache)
    store.write(cache.catalog_entry(store), catalog_json)
    return cfg


def write_folder(tmp_path: Path, catalog_json: bytes, **more) -> Path:
    cfg = seeded(config.load(extra(tmp_path, **more), base_dir=tmp_path, env={}), catalog_json)
    folder = tmp_path / "snapshots"
    build.write_tree(build.snapshot_files(cfg), folder, "snapshots")
    return folder


def test_site_from_the_folder_is_byte_identical_and_needs_no_torch(tmp_path, as_model, catalog_json):
    cfg = seeded(config.load(extra(tmp_path), base_dir=tmp_path, env={}), catalog_json)
    one_build = build.generate(cfg)
    folder = write_folder(tmp_path, catalog_json)
    assert sorted(p.name for p in folder.iterdir()) == [
        build.OUTPUT_MARKER, "catalog.capture.json", "catalog.json", "rn50.structure.capture.json", "rn50.structure.json",
        "vit-b-32.capture.json", "vit-b-32.json"]
    fresh = extra(tmp_path / "elsewhere")  # an empty cache: nothing can come from the first build
    proc = run(["-c", NO_TORCH, json.dumps(fresh), str(tmp_path), str(folder), str(tmp_path / "out")],
               env_without_clip_docs(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rendered = {p.relative_to(tmp_path / "out").as_posix(): p.read_bytes()
                for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert rendered.keys() == one_build.keys()
    differing = sorted(rel for rel in one_build if rendered[rel] != one_build[rel])
    assert not differing, f"{len(differing)} files differ from one build of the same models: {differing[:10]}"


def folder_cfg(tmp_path: Path, folder: Path, **more):
    return config.load(extra(tmp_path / "render", **more), base_dir=tmp_path, env={"CLIP_DOCS_SNAPSHOTS": str(folder)})


def test_a_missing_snapshot_names_the_command_that_writes_it(tmp_path, as_model, catalog_json):
    folder = write_folder(tmp_path, catalog_json)
    (folder / "rn50.structure.json").unlink()
    with pytest.raises(ConfigError, match=r"has no rn50\.structure\.json .*python -m gen --snapshot-out"):
        build.generate(folder_cfg(tmp_path, folder))
    with pytest.raises(ConfigError, match=r"has no rn50\.json"):  # documented in full: the full Snapshot is needed
        build.generate(folder_cfg(tmp_path, folder, models=["ViT-B/32", "RN50"]))


@pytest.mark.parametrize("change, says", [
    ({"distractors": ["a drawing of a boat"]}, "its inputs differ \\(prompts, distractors\\)"),
    ({"replacement_width": 8}, "its inputs differ \\(replacement_width\\)"),
    ({"seed": 3}, "it was captured with seed 0, this build's seed is 3"),
    ({"weights": "pretrained"}, "it was captured with random weights, this build asks for pretrained"),
])
def test_a_stale_snapshot_is_refused_with_the_fix(tmp_path, as_model, catalog_json, change, says):
    folder = write_folder(tmp_path, catalog_json)
    with pytest.raises(ConfigError, match=f"does not match this build: {says}.*--snapshot-out"):
        build.generate(folder_cfg(tmp_path, folder, **change))


def test_other_capture_code_or_schema_is_refused(tmp_path, as_model, catalog_json):
    folder = write_folder(tmp_path, catalog_json)
    stamp = folder / "vit-b-32.capture.json"
    good = stamp.read_text()
    stamp.write_text(good.replace('"capture_code": "', '"capture_code": "0'))
    with pytest.raises(ConfigError, match="captured by other capture code"):
        build.generate(folder_cfg(tmp_path, folder))
    stamp.write_text(good)
    data = json.loads((folder / "vit-b-32.json").read_text())
    (folder / "vit-b-32.json").write_text(json.dumps({**data, "schema": 2}))
    with pytest.raises(ConfigError, match="not a Snapshot this version renders"):
        build.generate(folder_cfg(tmp_path, folder))


def test_the_folder_setting_must_be_a_folder(tmp_path):
    with pytest.raises(ConfigError, match="not a folder.*--snapshot-out"):
        config.load(extra(tmp_path), base_dir=tmp_path, env={"CLIP_DOCS_SNAPSHOTS": str(tmp_path / "nowhere")})
    (tmp_path / "snaps").mkdir()
    assert config.load(extra(tmp_path, snapshots="snaps"), base_dir=tmp_path, env={}).snapshots == tmp_path / "snaps"

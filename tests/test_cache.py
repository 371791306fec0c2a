# The Snapshot entries of the cache: a warm build never imports torch, a damaged entry is recaptured (logged as repaired),
# writes are atomic.
from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys

import pytest

from gen import build, cache, config, store, weights
from gen.errors import CacheError
from gen.store import Store
from helpers import env_without_clip_docs, run, tiny_extra

WARM_SCRIPT = r"""
import json, sys
from pathlib import Path
from gen import build, config
cfg = config.load(json.loads(sys.argv[1]), base_dir=Path(sys.argv[2]), env={})
files = build.generate(cfg)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "clip", "torchvision"))
print(json.dumps({"torch_modules": loaded, "files": sorted(files)}))
"""


@pytest.fixture
def cfg(tmp_path):
    return config.load(tiny_extra(tmp_path / "cache"), base_dir=tmp_path, env={})


def entry(cfg, name="ViT-B/32", scope="full"):
    store = Store(cfg.cache)
    return cache.snapshot_entry(store, weights.plan(cfg, name, store), cfg, scope)


def test_warm_generate_does_not_import_torch(cfg, tmp_path, fake_capture):
    """A first generate fills the cache (its capture is the tiny stand-in); a second one, in a fresh
    interpreter with the same configuration, must build everything from the cache without torch."""
    first = build.generate(cfg)
    assert fake_capture == [("ViT-B/32", "full")]
    extra = tiny_extra(tmp_path / "cache")
    proc = run(["-c", WARM_SCRIPT, json.dumps(extra), str(tmp_path)], env_without_clip_docs(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["torch_modules"] == [], f"a warm generate imported {report['torch_modules'][:5]}"
    # the same site, from the cached tiny Snapshot rather than a fresh ViT-B/32 capture
    assert report["files"] == sorted(first)
    assert "models/tiny-vit/index.md" in report["files"]


def test_cache_key_follows_its_inputs(cfg, tmp_path):
    """A change of prompts, seed or scope must give a different entry; the same inputs the same one."""
    base = entry(cfg)
    assert entry(config.load(tiny_extra(tmp_path / "cache"), base_dir=tmp_path, env={})) == base
    assert entry(cfg, scope="structure") != base
    assert entry(config.load(tiny_extra(tmp_path / "cache", prompts=["a cat"]), base_dir=tmp_path, env={})) != base
    assert entry(config.load(tiny_extra(tmp_path / "cache", seed=1), base_dir=tmp_path, env={})) != base


def test_documented_models_full_compared_models_structure(tmp_path, fake_capture):
    cfg = config.load(tiny_extra(tmp_path / "cache", compare=["RN50"]), base_dir=tmp_path, env={})
    build.snapshots(cfg)
    assert fake_capture == [("ViT-B/32", "full"), ("RN50", "structure")]
    assert entry(cfg, "ViT-B/32", "full").is_file() and entry(cfg, "RN50", "structure").is_file()
    build.snapshots(cfg)
    assert len(fake_capture) == 2, "a second run with the same configuration captured again"


def test_truncated_entry_is_recaptured_and_logged_as_repaired(cfg, tiny_snapshot, fake_capture, caplog):
    """A repair is logged at info level (a warning would fail --strict builds for a cache that healed itself)."""
    path = entry(cfg)
    path.parent.mkdir(parents=True)
    path.write_text(tiny_snapshot.to_json()[:2000])  # a build killed halfway through a (non-atomic) write
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.gen.store"):
        snaps = build.snapshots(cfg)
    assert fake_capture == [("ViT-B/32", "full")]
    logged = [r for r in caplog.records if r.name == "mkdocs.plugins.gen.store"]
    assert [r.levelno for r in logged] == [logging.INFO]
    assert str(path) in logged[0].getMessage() and "Repaired cache" in logged[0].getMessage()
    assert "capturing it again" in logged[0].getMessage()
    assert snaps["ViT-B/32"] == tiny_snapshot
    assert cache.read(Store(cfg.cache), path) == tiny_snapshot, "the damaged entry was not replaced"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "stray files next to the cache entry"


class FullDisk:
    """Stands in for os.fdopen: the file takes half the data, then the disk is full (ENOSPC), as on a real disk."""

    def __init__(self, real):
        self.real = real

    def __call__(self, fd, mode="r", *args, **kwargs):
        fh = self.real(fd, mode, *args, **kwargs)
        write = fh.write

        def half_then_full(data):
            write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fh.write = half_then_full
        return fh


def test_full_disk_while_writing_leaves_the_entry_and_no_temporary_file(tmp_path, tiny_snapshot, monkeypatch):
    store = Store(tmp_path)
    path = store.entry("snapshots", "x", "x", ".json")
    cache.write(store, path, tiny_snapshot)
    before = path.read_bytes()
    monkeypatch.setattr(os, "fdopen", FullDisk(os.fdopen))
    with pytest.raises(CacheError) as err:
        cache.write(store, path, tiny_snapshot)
    monkeypatch.undo()
    message = str(err.value)
    assert "No space left on device" in message and "free some disk space" in message
    assert "CLIP_DOCS_CACHE" in message and "\n" not in message
    assert path.read_bytes() == before, "a failed write changed the existing entry"
    assert [p.name for p in path.parent.iterdir()] == [path.name], "a temporary file was left behind"


def test_full_disk_during_a_build_is_one_cache_error(cfg, fake_capture, monkeypatch):
    """The first cache write of a build (the Snapshot) fails: one message, nothing half-written in the cache."""
    monkeypatch.setattr(os, "fdopen", FullDisk(os.fdopen))
    with pytest.raises(CacheError, match="No space left on device"):
        build.generate(cfg)
    monkeypatch.undo()
    left = sorted(str(p.relative_to(cfg.cache)) for p in cfg.cache.rglob("*") if p.is_file())
    assert left == [], f"files left in the cache: {left}"


def test_temporary_files_of_dead_writers_are_swept(cfg, fake_capture, tmp_path, caplog):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # that process has exited
    snapshots = Store(cfg.cache).root / "snapshots"
    snapshots.mkdir(parents=True)
    stale = snapshots / f".x.json.{dead_pid}.abc123.tmp"
    stale.write_bytes(b"half a snapshot")
    live = snapshots / f".y.json.{os.getpid()}.def456.tmp"  # this process: a write in progress
    live.write_bytes(b"being written")
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.gen.store"):
        build.generate(cfg)
    assert not stale.exists() and live.exists()
    assert any("Repaired cache" in r.getMessage() and str(stale) in r.getMessage() for r in caplog.records)


def test_write_is_atomic(tmp_path, tiny_snapshot, monkeypatch):
    store = Store(tmp_path)
    path = store.entry("snapshots", "x", "x", ".json")
    cache.write(store, path, tiny_snapshot)
    before = path.read_bytes()

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(CacheError, match="disk full"):
        store.write(path, b'{"schema": 1, "truncat')
    monkeypatch.undo()
    assert path.read_bytes() == before, "a failed write changed the existing entry"
    assert [p.name for p in path.parent.iterdir()] == [path.name], "a temporary file was left behind"


@pytest.mark.parametrize("folder", ["figures", "plots"])
def test_damaged_figure_or_plot_is_drawn_again_not_published(tmp_path, fake_capture, caplog, folder):
    """A cut-short SVG in the figure (Graphviz) or plot (matplotlib) cache is found by its SHA-256 and redrawn."""
    cfg = config.load(tiny_extra(tmp_path / "cache", jobs=1), base_dir=tmp_path, env={})
    first = build.generate(cfg)
    damaged = [p for p in Store(cfg.cache).entries(folder) if p.suffix == ".svg"][0]
    whole = damaged.read_bytes()
    damaged.write_bytes(whole[: len(whole) // 2])
    for archive in Store(cfg.cache).entries("sites"):
        archive.unlink()  # render again, so that the damaged entry is read
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.gen.store"):
        second = build.generate(cfg)
    assert second == first, "a damaged cache entry changed the published files"
    repairs = [r for r in caplog.records if "Repaired cache" in r.getMessage() and str(damaged) in r.getMessage()]
    assert [r.levelno for r in repairs] == [logging.INFO]
    assert damaged.read_bytes() == whole, "the damaged entry was not replaced"


def test_sealed_file_round_trip_and_damage(tmp_path):
    path = tmp_path / "x.svg"
    store.write_sealed(path, b"<svg>whole</svg>")
    assert store.read_sealed(path) == b"<svg>whole</svg>"
    path.write_bytes(path.read_bytes().replace(b"whole", b"edit!"))
    assert store.read_sealed(path) is None
    path.write_bytes(b"<svg>from an older version, without a digest</svg>")
    assert store.read_sealed(path) is None
    assert store.read_sealed(tmp_path / "absent.svg") is None


def test_sha256_memo_is_tied_to_size_and_mtime_and_checked(tmp_path):
    ckpt = tmp_path / "ckpt.pt"
    ckpt.write_bytes(b"first weights")
    docs_cache = Store(tmp_path / "cache")
    first = weights.checkpoint_sha256(ckpt, docs_cache)
    assert first == config.file_sha256(ckpt)
    (memo,) = docs_cache.entries("checksums")
    assert docs_cache.read(memo) == first.encode()
    ckpt.write_bytes(b"other weights, other size")
    assert weights.checkpoint_sha256(ckpt, docs_cache) == config.file_sha256(ckpt) != first
    assert len(docs_cache.entries("checksums")) == 2, "a file of another size must be hashed again, under a new key"
    (memo,) = [m for m in docs_cache.entries("checksums") if m != memo]
    memo.write_bytes(memo.read_bytes()[:20])  # cut short
    assert weights.checkpoint_sha256(ckpt, docs_cache) == config.file_sha256(ckpt)
    docs_cache.write(memo, b"not a digest")
    assert weights.checkpoint_sha256(ckpt, docs_cache) == config.file_sha256(ckpt)
    assert docs_cache.read(memo) == config.file_sha256(ckpt).encode()
    assert sorted(p.name for p in memo.parent.iterdir() if p.name.startswith(".")) == [], "temporary files left"

# The one cache store: every entry of every kind in one layout and sealed, a damaged entry of any kind made again
# (never published), pruning by one rule for every kind, and caches of earlier versions cleared.
from __future__ import annotations

import re
import shutil

import pytest
import torch

import gen.capture
import gen.capture.fine_tuned as fine_tuned_capture
from fixtures_checkpoints import TINY_VIT, save_state_dict, tiny_model
from gen import build, config, store as store_mod
from gen.store import KINDS, Store
from helpers import tiny_extra

ENTRY_NAME = re.compile(r"[\w.-]+-[0-9a-f]{32}\.\w+")


def configured(folder, cache):
    pair = {"name": "HandCLIP", "model": "ViT-B/32", "base": str(folder / "base.pt"),
            "checkpoint": str(folder / "tuned.pt")}
    return config.load(tiny_extra(cache, jobs=1, fine_tuned=[pair]), base_dir=folder, env={})


@pytest.fixture
def tiny_captures(monkeypatch, tiny_snapshot):
    """The tiny Snapshot for ViT-B/32, and comparisons captured with the tiny architecture."""
    monkeypatch.setattr(gen.capture, "take_snapshot", lambda plan, cfg, scope="full", arch=None: tiny_snapshot)
    take = fine_tuned_capture.take
    monkeypatch.setattr(fine_tuned_capture, "take", lambda *args, arch=None: take(*args, arch=TINY_VIT))


@pytest.fixture(scope="module")
def clean(tmp_path_factory, tiny_snapshot):
    """A tiny site with one fine-tuned comparison, built with a fresh cache: entries of every kind.  Records every
    path Store.entry made during the build."""
    folder = tmp_path_factory.mktemp("one-store")
    save_state_dict(tiny_model(TINY_VIT, seed=1), folder / "base.pt")
    tuned = tiny_model(TINY_VIT, seed=1)
    with torch.no_grad():
        tuned.visual.proj.add_(0.01)
    save_state_dict(tuned, folder / "tuned.pt")
    cfg = configured(folder, folder / "cache")
    made = []
    entry = Store.entry
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gen.capture, "take_snapshot", lambda plan, cfg, scope="full", arch=None: tiny_snapshot)
        take = fine_tuned_capture.take
        mp.setattr(fine_tuned_capture, "take", lambda *args, arch=None: take(*args, arch=TINY_VIT))
        mp.setattr(Store, "entry", lambda self, *args, **kwargs: made.append(entry(self, *args, **kwargs)) or made[-1])
        files = build.generate(cfg)
    return {"folder": folder, "cfg": cfg, "files": files, "made": set(made)}


def copy_cache(clean, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(clean["cfg"].cache, cache)
    return configured(clean["folder"], cache)


def test_every_file_of_the_cache_is_an_entry_made_by_the_one_path_function(clean):
    cfg = clean["cfg"]
    store = Store(cfg.cache)
    on_disk = sorted(p for p in cfg.cache.rglob("*") if p.is_file())
    assert on_disk == store.entries(), "a file outside the store's layout"
    assert {p.parent.name for p in on_disk} == set(KINDS), "the tiny build should leave entries of every kind"
    assert set(on_disk) <= clean["made"], f"not made by Store.entry: {sorted(set(on_disk) - clean['made'])[:3]}"
    for path in on_disk:
        assert path.parent.parent == store.root and ENTRY_NAME.fullmatch(path.name), path
        assert store.read(path) is not None, f"{path} does not match its seal"


def _flip_last_byte(path):
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def _make_a_folder(path):
    path.unlink()
    (path / "inside").mkdir(parents=True)


DAMAGE = {"flipped byte": (_flip_last_byte, "Repaired cache"), "folder": (_make_a_folder, "was a folder, not an entry")}


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_damaged_entry_of_any_kind_gives_the_clean_site(clean, tmp_path, kind, damage, tiny_captures, caplog):
    cfg = copy_cache(clean, tmp_path)
    store = Store(cfg.cache)
    damaged = store.entries(kind)[0]
    spoil, logged = DAMAGE[damage]
    spoil(damaged)
    if kind != "sites":
        for archive in store.entries("sites"):
            archive.unlink()  # render again, so that the damaged entry is read
    with caplog.at_level("INFO", logger="mkdocs.plugins.gen.store"):
        files = build.generate(cfg)
    assert files == clean["files"], f"a damaged {kind} entry ({damage}) changed the published files"
    assert any(logged in r.getMessage() and str(damaged) in r.getMessage() for r in caplog.records)
    assert damaged.is_file() and Store(cfg.cache).read(damaged) is not None, "the damaged entry was not made again"


def test_a_file_in_place_of_a_kind_folder_is_removed(clean, tmp_path, tiny_captures, caplog):
    cfg = copy_cache(clean, tmp_path)
    store = Store(cfg.cache)
    for kind in ("sites", "figures"):
        shutil.rmtree(store.root / kind)
        (store.root / kind).write_text("not a folder\n")
    with caplog.at_level("INFO", logger="mkdocs.plugins.gen.store"):
        files = build.generate(cfg)
    assert files == clean["files"]
    assert sum("was a file, not the folder of entries" in r.getMessage() for r in caplog.records) == 2
    assert (store.root / "sites").is_dir() and store.entries("sites")


def test_pruning_removes_unused_entries_of_every_kind_and_keeps_those_in_use(clean, tmp_path, tiny_captures,
                                                                            monkeypatch):
    cfg = copy_cache(clean, tmp_path)
    store = Store(cfg.cache)
    in_use = store.entries()
    stale = []
    for kind in KINDS:
        path = store.entry(kind, {"an older configuration": kind}, "old", ".bin")
        store.write(path, b"made by an earlier build")
        stale.append(path)
    for archive in store.entries("sites"):
        archive.unlink()  # a build that renders: it uses an entry of every kind
    monkeypatch.setattr(store_mod, "BUDGET", 0)  # keep nothing this build did not use
    assert build.generate(cfg) == clean["files"]
    assert not any(p.exists() for p in stale), "an unused entry survived pruning"
    assert Store(cfg.cache).entries() == in_use, "pruning removed an entry the build used"


def test_pruning_goes_by_least_recent_use_across_kinds(tmp_path):
    import os

    store = Store(tmp_path, budget=3 * (65 + 10))  # a seal is 65 bytes: room for three 10-byte entries
    paths = [store.entry(kind, i, "x", ".bin") for i, kind in enumerate(sorted(KINDS))]
    for i, path in enumerate(paths):
        store.write(path, b"0123456789")
        os.utime(path, ns=(i * 10 ** 9, i * 10 ** 9))
    later = Store(tmp_path, budget=store.budget)
    later.read(paths[0])  # the oldest, used by this build
    removed = later.prune()
    assert removed == paths[1:6], "not the least recently used"
    assert later.entries() == sorted([paths[0], paths[6], paths[7]])


def test_a_cache_of_an_earlier_layout_is_cleared_and_the_build_works(clean, tmp_path, tiny_captures, caplog):
    cfg = copy_cache(clean, tmp_path)
    old = {"snapshots/vit-b-32-0123456789abcdef0123456789abcdef.json": b'{"schema": 1}',
           "figures/" + "ab" * 32 + ".svg": b"<svg>unsealed</svg>",
           "sites/site-0123456789abcdef0123456789abcdef.zip": b"PK",
           "sha256/0123456789abcdef.json": b"{}", "templates/__jinja2_" + "cd" * 20 + ".cache": b"j2",
           "plots/depth-0123456789abcdef0123456789abcdef.svg": b"<svg/>",
           "catalog/catalog-0123456789abcdef0123456789abcdef.json": b"{}",
           "fine-tuned/handclip-0123456789abcdef0123456789abcdef.json": b"{}"}
    for rel, data in old.items():
        (cfg.cache / rel).parent.mkdir(parents=True, exist_ok=True)
        (cfg.cache / rel).write_bytes(data)
    (cfg.cache / "snapshots" / "notes.txt").write_text("not the cache's: kept\n")
    with caplog.at_level("INFO", logger="mkdocs.plugins.gen.store"):
        assert build.generate(cfg) == clean["files"]
    assert sorted(p.relative_to(cfg.cache).as_posix() for p in cfg.cache.iterdir()) == ["snapshots", "store"]
    assert [p.name for p in (cfg.cache / "snapshots").iterdir()] == ["notes.txt"]
    assert any("earlier cache layout" in r.getMessage() for r in caplog.records)

# The rendered-site entries of the cache: an unchanged build reads its files back; any change to what rendering reads
# renders again.
from __future__ import annotations

import logging
import os
import shutil

import pytest

from gen import build, config, site_cache
from gen.render import env as render_env
from gen.render import site
from gen.store import Store
from helpers import tiny_extra


@pytest.fixture
def cfg(tmp_path):
    return config.load(tiny_extra(tmp_path / "cache", jobs=1), base_dir=tmp_path, env={})


@pytest.fixture
def renders(monkeypatch):
    """Counts the calls of gen.render.site.site (generate imports it lazily, so the module attribute is patched)."""
    calls = []
    real = site.site

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(site, "site", counting)
    return calls


def archives(cfg) -> list:
    return Store(cfg.cache).entries("sites")


def test_unchanged_build_reads_the_archive(cfg, fake_capture, renders):
    first = build.generate(cfg)
    assert renders == [1] and len(archives(cfg)) == 1
    second = build.generate(cfg)
    assert renders == [1], "an unchanged build rendered again"
    assert second == first


def test_template_edit_renders_again(cfg, fake_capture, renders, tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    shutil.copytree(render_env.TEMPLATES, templates)
    monkeypatch.setattr(render_env, "TEMPLATES", templates)
    first = build.generate(cfg)
    page = templates / "provenance.md.j2"
    page.write_text(page.read_text().replace("What produced", "Edited for the test. What produced", 1))
    second = build.generate(cfg)
    assert renders == [1, 1]
    assert b"Edited for the test." in second["provenance/index.md"]
    assert b"Edited for the test." not in first["provenance/index.md"]


def test_configuration_change_renders_again(cfg, fake_capture, renders, tmp_path):
    build.generate(cfg)
    moved = config.load(tiny_extra(tmp_path / "cache", jobs=1), base_dir=tmp_path, env={},
                        site_url="https://example.org/clip")
    files = build.generate(moved)
    assert renders == [1, 1]
    assert b"https://example.org/clip" in files["index.md"]


def test_processes_do_not_change_the_fingerprint(cfg, fake_capture, renders, tmp_path):
    build.generate(cfg)
    build.generate(config.load(tiny_extra(tmp_path / "cache", jobs=3), base_dir=tmp_path, env={}))
    assert renders == [1]


def test_recaptured_snapshot_renders_again(cfg, fake_capture, renders):
    build.generate(cfg)
    for snapshot_file in Store(cfg.cache).entries("snapshots"):
        snapshot_file.unlink()
    build.generate(cfg)
    assert len(fake_capture) == 2 and renders == [1, 1]


def test_a_snapshot_entry_is_identified_by_its_content(cfg, fake_capture, renders):
    """Reading a Snapshot entry marks it used (its mtime changes): the rendered site still matches it."""
    build.generate(cfg)
    for snapshot_file in Store(cfg.cache).entries("snapshots"):
        os.utime(snapshot_file, ns=(0, 0))
    build.generate(cfg)
    assert renders == [1]


def test_damaged_archive_is_rendered_again_and_logged_as_repaired(cfg, fake_capture, renders, caplog):
    first = build.generate(cfg)
    (archive,) = archives(cfg)
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])  # cut short, as by a full disk
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.gen.store"):
        second = build.generate(cfg)
    logged = [r for r in caplog.records if r.name == "mkdocs.plugins.gen.store"]
    assert [r.levelno for r in logged] == [logging.INFO], "a repair must not fail a --strict build"
    message = logged[0].getMessage()
    assert "Repaired cache" in message and str(archive) in message and "rendering again" in message
    assert renders == [1, 1] and second == first
    assert build.generate(cfg) == first and renders == [1, 1], "the damaged archive was not replaced"


def test_edited_member_fails_its_checksum(cfg, fake_capture, renders):
    first = build.generate(cfg)
    (archive,) = archives(cfg)
    data = bytearray(archive.read_bytes())
    at = data.index(b"Provenance")  # a byte inside a stored page, not in the ZIP's own records
    data[at] = ord("p")
    archive.write_bytes(bytes(data))
    assert build.generate(cfg) == first and renders == [1, 1]


def test_archives_are_pruned_like_every_entry_and_byte_stable(tmp_path):
    files = {"b.md": b"second", "a.md": b"first", "figures/x.svg": b"<svg/>"}
    writer = Store(tmp_path)
    for i in range(6):
        site_cache.write(writer, {"build": i}, files)
    entries = [writer.entry("sites", {"build": i}, "site", ".zip") for i in range(6)]
    assert sorted(entries) == writer.entries("sites")
    assert len({p.read_bytes() for p in entries}) == 1, "the same files gave different archives"
    for i, path in enumerate(entries):
        os.utime(path, ns=(i * 10 ** 9, i * 10 ** 9))  # used in the order written
    later = Store(tmp_path, budget=2 * entries[0].stat().st_size)  # room for two archives
    assert site_cache.read(later, {"build": 0}) == files  # the oldest, used by this build
    later.prune()
    assert later.entries("sites") == sorted([entries[0], entries[5]]), "kept: the one in use, then the newest"
    assert site_cache.read(later, {"build": 1}) is None

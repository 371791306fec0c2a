# The rendered-site cache: an unchanged build reads its files back; any change to what rendering reads renders again.
from __future__ import annotations

import logging
import shutil

import pytest

from gen import build, config, site_cache
from gen.render import env as render_env
from gen.render import site
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
    folder = cfg.cache / "sites"
    return sorted(folder.glob("site-*.zip")) if folder.is_dir() else []


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
    for snapshot_file in (cfg.cache / "snapshots").glob("*.json"):
        snapshot_file.unlink()
    build.generate(cfg)
    assert len(fake_capture) == 2 and renders == [1, 1]


def test_damaged_archive_is_rendered_again_and_logged_as_repaired(cfg, fake_capture, renders, caplog):
    first = build.generate(cfg)
    (archive,) = archives(cfg)
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])  # cut short, as by a full disk
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.gen.site_cache"):
        second = build.generate(cfg)
    logged = [r for r in caplog.records if r.name == "mkdocs.plugins.gen.site_cache"]
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


def test_archives_are_pruned_and_byte_stable(tmp_path):
    files = {"b.md": b"second", "a.md": b"first", "figures/x.svg": b"<svg/>"}
    for i in range(site_cache.KEEP + 2):
        site_cache.write(tmp_path, f"{i:032d}", files)
    kept = sorted((tmp_path / "sites").iterdir())
    assert len(kept) == site_cache.KEEP
    assert site_cache.read(tmp_path, f"{site_cache.KEEP + 1:032d}") == files
    assert site_cache.read(tmp_path, f"{0:032d}") is None, "the oldest archive was kept"
    assert len({p.read_bytes() for p in kept}) == 1, "the same files gave different archives"

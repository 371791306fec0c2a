"""Rendered-site cache: a build's generated files, stored under a fingerprint of everything rendering reads.

A warm build whose Snapshots, catalog, baseline, templates, generator code, configuration and tool
versions are all unchanged reads one archive instead of rendering again.  The archive is a ZIP file:
every member carries a CRC, so a truncated or edited entry is detected and the site rendered anew.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import platform
import zipfile
from pathlib import Path

from gen.store import files_digest, fingerprint, version, write_atomic
from gen.config import Config

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
GEN = Path(__file__).resolve().parent
KEEP = 4  # archives kept in the cache folder, newest first (a few configurations side by side)
# Libraries whose output ends up in the generated files.
RENDER_LIBRARIES = ("jinja2", "markupsafe", "matplotlib", "pillow", "numpy")
_FIXED = (1980, 1, 1, 0, 0, 0)  # every member's date: no build time in the archive


def _tree_digest(root: Path, pattern: str) -> str:
    return files_digest(sorted(p for p in root.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts), root)


def _file_identity(path: Path) -> list:
    """Cached Snapshot files are written once, atomically: name, size and mtime identify their content."""
    st = path.stat()
    return [path.name, st.st_size, st.st_mtime_ns]


def _baseline_identity(path: Path | None) -> list:
    if path is None:
        return []
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    return [[f.name, hashlib.sha256(f.read_bytes()).hexdigest()] for f in files if f.is_file()]


def _versions() -> dict[str, str]:
    return {"python": platform.python_version(), **{dist: version(dist) for dist in RENDER_LIBRARIES}}


def key(cfg: Config, inputs: list[Path], templates: Path, graphviz: str, generator: str) -> str | None:
    """Fingerprint of a build's rendering inputs; None when an input file does not exist yet."""
    if not all(p.is_file() for p in inputs):
        return None
    settings = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg) if f.name not in ("cache", "jobs")}
    facts = {
        "inputs": [_file_identity(p) for p in inputs],
        "baseline": _baseline_identity(cfg.baseline),
        "settings": json.loads(json.dumps(settings, default=str)),
        "code": _tree_digest(GEN, "*.py"),
        "quoted": _tree_digest(GEN / "data", "*"),  # quoted facts shown on pages
        "templates": _tree_digest(templates, "*"),
        "graphviz": graphviz,
        "generator": generator,
        "versions": _versions(),
    }
    return fingerprint(facts)


def _path(cache: Path, digest: str) -> Path:
    return cache / "sites" / f"site-{digest}.zip"


def read(cache: Path, digest: str | None) -> dict[str, bytes] | None:
    """The files stored under `digest`, or None when absent or damaged."""
    if digest is None:
        return None
    path = _path(cache, digest)
    if not path.is_file():
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}  # read() checks each CRC
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        log.info("Repaired cache: rendered-site archive %s is unreadable (%s); rendering again.", path, err)
        return None
    try:
        path.touch()  # most recently used, for pruning
    except OSError:
        pass  # only the pruning order suffers; build.generate checked that the cache folder is writable
    return files


def write(cache: Path, digest: str | None, files: dict[str, bytes]) -> None:
    """Store `files` under `digest` (atomically), then keep only the newest archives."""
    if digest is None:
        return
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED), files[name])
    path = _path(cache, digest)
    write_atomic(path, buffer.getvalue())
    old = sorted(path.parent.glob("site-*.zip"), key=lambda p: p.stat().st_mtime_ns, reverse=True)[KEEP:]
    for stale in old:
        stale.unlink(missing_ok=True)

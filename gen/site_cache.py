"""Rendered-site entries of the cache: a build's generated files, stored under everything rendering reads.

A warm build whose Snapshots, catalog, baseline, templates, generator code, configuration and tool
versions are all unchanged reads one archive (a ZIP file, sealed like every entry of the Store) instead of
rendering again.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import platform
import zipfile
from pathlib import Path

from gen.store import Store, files_digest, version
from gen.config import Config

GEN = Path(__file__).resolve().parent
# Libraries whose output ends up in the generated files.
RENDER_LIBRARIES = ("jinja2", "markupsafe", "matplotlib", "pillow", "numpy")
_FIXED = (1980, 1, 1, 0, 0, 0)  # every member's date: no build time in the archive


def _tree_digest(root: Path, pattern: str) -> str:
    return files_digest(sorted(p for p in root.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts), root)


def _file_identity(store: Store, path: Path) -> str | list | None:
    """An entry of the store is identified by the SHA-256 it is sealed with (reading it marks it used, so the
    Snapshots of a warm build are not pruned); a file of a Snapshot folder, written once, by its name, size and
    mtime.  None when absent."""
    if path.is_relative_to(store.root):
        return store.seal(path)
    if not path.is_file():
        return None
    st = path.stat()
    return [path.name, st.st_size, st.st_mtime_ns]


def _baseline_identity(path: Path | None) -> list:
    if path is None:
        return []
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    return [[f.name, hashlib.sha256(f.read_bytes()).hexdigest()] for f in files if f.is_file()]


def _versions() -> dict[str, str]:
    return {"python": platform.python_version(), **{dist: version(dist) for dist in RENDER_LIBRARIES}}


def facts(store: Store, cfg: Config, inputs: list[Path], templates: Path, graphviz: str, generator: str) -> dict | None:
    """Everything a build's rendering reads; None when an input file does not exist yet."""
    identities = [_file_identity(store, p) for p in inputs]
    if None in identities:
        return None
    settings = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg) if f.name not in ("cache", "jobs")}
    return {
        "inputs": identities,
        "baseline": _baseline_identity(cfg.baseline),
        "settings": json.loads(json.dumps(settings, default=str)),
        "code": _tree_digest(GEN, "*.py"),
        "quoted": _tree_digest(GEN / "data", "*"),  # quoted facts shown on pages
        "templates": _tree_digest(templates, "*"),
        "graphviz": graphviz,
        "generator": generator,
        "versions": _versions(),
    }


def _entry(store: Store, facts: dict) -> Path:
    return store.entry("sites", facts, "site", ".zip")


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}  # read() checks each CRC


def read(store: Store, facts: dict | None) -> dict[str, bytes] | None:
    """The files stored for `facts`, or None when absent or damaged."""
    return None if facts is None else store.load(_entry(store, facts), _unzip)


def write(store: Store, facts: dict | None, files: dict[str, bytes]) -> None:
    """Store `files` for `facts` (atomically); the Store prunes old archives with every other kind of entry."""
    if facts is None:
        return
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED), files[name])
    store.write(_entry(store, facts), buffer.getvalue())

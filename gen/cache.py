"""Snapshot cache: one JSON file per fingerprint; atomic writes; bad entries are recaptured.

Also the one home of the cache's file helpers: atomic writes, and sealed files (figures, plots) that carry
the SHA-256 of their content, so that a damaged one is drawn again instead of published."""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
from pathlib import Path

from gen import folders
from gen.config import Config, file_sha256
from gen.errors import CacheError, os_error
from gen.snapshot import SCHEMA, Snapshot
from gen.weights import WeightsPlan

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
GEN = Path(__file__).resolve().parent
# Code whose change must invalidate a cached Snapshot.
CAPTURE_CODE = sorted([*(GEN / "capture").rglob("*.py"), GEN / "snapshot.py", GEN / "archs.py", GEN / "weights.py"])


def version(dist: str) -> str:
    """An installed distribution's version, or "absent"."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def files_digest(paths, root: Path) -> str:
    """One hash of some files' names (relative to `root`) and contents, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def codeversion() -> str:
    return files_digest(CAPTURE_CODE, GEN)


def key(plan: WeightsPlan, cfg: Config, scope: str) -> str:
    """Fingerprint of everything a Snapshot depends on: model, weights, versions, code, inputs."""
    facts = {
        "schema": SCHEMA,
        "model": plan.model,
        "scope": scope,
        "weights": plan.identity,
        "clip": [version("clip-anytorch"), version("clip"), version("openai-clip")],
        "torch": version("torch"),
        "torchvision": version("torchvision"),
        "code": codeversion(),
        "images": [[p.name, file_sha256(p)] for p in cfg.images],
        "prompts": list(cfg.prompts),
        "captions": list(cfg.captions),
        "recipe_settings": [cfg.seed, cfg.unfreeze_last, cfg.replacement_width],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:32]


def catalog_path(cfg: Config) -> Path:
    facts = {"schema": SCHEMA, "clip": [version("clip-anytorch"), version("clip"), version("openai-clip")],
             "torch": version("torch"), "code": codeversion()}
    return cfg.cache / "catalog" / f"catalog-{hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:32]}.json"


def read_catalog(path: Path):
    from gen.snapshot import Catalog

    return read(path, Catalog)


def path_for(cfg: Config, plan: WeightsPlan, scope: str) -> Path:
    slug = plan.model.lower().replace("/", "-").replace("@", "-")
    return cfg.cache / "snapshots" / f"{slug}-{key(plan, cfg, scope)}.json"


def read(path: Path, kind=Snapshot):
    """A cached Snapshot (or Catalog), or None when absent or unreadable."""
    if not path.is_file():
        return None
    try:
        return kind.from_json(path.read_text(encoding="utf-8"))
    except Exception as err:  # truncated, edited or from an older schema: recapture
        log.info("Repaired cache: entry %s is unreadable (%s); capturing again.", path, err)
        return None


def write(path: Path, snapshot: Snapshot) -> None:
    write_atomic(path, snapshot.to_json().encode("utf-8"))


CACHE_FIX = "Free space or fix the permissions there, or point CLIP_DOCS_CACHE (extra.clip_docs.cache) at another folder."
# Called before each rename; the second build process makes it exit once the main process is gone (gen.background).
before_publish = lambda: None  # noqa: E731


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename; raise CacheError (leaving `path` as it was)."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = folders.temp_file(path)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        before_publish()
        os.replace(tmp, path)
        tmp = None
    except OSError as err:
        raise CacheError(os_error(err, f"writing the cache file {str(path)!r}", CACHE_FIX)) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def write_sealed(path: Path, data: bytes) -> None:
    """Like write_atomic, with the SHA-256 of `data` in front, for read_sealed to check."""
    write_atomic(path, hashlib.sha256(data).hexdigest().encode() + b"\n" + data)


def read_sealed(path: Path) -> bytes | None:
    """The content write_sealed stored at `path`; None when absent, or damaged (logged as repaired)."""
    try:
        stored = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise CacheError(os_error(err, f"reading the cache file {str(path)!r}", CACHE_FIX)) from None
    digest, _, data = stored.partition(b"\n")
    if hashlib.sha256(data).hexdigest().encode() == digest:
        return data
    log.info("Repaired cache: %s does not match its SHA-256 (cut short or edited); drawing it again.", path)
    return None


def sweep(cfg: Config) -> None:
    """Remove the temporary files killed builds left in the cache folder."""
    for leftover in folders.sweep(cfg.cache, recursive=True):
        log.info("Repaired cache: removed %s, left by a build that was stopped", leftover)

"""The cache folder's one set of file helpers: fingerprints, atomic writes, sealed entries, distribution versions.

Every cached entry is written through a temporary file and a rename, so a reader sees a whole file or none;
figures, plots and checkpoint digests are sealed with the SHA-256 of their content, so a damaged entry is
made again instead of published."""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
from pathlib import Path

from gen import folders
from gen.errors import CacheError, os_error

log = logging.getLogger(f"mkdocs.plugins.{__name__}")


def fingerprint(facts) -> str:
    """The one key scheme of the cache: SHA-256 of the facts as canonical JSON, 32 hex digits."""
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def version(dist: str) -> str:
    """An installed distribution's version, or "absent"."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


KNOWN_CLIP_DISTRIBUTIONS = ("clip-anytorch", "openai-clip", "clip")  # what provides the `clip` import name


def clip_versions() -> list[str]:
    """The installed version of each distribution that can provide `clip` ("absent" for the others)."""
    return [version(name) for name in KNOWN_CLIP_DISTRIBUTIONS]


def files_digest(paths, root: Path) -> str:
    """One hash of some files' names (relative to `root`) and contents, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


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

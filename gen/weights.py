"""Which weights a build will use, decided without importing torch (so a warm build stays fast)."""
from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from gen import download
from gen.config import Config, file_sha256
from gen.errors import LoadError

log = logging.getLogger(f"mkdocs.plugins.{__name__}")

# File names clip.load uses in its download folder (the last part of each download URL).
CHECKPOINT_FILES = {name: download.file_name(name) for name in download.MODEL_URLS}


@dataclass(frozen=True)
class WeightsPlan:
    model: str
    mode: str                 # "pretrained" | "random"
    checkpoint: Path | None   # pretrained only
    sha256: str | None        # pretrained only
    seed: int | None          # random only
    official: bool = False    # pretrained: sha256 is the one OpenAI publishes for `model`

    @property
    def identity(self) -> str:
        return f"pretrained:{self.sha256}" if self.mode == "pretrained" else f"random:seed={self.seed}"

    @property
    def file_name(self) -> str | None:
        """The checkpoint's file name ("ViT-B-32.pt"), for the Snapshot; None in random mode."""
        return self.checkpoint.name if self.checkpoint else None


def checkpoint_path(cfg: Config, name: str) -> Path:
    if name in cfg.checkpoints:
        return cfg.checkpoints[name]
    return cfg.clip_cache / CHECKPOINT_FILES[name]


def structure_only(cfg: Config, name: str) -> WeightsPlan:
    """A model captured only for comparison: its pages show structure, which needs no weights."""
    return WeightsPlan(name, "random", None, None, cfg.seed)


def plan(cfg: Config, name: str) -> WeightsPlan:
    """Decide the weights for `name`; in `pretrained` mode a missing clip-cache file is downloaded (only then)."""
    if name not in cfg.models:
        return structure_only(cfg, name)
    path = checkpoint_path(cfg, name)
    if cfg.weights == "random":
        return WeightsPlan(name, "random", None, None, cfg.seed)
    if path.is_file():
        return _pretrained(cfg, name, path)
    if cfg.weights == "pretrained":
        if name in cfg.checkpoints or path.exists():
            what = "is not a file" if path.exists() else "does not exist"
            raise LoadError(
                f"No checkpoint for {name}: {str(path)!r} {what}. Put the weights file there "
                f"(or name one under extra.clip_docs.checkpoints), or build with CLIP_DOCS_WEIGHTS=random."
            )
        digest = download.fetch(name, path)  # raises LoadError (saying where to put the file) when offline
        _remember_sha256(path, cfg.cache, digest)
        return WeightsPlan(name, "pretrained", path, digest, None, official=True)
    log.warning(
        "No checkpoint for %s at %s: documenting a seeded, architecture-identical model with random "
        "weights (pages say so). Put the file there or set extra.clip_docs.checkpoints to use real weights.",
        name, path,
    )
    return WeightsPlan(name, "random", None, None, cfg.seed)


def _pretrained(cfg: Config, name: str, path: Path) -> WeightsPlan:
    digest = _cached_sha256(path, cfg.cache)
    official = name in download.MODEL_URLS and digest == download.expected_sha256(name)
    if not official and name not in cfg.checkpoints:
        log.warning(
            "%s in clip's cache folder does not have the SHA-256 OpenAI publishes for %s (%s, expected %s): "
            "an interrupted download, or another checkpoint saved under that name? It is documented as it is; "
            "delete it and build with CLIP_DOCS_WEIGHTS=pretrained to download OpenAI's file.",
            path, name, digest, download.expected_sha256(name),
        )
    return WeightsPlan(name, "pretrained", path, digest, None, official=official)


def _identity(path: Path) -> dict:
    """What ties a remembered SHA-256 to one state of the file: where it is, its size and its mtime."""
    stat = path.stat()
    return {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _memo(path: Path, cache: Path) -> Path:
    key = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    return cache / "sha256" / f"{key}.json"


def checkpoint_sha256(path: Path, cache: Path) -> str:
    """A checkpoint's SHA-256, hashed once and remembered in `cache` (see _cached_sha256)."""
    return _cached_sha256(path, cache)


def _cached_sha256(path: Path, cache: Path) -> str:
    """SHA-256 of a checkpoint, remembered with its (path, size, mtime) so warm builds skip re-hashing.

    A memo that does not parse, holds no 64-digit hex digest or belongs to another size or mtime is ignored."""
    memo = _memo(path, cache)
    try:
        found = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        found = None
    if (isinstance(found, dict) and found.get("file") == _identity(path)
            and re.fullmatch(r"[0-9a-f]{64}", str(found.get("sha256")))):
        return found["sha256"]
    if found is not None:
        log.info("Repaired cache: the SHA-256 memo %s no longer matches %s; hashing it again.", memo, path)
    digest = file_sha256(path)
    _remember_sha256(path, cache, digest)
    return digest


def _remember_sha256(path: Path, cache: Path, digest: str) -> None:
    from gen.store import write_atomic

    write_atomic(_memo(path, cache), json.dumps({"file": _identity(path), "sha256": digest}).encode())

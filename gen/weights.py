"""Which weights a build will use, decided without importing torch (so a warm build stays fast)."""
from __future__ import annotations

import hashlib
import logging
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


def plan(cfg: Config, name: str) -> WeightsPlan:
    """Decide the weights for `name`; in `pretrained` mode a missing clip-cache file is downloaded (only then)."""
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


def _memo(path: Path, cache: Path) -> Path:
    stat = path.stat()
    key = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    return cache / "sha256" / f"{key}-{stat.st_size}-{stat.st_mtime_ns}"


def _cached_sha256(path: Path, cache: Path) -> str:
    """SHA-256 of a checkpoint, remembered by (path, size, mtime) so warm builds skip re-hashing."""
    memo = _memo(path, cache)
    if memo.is_file():
        return memo.read_text().strip()
    digest = file_sha256(path)
    _remember_sha256(path, cache, digest)
    return digest


def _remember_sha256(path: Path, cache: Path, digest: str) -> None:
    memo = _memo(path, cache)
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(digest)

"""Which weights a build will use, decided without importing torch (so a warm build stays fast)."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from gen.config import Config, file_sha256
from gen.errors import LoadError

log = logging.getLogger(f"mkdocs.plugins.{__name__}")

# File names clip.load uses in its download folder (the last part of each download URL).
CHECKPOINT_FILES = {
    "RN50": "RN50.pt",
    "RN101": "RN101.pt",
    "RN50x4": "RN50x4.pt",
    "RN50x16": "RN50x16.pt",
    "RN50x64": "RN50x64.pt",
    "ViT-B/32": "ViT-B-32.pt",
    "ViT-B/16": "ViT-B-16.pt",
    "ViT-L/14": "ViT-L-14.pt",
    "ViT-L/14@336px": "ViT-L-14-336px.pt",
}


@dataclass(frozen=True)
class WeightsPlan:
    model: str
    mode: str                 # "pretrained" | "random"
    checkpoint: Path | None   # pretrained only
    sha256: str | None        # pretrained only
    seed: int | None          # random only

    @property
    def identity(self) -> str:
        return f"pretrained:{self.sha256}" if self.mode == "pretrained" else f"random:seed={self.seed}"


def checkpoint_path(cfg: Config, name: str) -> Path:
    if name in cfg.checkpoints:
        return cfg.checkpoints[name]
    return cfg.clip_cache / CHECKPOINT_FILES[name]


def plan(cfg: Config, name: str) -> WeightsPlan:
    path = checkpoint_path(cfg, name)
    if cfg.weights == "random":
        return WeightsPlan(name, "random", None, None, cfg.seed)
    if path.is_file():
        return WeightsPlan(name, "pretrained", path, _cached_sha256(path, cfg.cache), None)
    if cfg.weights == "pretrained":
        raise LoadError(
            f"No checkpoint for {name}: {str(path)!r} does not exist. Put the weights file there "
            f"(or name one under extra.clip_docs.checkpoints), or build with CLIP_DOCS_WEIGHTS=random."
        )
    log.warning(
        "No checkpoint for %s at %s: documenting a seeded, architecture-identical model with random "
        "weights (pages say so). Put the file there or set extra.clip_docs.checkpoints to use real weights.",
        name, path,
    )
    return WeightsPlan(name, "random", None, None, cfg.seed)


def _cached_sha256(path: Path, cache: Path) -> str:
    """SHA-256 of a checkpoint, remembered by (path, size, mtime) so warm builds skip re-hashing."""
    stat = path.stat()
    key = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    memo = cache / "sha256" / f"{key}-{stat.st_size}-{stat.st_mtime_ns}"
    if memo.is_file():
        return memo.read_text().strip()
    digest = file_sha256(path)
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(digest)
    return digest

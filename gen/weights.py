"""Which weights a build will use, decided without importing torch (so a warm build stays fast)."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from gen import download
from gen.config import Config, file_sha256
from gen.errors import LoadError
from gen.store import Store

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


def plan(cfg: Config, name: str, store: Store) -> WeightsPlan:
    """Decide the weights for `name`; in `pretrained` mode a missing clip-cache file is downloaded (only then).
    `store` remembers checkpoints' SHA-256 between builds."""
    if name not in cfg.models:
        return structure_only(cfg, name)
    path = checkpoint_path(cfg, name)
    if cfg.weights == "random":
        return WeightsPlan(name, "random", None, None, cfg.seed)
    if path.is_file():
        return _pretrained(cfg, name, path, store)
    if cfg.weights == "pretrained" or name in cfg.checkpoints:  # a file named in the configuration must be there
        if name in cfg.checkpoints or path.exists():
            what = "is not a file" if path.exists() else "does not exist"
            raise LoadError(
                f"No checkpoint for {name}: {str(path)!r} {what}. Put the weights file there "
                f"(or name one under extra.clip_docs.checkpoints), or build with CLIP_DOCS_WEIGHTS=random."
            )
        digest = download.fetch(name, path)  # raises LoadError (saying where to put the file) when offline
        store.write(_memo(path, store), digest.encode())
        return WeightsPlan(name, "pretrained", path, digest, None, official=True)
    log.warning(
        "No checkpoint for %s at %s: documenting a seeded, architecture-identical model with random "
        "weights (pages say so). Put the file there or set extra.clip_docs.checkpoints to use real weights.",
        name, path,
    )
    return WeightsPlan(name, "random", None, None, cfg.seed)


def _pretrained(cfg: Config, name: str, path: Path, store: Store) -> WeightsPlan:
    digest = checkpoint_sha256(path, store)
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


def _memo(path: Path, store: Store) -> Path:
    return store.entry("checksums", _identity(path), re.sub(r"[^\w.-]", "-", path.name), ".sha256")


def checkpoint_sha256(path: Path, store: Store) -> str:
    """A checkpoint's SHA-256, hashed once and remembered in `store` under its (path, size, mtime), so warm builds
    skip re-hashing; a memo that holds no 64-digit hex digest is ignored (and hashed again)."""
    memo = _memo(path, store)
    found = store.read(memo)
    if found is not None and re.fullmatch(rb"[0-9a-f]{64}", found):
        return found.decode()
    digest = file_sha256(path)
    store.write(memo, digest.encode())
    return digest

"""Snapshot cache: one JSON file per fingerprint; atomic writes; bad entries are recaptured."""
from __future__ import annotations

import logging
from pathlib import Path

from gen import folders
from gen.config import Config, file_sha256
from gen.snapshot import SCHEMA, Snapshot
from gen.store import clip_versions, files_digest, fingerprint, version, write_atomic
from gen.weights import WeightsPlan

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
GEN = Path(__file__).resolve().parent
# Code whose change must invalidate a cached Snapshot.
CAPTURE_CODE = sorted([*(GEN / "capture").rglob("*.py"), GEN / "snapshot.py", GEN / "archs.py", GEN / "weights.py"])


def codeversion() -> str:
    return files_digest(CAPTURE_CODE, GEN)


def key(plan: WeightsPlan, cfg: Config, scope: str) -> str:
    """Fingerprint of everything a Snapshot depends on: model, weights, versions, code, inputs."""
    facts = {
        "schema": SCHEMA,
        "model": plan.model,
        "scope": scope,
        "weights": plan.identity,
        "clip": clip_versions(),
        "torch": version("torch"),
        "torchvision": version("torchvision"),
        "code": codeversion(),
        "images": [[p.name, file_sha256(p)] for p in cfg.images],
        "prompts": list(cfg.prompts),
        "captions": list(cfg.captions),
        "recipe_settings": [cfg.seed, cfg.unfreeze_last, cfg.replacement_width],
    }
    return fingerprint(facts)


def catalog_path(cfg: Config) -> Path:
    facts = {"schema": SCHEMA, "clip": clip_versions(),
             "torch": version("torch"), "code": codeversion()}
    return cfg.cache / "catalog" / f"catalog-{fingerprint(facts)}.json"


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


def sweep(cfg: Config) -> None:
    """Remove the temporary files killed builds left in the cache folder."""
    for leftover in folders.sweep(cfg.cache, recursive=True):
        log.info("Repaired cache: removed %s, left by a build that was stopped", leftover)

"""What Snapshot and catalog entries of the cache depend on, and reading and writing them through the Store."""
from __future__ import annotations

from pathlib import Path

from gen.config import Config, file_sha256
from gen.snapshot import SCHEMA, Catalog, Snapshot
from gen.store import Store, clip_versions, files_digest, version
from gen.weights import WeightsPlan

GEN = Path(__file__).resolve().parent
# Code whose change must invalidate a cached Snapshot.
CAPTURE_CODE = sorted([*(GEN / "capture").rglob("*.py"), GEN / "snapshot.py", GEN / "archs.py", GEN / "weights.py"])


def codeversion() -> str:
    return files_digest(CAPTURE_CODE, GEN)


def snapshot_facts(plan: WeightsPlan, cfg: Config, scope: str) -> dict:
    """Everything a Snapshot depends on: model, weights, versions, code, inputs."""
    return {
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


def snapshot_entry(store: Store, plan: WeightsPlan, cfg: Config, scope: str) -> Path:
    slug = plan.model.lower().replace("/", "-").replace("@", "-")
    return store.entry("snapshots", snapshot_facts(plan, cfg, scope), slug, ".json")


def catalog_entry(store: Store) -> Path:
    facts = {"schema": SCHEMA, "clip": clip_versions(), "torch": version("torch"), "code": codeversion()}
    return store.entry("catalog", facts, "catalog", ".json")


def read(store: Store, path: Path, kind=Snapshot):
    """A cached Snapshot (or Catalog, FineTuned), or None when absent, damaged or of an older schema."""
    return store.load(path, lambda data: kind.from_json(data.decode("utf-8")))


def read_catalog(store: Store, path: Path) -> Catalog | None:
    return read(store, path, Catalog)


def write(store: Store, path: Path, found) -> None:
    """Store a Snapshot, Catalog or FineTuned (anything with to_json)."""
    store.write(path, found.to_json().encode("utf-8"))

"""Snapshots captured apart (`python -m gen --snapshot-out DIR`), written as a folder and read back without torch.

One folder holds, per model, `<slug>.json` (documented in full) or `<slug>.structure.json` (compared only),
the catalog of all variants as `catalog.json`, and beside each a `.capture.json` naming the capture code that
wrote it.  Every file depends on its own model alone, so folders written by separate jobs (a CI matrix) merge
into one: where two jobs write the same file, they write the same bytes.
"""
from __future__ import annotations

import json
from pathlib import Path

from gen import archs
from gen.config import Config
from gen.config import inputs as config_inputs
from gen.errors import ConfigError
from gen.snapshot import SCHEMA, Catalog, Snapshot

CATALOG = "catalog"


def stem(name: str, scope: str) -> str:
    """File stem of a model's Snapshot: "vit-b-32" in full, "rn50.structure" when only compared."""
    return archs.slug(name) if scope == "full" else f"{archs.slug(name)}.structure"


def scope_of(cfg: Config, name: str) -> str:
    return "full" if name in cfg.models else "structure"


def _capture_code() -> str:
    from gen.cache import codeversion

    return codeversion()


def _stamp(what: str) -> bytes:
    return (json.dumps({"schema": SCHEMA, "of": what, "capture_code": _capture_code()}, indent=1) + "\n").encode()


def files(cfg: Config, snaps: dict[str, Snapshot], catalog: Catalog) -> dict[str, bytes]:
    """What `--snapshot-out` writes: each Snapshot and the catalog, each with its capture stamp."""
    out = {}
    for name, snap in snaps.items():
        s = stem(name, scope_of(cfg, name))
        out[f"{s}.json"] = snap.to_json().encode("utf-8")
        out[f"{s}.capture.json"] = _stamp(f"{s}.json")
    out[f"{CATALOG}.json"] = catalog.to_json().encode("utf-8")
    out[f"{CATALOG}.capture.json"] = _stamp(f"{CATALOG}.json")
    return out


def _fix(cfg: Config) -> str:
    return (f"Capture it again with `python -m gen --snapshot-out {cfg.snapshots}` (with the same mkdocs.yml and "
            f"CLIP_DOCS_* settings as this build), or unset CLIP_DOCS_SNAPSHOTS (extra.clip_docs.snapshots) to "
            f"capture in this build.")


def paths(cfg: Config) -> dict[str, Path]:
    """Each configured model's Snapshot file in the folder; a missing or stale one fails here, before rendering."""
    out = {name: cfg.snapshots / f"{stem(name, scope_of(cfg, name))}.json" for name in cfg.all_models}
    for name, path in out.items():
        _check_present(cfg, path, f"the Snapshot of {name}")
    _check_present(cfg, cfg.snapshots / f"{CATALOG}.json", "the catalog of all variants")
    return out


def _check_present(cfg: Config, path: Path, what: str) -> None:
    if not path.is_file():
        raise ConfigError(f"The Snapshot folder {str(cfg.snapshots)!r} has no {path.name} ({what}). {_fix(cfg)}")
    stamp = path.with_name(path.name.removesuffix(".json") + ".capture.json")
    try:
        code = json.loads(stamp.read_text(encoding="utf-8")).get("capture_code")
    except (OSError, ValueError, AttributeError):
        code = None
    if code != _capture_code():
        raise ConfigError(f"{str(path)!r} ({what}) was captured by other capture code than this build's "
                          f"({stamp.name} says {code!r}). {_fix(cfg)}")


def read(cfg: Config, name: str, path: Path) -> Snapshot:
    """The Snapshot of `name` from the folder, checked against this build's settings."""
    try:
        snap = Snapshot.from_json(path.read_text(encoding="utf-8"))
        if snap.schema != SCHEMA:
            raise ValueError(f"schema {snap.schema}, this version writes {SCHEMA}")
    except Exception as err:
        raise ConfigError(f"{str(path)!r} is not a Snapshot this version renders ({err}). {_fix(cfg)}") from None
    problem = _mismatch(cfg, name, snap)
    if problem:
        raise ConfigError(f"{str(path)!r} does not match this build: {problem}. {_fix(cfg)}")
    return snap


def _mismatch(cfg: Config, name: str, snap: Snapshot) -> str | None:
    scope = scope_of(cfg, name)
    if snap.model.name != name or snap.scope != scope:
        return f"it holds {snap.model.name} ({snap.scope}), this build needs {name} ({scope})"
    inputs = config_inputs(cfg)
    if snap.inputs != inputs:
        theirs, ours = snap.inputs.__dict__, inputs.__dict__
        return "its inputs differ (" + ", ".join(k for k in ours if theirs.get(k) != ours[k]) + ")"
    mode = "random" if scope == "structure" else cfg.weights
    if mode != "auto" and snap.weights.mode != mode:
        return f"it was captured with {snap.weights.mode} weights, this build asks for {mode}"
    if snap.weights.mode == "random" and snap.weights.seed != cfg.seed:
        return f"it was captured with seed {snap.weights.seed}, this build's seed is {cfg.seed}"
    return None


def read_catalog(cfg: Config) -> Catalog:
    path = cfg.snapshots / f"{CATALOG}.json"
    try:
        found = Catalog.from_json(path.read_text(encoding="utf-8"))
    except Exception as err:
        raise ConfigError(f"{str(path)!r} is not a catalog this version renders ({err}). {_fix(cfg)}") from None
    missing = [name for name in archs.available_models() if name not in {e.name for e in found.entries}]
    if missing:
        raise ConfigError(f"{str(path)!r} lacks {missing}. {_fix(cfg)}")
    return found

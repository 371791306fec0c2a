"""The pipeline: configuration -> Snapshots (cached or captured) -> rendered files."""
from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from gen import cache, weights
from gen.config import Config
from gen.render import diagrams
from gen.snapshot import Snapshot

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
PREPARED: dict[str, bytes] = {}  # filled by gen.mkdocs_hooks before MkDocs cleans the site, read by gen_pages.py


def snapshots(cfg: Config) -> dict[str, Snapshot]:
    """One Snapshot per configured model, from the cache when its fingerprint matches."""
    plans = {name: weights.plan(cfg, name) for name in cfg.all_models}  # weights errors before any capture
    out: dict[str, Snapshot] = {}
    for name, plan in plans.items():
        scope = "full" if name in cfg.models else "structure"
        path = cache.path_for(cfg, plan, scope)
        snap = cache.read(path)
        if snap is None:
            from gen.capture import take_snapshot  # the only place torch gets imported

            snap = take_snapshot(plan, cfg, scope)
            cache.write(path, snap)
        else:
            log.debug("Snapshot of %s from cache %s", name, path)
        out[name] = snap
    return out


def catalog(cfg: Config):
    """Architecture facts of all nine variants (meta device), cached like Snapshots."""
    path = cache.catalog_path(cfg)
    found = cache.read_catalog(path)
    if found is None:
        from gen.capture.catalog import take_catalog
        from gen.snapshot import SCHEMA, Catalog

        log.info("Capturing the architecture catalog of all variants")
        found = Catalog(SCHEMA, take_catalog())
        cache.write_atomic(path, found.to_json().encode("utf-8"))
    return found


def baselines(cfg: Config, current: dict[str, Snapshot]) -> dict[str, tuple[Snapshot, str]]:
    """Earlier Snapshots to compare with, by documented model name: {name: (snapshot, label)}."""
    from gen.errors import ConfigError

    if cfg.baseline is None:
        return {}

    def read(path: Path) -> Snapshot:
        try:
            return Snapshot.from_json(path.read_text(encoding="utf-8"))
        except Exception as err:
            raise ConfigError(
                f"Baseline {str(path)!r} is not a Snapshot this version can read ({err}); write one with "
                f"`python -m gen --snapshot-out DIR` and point extra.clip_docs.baseline at it."
            ) from None

    out = {}
    if cfg.baseline.is_dir():
        for name in cfg.models:
            candidate = cfg.baseline / f"{current[name].model.slug}.json"
            if candidate.is_file():
                out[name] = (read(candidate), candidate.name)
    else:
        old = read(cfg.baseline)
        name = old.model.name if old.model.name in cfg.models else cfg.models[0]
        out[name] = (old, cfg.baseline.name)
    return out


def generate(cfg: Config) -> dict[str, bytes]:
    """All generated files of the site, in memory: nothing is written if any step fails."""
    from gen.render import site

    started = time.monotonic()
    dot = diagrams.Dot(cfg.cache / "figures")  # fails at once, saying how to install Graphviz
    from gen.capture_facts import generator_version

    generator = generator_version()
    snaps = {name: _with_build_facts(s, dot.version, generator) for name, s in snapshots(cfg).items()}
    files = site.site(snaps, list(cfg.models), list(cfg.compare), dot, catalog(cfg), [list(p) for p in cfg.diffs],
                      baselines(cfg, snaps), cfg.site_url)
    log.info("Generated %d files in %.1f s", len(files), time.monotonic() - started)
    return files


def _with_build_facts(s: Snapshot, graphviz: str, generator: str) -> Snapshot:
    """Facts of this build rather than of the capture: a cached Snapshot may be older than the code."""
    return dataclasses.replace(s, provenance=dataclasses.replace(s.provenance, graphviz=graphviz, generator=generator))


def write_tree(files: dict[str, bytes], out: Path) -> None:
    """Write the files as a fresh folder `out`, swapped in only once complete."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, data in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

"""The pipeline: configuration -> Snapshots (cached or captured) -> rendered files."""
from __future__ import annotations

import dataclasses
import gc
import logging
import shutil
import time
from pathlib import Path

from gen import cache, fine_tuned_plan, folders, store, weights
from gen.config import Config
from gen.errors import CacheError, OutputError, os_error
from gen.render import dot as graphviz_dot
from gen.snapshot import Snapshot

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
PREPARED: dict[str, bytes] = {}  # filled by gen.mkdocs_hooks before MkDocs cleans the site, read by gen_pages.py


def targets(cfg: Config) -> dict[str, tuple[weights.WeightsPlan, str, Path]]:
    """What each configured model needs: {name: (weights plan, scope, Snapshot cache file)}.

    Weights problems (a missing checkpoint, a bad file) fail here, before anything is captured."""
    plans = {name: weights.plan(cfg, name) for name in cfg.all_models}
    out = {}
    for name, plan in plans.items():
        scope = "full" if name in cfg.models else "structure"
        out[name] = (plan, scope, cache.path_for(cfg, plan, scope))
    return out


def preflight(cfg: Config) -> None:
    """Before anything slow: the cache folder must be writable; leftovers of killed builds go."""
    folders.check_writable(cfg.cache, CacheError, "The cache folder",
                           "Point CLIP_DOCS_CACHE (or extra.clip_docs.cache) at a writable folder, or fix its permissions.")
    cache.sweep(cfg)


def check_prompts_before_capture(cfg: Config, wanted: dict) -> None:
    """Every prompt must fit the text context of each model to be captured; checked before any model loads.

    Tokenizing imports clip, and with it torch: only done when something is to be captured."""
    from gen import archs

    to_capture = [name for name, (_, _, path) in wanted.items() if not path.is_file()]
    if not to_capture:
        return
    from gen.capture import check_prompts

    check_prompts(cfg.prompts, min(archs.KNOWN[name].context_length for name in to_capture))


def snapshot(cfg: Config, plan: weights.WeightsPlan, scope: str, path: Path) -> Snapshot:
    """One model's Snapshot, from the cache when its fingerprint matches, else captured here."""
    snap = cache.read(path)
    if snap is None:
        from gen.capture import take_snapshot  # the only place torch gets imported

        snap = take_snapshot(plan, cfg, scope)
        gc.collect()  # the model and its copies go before the next model is built
        cache.write(path, snap)
    else:
        log.debug("Snapshot of %s from cache %s", plan.model, path)
    return snap


def snapshots(cfg: Config, wanted: dict | None = None) -> dict[str, Snapshot]:
    """One Snapshot per configured model."""
    preflight(cfg)
    if cfg.snapshots is not None:
        return _from_folder(cfg)
    wanted = wanted or targets(cfg)
    check_prompts_before_capture(cfg, wanted)
    return {name: snapshot(cfg, *target) for name, target in wanted.items()}


def _from_folder(cfg: Config) -> dict[str, Snapshot]:
    """The Snapshots captured apart into cfg.snapshots (gen.snapshot_folder), checked; torch is not imported."""
    from gen import snapshot_folder

    return {name: snapshot_folder.read(cfg, name, path) for name, path in snapshot_folder.paths(cfg).items()}


def snapshot_files(cfg: Config) -> dict[str, bytes]:
    """What `python -m gen --snapshot-out` writes: every configured model's Snapshot and the catalog."""
    from gen import snapshot_folder

    snaps = snapshots(cfg)
    variants = snapshot_folder.read_catalog(cfg) if cfg.snapshots is not None else catalog(cfg)
    return snapshot_folder.files(cfg, snaps, variants)


def capture_catalog(path: Path):
    """Architecture facts of all nine variants (meta device), written to `path`; may run in a second process."""
    from gen.capture.catalog import take_catalog
    from gen.snapshot import SCHEMA, Catalog

    log.info("Capturing the architecture catalog of all variants")
    found = Catalog(SCHEMA, take_catalog())
    store.write_atomic(path, found.to_json().encode("utf-8"))
    return found


def catalog(cfg: Config):
    """The catalog, cached like Snapshots."""
    path = cache.catalog_path(cfg)
    found = cache.read_catalog(path)
    return found if found is not None else capture_catalog(path)


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
    from gen import site_cache
    from gen.capture_facts import generator_version
    from gen.render import env as render_env

    started = time.monotonic()
    preflight(cfg)
    dot = graphviz_dot.Dot(cfg.cache / "figures")  # fails at once, saying how to install Graphviz
    generator = generator_version()
    if cfg.snapshots is not None:
        return _render_from_folder(cfg, dot, generator, started)
    wanted = targets(cfg)
    tuned = fine_tuned_plan.targets(cfg)  # hashes both files of each pair; no torch
    inputs = [path for _, _, path in wanted.values()] + [t.path for t in tuned] + [cache.catalog_path(cfg)]

    def fingerprint() -> str | None:
        return site_cache.key(cfg, inputs, render_env.TEMPLATES, dot.version, generator)

    files = site_cache.read(cfg.cache, fingerprint())
    if files is not None:
        log.info("Generated %d files in %.1f s (nothing changed: rendered-site cache)", len(files),
                 time.monotonic() - started)
        return files
    from gen.render import inside, site

    check_prompts_before_capture(cfg, wanted)
    compared = fine_tuned_plan.collect(cfg, tuned)  # first: a bad checkpoint fails before the long captures
    # A second process takes the catalog and the plots while this one captures (only if it captures).
    background = None
    if cfg.jobs > 1 and any(not path.is_file() for _, _, path in wanted.values()):
        from gen.background import Background

        background = Background()
    try:
        catalog_job, plot_jobs = None, []
        if background is not None and not inputs[-1].is_file():
            catalog_job = background.submit(capture_catalog, inputs[-1])
        snaps = {}
        for name, (plan, scope, path) in wanted.items():
            snaps[name] = _with_build_facts(snapshot(cfg, plan, scope, path), dot.version, generator)
            if background is not None and scope == "full":
                plot_jobs.append(background.submit(inside.prewarm, path, cfg.cache / "plots", name == cfg.models[0]))
        variants = background.result(catalog_job) if catalog_job is not None else catalog(cfg)

        def plots_drawn() -> None:  # called by site() once the pages are rendered
            for job in plot_jobs:
                background.result(job)
        files = site.site(snaps, list(cfg.models), list(cfg.compare), dot, variants, [list(p) for p in cfg.diffs],
                          baselines(cfg, snaps), cfg.site_url, cfg.cache, plots_drawn if plot_jobs else None,
                          compared)
    finally:
        dot.close()  # after a failure, diagrams not yet drawn are dropped
        if background is not None:
            background.close()
    site_cache.write(cfg.cache, fingerprint(), files)
    log.info("Generated %d files in %.1f s", len(files), time.monotonic() - started)
    return files


def _render_from_folder(cfg: Config, dot, generator: str, started: float) -> dict[str, bytes]:
    """generate() for a build that renders the Snapshots of cfg.snapshots: nothing is captured, torch stays out."""
    from gen import site_cache, snapshot_folder
    from gen.render import env as render_env
    from gen.render import site

    try:
        paths = snapshot_folder.paths(cfg)
        tuned = fine_tuned_plan.targets(cfg)  # fine-tuned comparisons are not in the folder: read from the cache
        inputs = [*paths.values(), *(t.path for t in tuned), cfg.snapshots / f"{snapshot_folder.CATALOG}.json"]
        key = site_cache.key(cfg, inputs, render_env.TEMPLATES, dot.version, generator)
        files = site_cache.read(cfg.cache, key)
        if files is None:
            snaps = {name: _with_build_facts(snapshot_folder.read(cfg, name, path), dot.version, generator)
                     for name, path in paths.items()}
            files = site.site(snaps, list(cfg.models), list(cfg.compare), dot, snapshot_folder.read_catalog(cfg),
                              [list(p) for p in cfg.diffs], baselines(cfg, snaps), cfg.site_url, cfg.cache, None,
                              fine_tuned_plan.collect(cfg, tuned))
            site_cache.write(cfg.cache, key, files)
    finally:
        dot.close()
    log.info("Generated %d files in %.1f s from the Snapshots in %s", len(files), time.monotonic() - started,
             cfg.snapshots)
    return files


def _with_build_facts(s: Snapshot, graphviz: str, generator: str) -> Snapshot:
    """Facts of this build rather than of the capture: a cached Snapshot may be older than the code."""
    return dataclasses.replace(s, provenance=dataclasses.replace(s.provenance, graphviz=graphviz, generator=generator))


OUT_FIX = "Give --out / --snapshot-out a folder you can write, with free space."


def check_output(out: Path) -> None:
    """Before anything slow: `out` must be a folder (or not exist yet) whose parent is writable."""
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise OutputError(f"Output {str(out)!r} is a file, not a folder. {OUT_FIX}")
    folders.check_writable(out.parent, OutputError, "The folder holding the output", OUT_FIX)


def write_tree(files: dict[str, bytes], out: Path) -> None:
    """Write the files as a fresh folder `out`, swapped in only once complete; raise OutputError, leaving
    `out` as it was, if that fails."""
    out = out.resolve()
    staging = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        for left in folders.sweep(out.parent):
            log.info("Removed %s, left by a build that was stopped", left)
        staging = folders.staging_folder(out)
        for rel, data in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        folders.swap_in(staging, out)
        staging = None
    except OSError as err:
        raise OutputError(os_error(err, f"writing the output folder {str(out)!r}", OUT_FIX)) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)

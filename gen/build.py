"""The pipeline: configuration -> Snapshots (cached or captured) -> rendered files."""
from __future__ import annotations

import dataclasses
import gc
import logging
import shutil
import time
from pathlib import Path
from typing import Callable, Mapping

from gen import cache, fine_tuned_plan, folders, weights
from gen.config import Config
from gen.errors import OutputError, os_error
from gen.render import dot as graphviz_dot
from gen.snapshot import Snapshot
from gen.store import Store

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
PREPARED: dict[str, bytes] = {}  # filled by gen.mkdocs_hooks before MkDocs cleans the site, read by gen_pages.py


def targets(cfg: Config, store: Store) -> dict[str, tuple[weights.WeightsPlan, str, Path]]:
    """What each configured model needs: {name: (weights plan, scope, Snapshot entry in `store`)}.

    Weights problems (a missing checkpoint, a bad file) fail here, before anything is captured."""
    plans = {name: weights.plan(cfg, name, store) for name in cfg.all_models}
    out = {}
    for name, plan in plans.items():
        scope = "full" if name in cfg.models else "structure"
        out[name] = (plan, scope, cache.snapshot_entry(store, plan, cfg, scope))
    return out


def open_store(cfg: Config) -> Store:
    """Before anything slow: the build cache, its folder checked writable and leftovers of killed builds gone."""
    return Store(cfg.cache).open()


def check_prompts_before_capture(cfg: Config, wanted: dict) -> None:
    """Every prompt must fit the text context of each model to be captured; checked before any model loads.

    Tokenizing imports clip, and with it torch: only done when something is to be captured."""
    from gen import archs

    to_capture = [name for name, (_, _, path) in wanted.items() if not path.is_file()]
    if not to_capture:
        return
    from gen.capture import check_prompts

    check_prompts(cfg.prompts, min(archs.KNOWN[name].context_length for name in to_capture))


def snapshot(cfg: Config, store: Store, plan: weights.WeightsPlan, scope: str, path: Path) -> Snapshot:
    """One model's Snapshot, from the cache when its fingerprint matches, else captured here."""
    snap = cache.read(store, path)
    if snap is None:
        from gen.capture import memory, take_snapshot  # the only place torch gets imported

        snap = take_snapshot(plan, cfg, scope)
        gc.collect()  # the model and its copies go before the next model is built
        memory.release()  # and the heap they leave behind goes back to the system
        cache.write(store, path, snap)
    else:
        log.debug("Snapshot of %s from cache %s", plan.model, path)
    return snap


def snapshots(cfg: Config, store: Store | None = None) -> dict[str, Snapshot]:
    """One Snapshot per configured model."""
    store = store or open_store(cfg)
    if cfg.snapshots is not None:
        return _from_folder(cfg)
    wanted = targets(cfg, store)
    check_prompts_before_capture(cfg, wanted)
    return {name: snapshot(cfg, store, *target) for name, target in wanted.items()}


def _from_folder(cfg: Config) -> dict[str, Snapshot]:
    """The Snapshots captured apart into cfg.snapshots (gen.snapshot_folder), checked; torch is not imported."""
    from gen import snapshot_folder

    return {name: snapshot_folder.read(cfg, name, path) for name, path in snapshot_folder.paths(cfg).items()}


def snapshot_files(cfg: Config) -> dict[str, bytes]:
    """What `python -m gen --snapshot-out` writes: every configured model's Snapshot and the catalog."""
    from gen import snapshot_folder

    store = open_store(cfg)
    snaps = snapshots(cfg, store)
    variants = snapshot_folder.read_catalog(cfg) if cfg.snapshots is not None else catalog(store)
    store.prune()
    return snapshot_folder.files(cfg, snaps, variants)


_CATALOGS: dict[str, object] = {}  # entry name (its key: versions and code) -> the catalog this process captured


def capture_catalog(store: Store, path: Path):
    """Architecture facts of all nine variants (meta device), stored at `path`; may run in a second process.
    Captured once per process and key: another cache folder (or a damaged entry) gets the same catalog again."""
    from gen.capture.catalog import take_catalog
    from gen.snapshot import SCHEMA, Catalog

    found = _CATALOGS.get(path.name)
    if found is None:
        log.info("Capturing the architecture catalog of all variants")
        found = _CATALOGS[path.name] = Catalog(SCHEMA, take_catalog())
    cache.write(store, path, found)
    return found


def catalog(store: Store):
    """The catalog, cached like Snapshots."""
    path = cache.catalog_entry(store)
    found = cache.read_catalog(store, path)
    return found if found is not None else capture_catalog(store, path)


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
    store = open_store(cfg)
    dot = graphviz_dot.Dot(store)  # fails at once, saying how to install Graphviz
    generator = generator_version()
    try:
        job = _from_folder_job(cfg, store) if cfg.snapshots is not None else _capture_job(cfg, store)

        def facts() -> dict | None:
            return site_cache.facts(store, cfg, job.inputs, render_env.TEMPLATES, dot.version, generator)

        files = site_cache.read(store, facts())
        if files is None:
            files = job.render(dot, generator)
            site_cache.write(store, facts(), files)
            how = f"from the Snapshots in {cfg.snapshots}" if cfg.snapshots is not None else "rendered"
        else:
            how = "nothing changed: rendered-site cache"
    finally:
        dot.close()  # after a failure, diagrams not yet drawn are dropped
    store.prune()
    log.info("Generated %d files in %.1f s (%s)", len(files), time.monotonic() - started, how)
    return files


@dataclasses.dataclass
class _Job:
    """What a build renders from: the store entries or files its site depends on, and how to render it."""
    inputs: list[Path]
    render: Callable[[graphviz_dot.Dot, str], dict[str, bytes]]


def _capture_job(cfg: Config, store: Store) -> _Job:
    """Snapshots from the store, captured where missing (the catalog and plots in a second process, if allowed)."""
    wanted = targets(cfg, store)
    tuned = fine_tuned_plan.targets(cfg, store)  # hashes both files of each pair; no torch
    catalog_entry = cache.catalog_entry(store)

    def render(dot: graphviz_dot.Dot, generator: str) -> dict[str, bytes]:
        check_prompts_before_capture(cfg, wanted)
        compared = fine_tuned_plan.collect(cfg, store, tuned)  # first: a bad checkpoint fails before the long captures
        background = None
        if cfg.jobs > 1 and any(not path.is_file() for _, _, path in wanted.values()):
            from gen.background import Background

            background = Background()
        try:
            return _capture_and_render(cfg, store, wanted, catalog_entry, compared, dot, generator, background)
        finally:
            if background is not None:
                background.close()
    return _Job([path for _, _, path in wanted.values()] + [t.path for t in tuned] + [catalog_entry], render)


def _capture_and_render(cfg: Config, store: Store, wanted: dict, catalog_entry: Path, compared: list, dot,
                        generator: str, background) -> dict[str, bytes]:
    """A second process, if given, takes the catalog and the plots while this one captures."""
    from gen.render import inside, site

    catalog_job, plot_jobs = None, []
    if background is not None and not catalog_entry.is_file():
        catalog_job = background.submit(capture_catalog, store, catalog_entry)
    snaps = {}
    for name, (plan, scope, path) in wanted.items():
        snaps[name] = _with_build_facts(snapshot(cfg, store, plan, scope, path), dot.version, generator)
        if background is not None and scope == "full":
            plot_jobs.append(background.submit(inside.prewarm, store, path, name == cfg.models[0]))
    variants = background.result(catalog_job) if catalog_job is not None else catalog(store)

    def plots_drawn() -> None:  # called by site() once the pages are rendered
        for job in plot_jobs:
            background.result(job)
    return site.site(snaps, list(cfg.models), list(cfg.compare), dot, variants, [list(p) for p in cfg.diffs],
                     baselines(cfg, snaps), cfg.site_url, store, plots_drawn if plot_jobs else None, compared)


def _from_folder_job(cfg: Config, store: Store) -> _Job:
    """The Snapshots of cfg.snapshots (gen.snapshot_folder), checked: nothing is captured, torch stays out."""
    from gen import snapshot_folder

    paths = snapshot_folder.paths(cfg)
    tuned = fine_tuned_plan.targets(cfg, store)  # fine-tuned comparisons are not in the folder: read from the store

    def render(dot: graphviz_dot.Dot, generator: str) -> dict[str, bytes]:
        from gen.render import site

        snaps = {name: _with_build_facts(snapshot_folder.read(cfg, name, path), dot.version, generator)
                 for name, path in paths.items()}
        return site.site(snaps, list(cfg.models), list(cfg.compare), dot, snapshot_folder.read_catalog(cfg),
                         [list(p) for p in cfg.diffs], baselines(cfg, snaps), cfg.site_url, store, None,
                         fine_tuned_plan.collect(cfg, store, tuned))
    return _Job([*paths.values(), *(t.path for t in tuned), cfg.snapshots / f"{snapshot_folder.CATALOG}.json"], render)


def _with_build_facts(s: Snapshot, graphviz: str, generator: str) -> Snapshot:
    """Facts of this build rather than of the capture: a cached Snapshot may be older than the code."""
    return dataclasses.replace(s, provenance=dataclasses.replace(s.provenance, graphviz=graphviz, generator=generator))


OUT_FIX = "Give --out / --snapshot-out a folder you can write, with free space."
# In every folder write_tree makes, naming what it holds ("markdown" for --out, "snapshots" for --snapshot-out):
# a folder is replaced whole, so only an empty one or one this generator wrote for the same use is replaced.
OUTPUT_MARKER = ".clip-docs-output"
FLAGS = {"markdown": "--out", "snapshots": "--snapshot-out"}


def check_output(out: Path, kind: str) -> None:
    """Before anything slow: `out` must be a folder (or not exist yet) whose parent is writable, and empty or
    written by this generator as `kind`, since writing replaces it whole."""
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise OutputError(f"Output {str(out)!r} is a file, not a folder. {OUT_FIX}")
    held = out.is_dir() and sorted(p.name for p in out.iterdir())
    marker = out / OUTPUT_MARKER
    if held and not (marker.is_file() and marker.read_text(encoding="utf-8").strip() == kind):
        shown = ", ".join(held[:3]) + (", ..." if len(held) > 3 else "")
        raise OutputError(f"{FLAGS[kind]} {str(out)!r} holds files this generator did not write there ({shown}); "
                          "writing replaces the folder as a whole, so it was left alone. Give a new or empty folder, "
                          f"or one that an earlier `python -m gen {FLAGS[kind]}` wrote.")
    folders.check_writable(out.parent, OutputError, "The folder holding the output", OUT_FIX)


def check_outputs(out: Path | None, snapshot_out: Path | None, keep: Mapping[str, Path] = {}) -> None:
    """Both output folders, checked before anything slow.  Each replaces its whole folder, so they must be apart,
    and neither may hold what the build reads (`keep`: what -> path, such as the cache or the sample images)."""
    for path, kind in ((out, "markdown"), (snapshot_out, "snapshots")):
        if path:
            check_output(path, kind)
            inside = next(((what, k) for what, k in keep.items() if k.resolve().is_relative_to(path.resolve())), None)
            if inside:
                raise OutputError(f"{FLAGS[kind]} {str(path.resolve())!r} holds {inside[0]} ({str(inside[1])!r}), which "
                                  "replacing the folder would delete. Give the output a folder of its own.")
    if out and snapshot_out:
        a, b = out.resolve(), snapshot_out.resolve()
        if a == b or a.is_relative_to(b) or b.is_relative_to(a):
            raise OutputError(f"--out {str(a)!r} and --snapshot-out {str(b)!r} overlap, and each replaces its whole "
                              "folder. Give them two separate folders, neither inside the other.")


def write_tree(files: dict[str, bytes], out: Path, kind: str = "markdown") -> None:
    """Write the files as a fresh folder `out` (marked as `kind`, see OUTPUT_MARKER), swapped in only once
    complete; raise OutputError, leaving `out` as it was, if that fails."""
    out = out.resolve()
    staging = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        for left in folders.sweep(out.parent):
            log.info("Removed %s, left by a build that was stopped", left)
        staging = folders.staging_folder(out)
        (staging / OUTPUT_MARKER).write_text(kind + "\n", encoding="utf-8")
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

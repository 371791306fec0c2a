"""MkDocs hook: run the generator, and build into a staging folder that replaces site_dir only on success.

MkDocs cleans site_dir before writing it and aborts a --strict build only after on_post_build, so a
build that fails (a refused configuration, a capture error, a --strict warning, a kill) would otherwise
leave a half-written or empty site.  Here site_dir points at a fresh folder next to it from on_config on;
the last on_post_build swaps that folder in with one rename, only when no warning was counted under
--strict.  Any failure removes the staging folder, and the next build sweeps one a killed build left.
"""
from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402

from gen import config as config_mod  # noqa: E402
from gen import folders  # noqa: E402
from gen.errors import message_for, os_error  # noqa: E402

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
SITE_FIX = "Give site_dir (or -d) a folder you can write, with free space."


class _Staging:
    """The folder this build writes into, and the site_dir it will replace."""
    config = None
    target: Path | None = None
    folder: Path | None = None


STAGING = _Staging()


def _drop_staging() -> None:
    if STAGING.folder is not None:
        shutil.rmtree(STAGING.folder, ignore_errors=True)
    if STAGING.config is not None and STAGING.target is not None:
        STAGING.config.site_dir = str(STAGING.target)
    STAGING.config = STAGING.target = STAGING.folder = None


@event_priority(100)  # first: every other plugin sees the staging folder as site_dir
def on_config(config, **kwargs):
    _drop_staging()  # a previous build of `mkdocs serve` that never finished
    target = Path(config.site_dir).resolve()
    if target.exists() and not target.is_dir():
        raise PluginError(f"site_dir {str(target)!r} is a file, not a folder. {SITE_FIX}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for left in folders.sweep(target.parent):
            log.info("Removed %s, left by a build that was stopped", left)
        STAGING.folder = folders.staging_folder(target)
    except OSError as err:
        raise PluginError(os_error(err, f"preparing the site folder {str(target)!r}", SITE_FIX)) from None
    STAGING.config, STAGING.target = config, target
    config.site_dir = str(STAGING.folder)
    return config


def on_pre_build(config, **kwargs) -> None:
    """Generate every page before MkDocs writes anything; a failure is one message, without a traceback."""
    from gen import build

    build.PREPARED.clear()
    try:
        cfg = config_mod.load(config.extra.get("clip_docs"), base_dir=Path(config.config_file_path).resolve().parent,
                              site_url=config.site_url)
        build.PREPARED.update(build.generate(cfg))
    except Exception as err:
        message = message_for(err)
        if message is None:
            raise  # a bug: keep its traceback
        raise PluginError(message) from None


NAV_URLS: list[str] = []


@event_priority(-100)  # after literate-nav has read the navigation from SUMMARY.md
def on_nav(nav, config, files, **kwargs):
    NAV_URLS[:] = [page.file.url for page in nav.pages]
    summary = files.get_file_from_path("SUMMARY.md")
    if summary is not None:
        files.remove(summary)  # the navigation's source, not a page for readers
    return nav


def _strict_warnings() -> int:
    """Warnings MkDocs has counted in this --strict build (its CountHandler on its own logger)."""
    counted = 0
    for name in ("mkdocs", "properdocs"):
        for handler in logging.getLogger(name).handlers:
            if type(handler).__name__ == "CountHandler":
                counted += sum(n for _, n in handler.get_counts())
    return counted


@event_priority(-100)  # last: the site is complete when this runs
def on_post_build(config, **kwargs) -> None:
    from gen import print_page

    print_page.build(Path(config.site_dir), NAV_URLS, f"{config.site_name}: print version")
    if STAGING.folder is None or _strict_warnings():
        return  # --strict aborts right after this: the staging folder goes in on_build_error
    try:
        folders.swap_in(STAGING.folder, STAGING.target)
    except OSError as err:
        raise PluginError(os_error(err, f"replacing the site folder {str(STAGING.target)!r}", SITE_FIX)) from None
    STAGING.folder = None
    _drop_staging()


@event_priority(-100)  # last: other plugins see the original error first
def on_build_error(error, **kwargs) -> None:
    target = STAGING.target
    _drop_staging()
    if isinstance(error, OSError):  # MkDocs' own writing failed (a full disk, say): one message, no traceback
        if target is None:
            raise PluginError(message_for(error)) from None
        # a failed write() names no file: name the site folder, which is left as it was
        raise PluginError(os_error(error, f"writing the site for {str(target)!r} (left as it was)", SITE_FIX)) from None


def on_shutdown(**kwargs) -> None:
    _drop_staging()  # interrupted (Ctrl-C) between on_config and the swap

"""MkDocs hook: run the generator before MkDocs cleans the site folder, so a failure leaves it intact."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mkdocs.exceptions import PluginError  # noqa: E402

from gen import config as config_mod  # noqa: E402
from gen.errors import ClipDocsError  # noqa: E402


def on_pre_build(config, **kwargs) -> None:
    from gen import build

    build.PREPARED.clear()
    try:
        cfg = config_mod.load(config.extra.get("clip_docs"), base_dir=Path(config.config_file_path).resolve().parent,
                              site_url=config.site_url)
        build.PREPARED.update(build.generate(cfg))
    except ClipDocsError as err:
        raise PluginError(str(err)) from None


NAV_URLS: list[str] = []


def on_nav(nav, config, files, **kwargs):
    NAV_URLS[:] = [page.file.url for page in nav.pages]
    return nav


def on_post_build(config, **kwargs) -> None:
    from gen import print_page

    print_page.build(Path(config.site_dir), NAV_URLS, f"{config.site_name}: print version")

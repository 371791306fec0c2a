# URLs and anchors are a promise: every page and anchor in tests/manifest.txt must still exist in the built site.
from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from helpers import REPO

MANIFEST = Path(__file__).parent / "manifest.txt"
UPDATE = "UPDATE_MANIFEST=1 .venv/bin/python -m pytest tests/test_manifest.py"
SKIP_PAGES = {"404.html", "print_page/index.html", "search/index.html"}
ARTICLE = re.compile(r'<article class="md-content__inner md-typeset"[^>]*>(.*?)</article>', re.S)


def site_entries(site: Path) -> set[str]:
    """'models/vit-b-32/parameters/' for each page, and 'models/vit-b-32/parameters/#text_projection' for each
    anchor in its content (ids inside diagrams and code listings are the generator's, not promises)."""
    entries = set()
    for page in site.rglob("index.html"):
        rel = page.relative_to(site).as_posix()
        if rel in SKIP_PAGES:
            continue
        url = rel[: -len("index.html")]
        entries.add(url)
        found = ARTICLE.search(page.read_text(encoding="utf-8"))
        for anchor in re.findall(r'\sid="([^"]+)"', found.group(1) if found else ""):
            if not anchor.startswith(("dg-", "__")):
                entries.add(f"{url}#{anchor}")
    return entries


def redirected(mkdocs_yml: Path) -> set[str]:
    """Pages with a redirect in mkdocs.yml (mkdocs-redirects): their old addresses keep working."""
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load(mkdocs_yml.read_text(), Loader=Loader)
    out = set()
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "redirects" in plugin:
            for old in (plugin["redirects"] or {}).get("redirect_maps", {}) or {}:
                out.add(re.sub(r"(index)?\.md$", "", old))
    return out


def test_every_promised_url_and_anchor_still_exists(built):
    promised = set(MANIFEST.read_text().split()) if MANIFEST.is_file() else set()
    present = site_entries(built.site)
    kept = redirected(REPO / "mkdocs.yml")
    missing = sorted(e for e in promised - present if e.split("#")[0] not in kept)
    if os.environ.get("UPDATE_MANIFEST"):
        MANIFEST.write_text("\n".join(sorted(promised | present)) + "\n")  # adds, never removes
    assert promised, f"tests/manifest.txt is missing; create it with: {UPDATE}"
    assert not missing, (
        f"{len(missing)} promised URLs or anchors are gone, e.g. {missing[:10]}. A thesis may link them: restore them, "
        f"or add a redirect under plugins: redirects: redirect_maps in mkdocs.yml and remove the lines from "
        f"tests/manifest.txt by hand."
    )
    print(f"{len(promised)} promised entries, {len(present - promised)} new ones not yet in the manifest ({UPDATE})")

"""The one home of the page-URL scheme: where MkDocs puts a page, and relative links between pages and files."""
from __future__ import annotations

import posixpath


def page_url(md_path: str) -> str:
    """The directory URL MkDocs gives a page ('models/x/index.md' -> 'models/x/')."""
    if md_path == "index.md":
        return ""
    return md_path[: -len("index.md")] if md_path.endswith("/index.md") else md_path[: -len(".md")] + "/"


def href(from_md: str, to_md: str, fragment: str | None = None) -> str:
    """A link usable inside inline SVG: relative to the page's directory URL."""
    rel = posixpath.relpath(page_url(to_md) or ".", page_url(from_md) or ".")
    rel = "./" if rel == "." else rel + "/"
    return rel + (f"#{fragment}" if fragment else "")


def file_href(from_md: str, path: str) -> str:
    """A raw-HTML link from a page to a file of the site (a figure, a table), relative to the page's URL."""
    return posixpath.relpath(path, page_url(from_md) or ".")


def relative(from_page: str, to_page: str, fragment: str | None = None) -> str:
    """Markdown link from one generated .md file to another, relative so sub-path hosting works."""
    target = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return target + (f"#{fragment}" if fragment else "")

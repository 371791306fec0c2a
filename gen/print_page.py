"""The print version: every page of the built site, in navigation order, on one page (/print_page/).

Built from the finished HTML after MkDocs has written the site. Each page becomes a <section> whose ids get
the page's key and "--" as prefix; every relative link is resolved against the page it came from and pointed at the
right section and anchor (or, for a file such as a figure, at the file relative to the print page).
"""
from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

ARTICLE = re.compile(r'(<article class="md-content__inner md-typeset"[^>]*>)(.*?)(</article>)', re.S)
HREF = re.compile(r'(\s(?:xlink:href|href|src)=")([^"]*)(")')
ID = re.compile(r'(\sid=")([^"]+)(")')
SHELL_PAGE = "linking/index.html"  # any page one level deep: its asset links work from print_page/
URL = "print_page/"


def page_key(url: str) -> str:
    """'models/vit-b-32/' -> 'models-vit-b-32'; the home page is 'index'."""
    return url.strip("/").replace("/", "-") or "index"


def _resolve(href: str, url: str, key: str, pages: set[str]) -> str:
    parts = urlsplit(href)
    if parts.scheme or href.startswith(("//", "mailto:", "data:")):
        return href
    if not parts.path:
        return f"#{key}--{parts.fragment}" if parts.fragment else f"#{key}"
    target = posixpath.normpath(posixpath.join(url, parts.path))
    target = "" if target == "." else target
    as_page = target.rstrip("/") + "/" if target else ""
    if as_page in pages or (target.endswith("index.html") and target[: -len("index.html")] in pages):
        tkey = page_key(as_page if as_page in pages else target[: -len("index.html")])
        return f"#{tkey}--{parts.fragment}" if parts.fragment else f"#{tkey}"
    return posixpath.relpath(target or ".", URL.rstrip("/")) + (f"#{parts.fragment}" if parts.fragment else "")


def section(site: Path, url: str, pages: set[str]) -> str:
    text = (site / url / "index.html").read_text(encoding="utf-8")
    found = ARTICLE.search(text)
    if not found:
        return ""
    body = found.group(2)
    key = page_key(url)
    body = ID.sub(lambda m: f"{m.group(1)}{key}--{m.group(2)}{m.group(3)}", body)  # "--": page keys never hold it
    body = HREF.sub(lambda m: m.group(1) + _resolve(html.unescape(m.group(2)), url, key, pages) + m.group(3), body)
    return f'<section class="print-page" id="{key}">\n{body}\n</section>'


def _drop_element(text: str, marker: str, tag: str = "div") -> str:
    """Remove the element whose start tag contains `marker` (balanced by counting `tag`)."""
    start = text.find(marker)
    if start < 0:
        return text
    start = text.rfind(f"<{tag}", 0, start)
    depth, pos = 0, start
    for m in re.finditer(rf"<{tag}\b|</{tag}>", text[start:]):
        depth += -1 if m.group(0).startswith("</") else 1
        if depth == 0:
            pos = start + m.end()
            break
    return text[:start] + text[pos:]


def build(site: Path, urls: list[str], title: str) -> Path:
    """Write site/print_page/index.html from the pages at `urls` (directory URLs, '' for home)."""
    urls = ["" if u in ("./", ".") else u for u in urls]
    pages = set(urls)
    shell = (site / SHELL_PAGE).read_text(encoding="utf-8")
    shell = _drop_element(shell, 'class="md-sidebar md-sidebar--secondary"')  # the shell page's own contents
    while 'class="md-nav md-nav--secondary"' in shell:  # ... and its copy inside the main navigation
        shell = _drop_element(shell, 'class="md-nav md-nav--secondary"', "nav")
    toc = "\n".join(f'<li><a href="#{page_key(u)}">{html.escape(u or "home")}</a></li>' for u in urls)
    sections = "\n".join(section(site, u, pages) for u in urls)
    content = (f"<h1 id=\"print-page\">{html.escape(title)}</h1>\n<p>Every page of this site on one page, for printing "
               f"or saving as PDF. Links lead to the sections below.</p>\n<ol>\n{toc}\n</ol>\n{sections}")
    own = ARTICLE.search(shell)
    first_id = ID.search(own.group(2)) if own else None
    if first_id:  # e.g. the "skip to content" link points at the shell page's own title
        shell = shell.replace(f'href="#{first_id.group(2)}"', 'href="#print-page"')
    out = ARTICLE.sub(lambda m: m.group(1) + content + m.group(3), shell, count=1)
    out = re.sub(r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", out, count=1, flags=re.S)
    target = site / URL / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(out, encoding="utf-8")
    return target

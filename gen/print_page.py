"""The print versions: one page per documented model (/print_page/<slug>/) with all its pages in navigation order,
and one for the pages about no single model (/print_page/), which also lists the others.

Built from the finished HTML after MkDocs has written the site. Each page becomes a <section> whose ids get
the page's key and "--" as prefix; every relative link is resolved against the page it came from and pointed at the
right section and anchor when that page is printed alongside, else at the page or file itself. Diagrams are
referenced as their SVG files instead of repeated inline, which keeps each print page small.
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
MODEL_PAGE = re.compile(r"^models/([^/]+)/")
DIAGRAM = re.compile(r'<div class="clip-diagram-svg">\s*<svg.*?</svg>\s*</div>(\s*<figcaption>(.*?)</figcaption>\s*</figure>'
                     r'\s*<p>Figure <code>([^<]+)</code>)', re.S)


def page_key(url: str) -> str:
    """'models/vit-b-32/' -> 'models-vit-b-32'; the home page is 'index'."""
    return url.strip("/").replace("/", "-") or "index"


def _resolve(href: str, url: str, key: str, pages: set[str], out: str = URL) -> str:
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
    return posixpath.relpath(target or ".", out.rstrip("/")) + (f"#{parts.fragment}" if parts.fragment else "")


def _as_image(m: re.Match, url: str) -> str:
    """An inline diagram replaced by its SVG file (`m[3]` is the figure's base path from the site's root)."""
    src = posixpath.relpath(m[3] + ".svg", url.rstrip("/") or ".")
    alt = html.escape(re.sub(r"<[^>]+>", "", m[2]), quote=True)
    return f'<div class="clip-diagram-svg"><img src="{src}" alt="{alt}"></div>{m[1]}'


def section(site: Path, url: str, pages: set[str], out: str = URL) -> str:
    text = (site / url / "index.html").read_text(encoding="utf-8")
    found = ARTICLE.search(text)
    if not found:
        return ""
    body = DIAGRAM.sub(lambda m: _as_image(m, url), found.group(2))
    key = page_key(url)
    body = ID.sub(lambda m: f"{m.group(1)}{key}--{m.group(2)}{m.group(3)}", body)  # "--": page keys never hold it
    body = HREF.sub(lambda m: m.group(1) + _resolve(html.unescape(m.group(2)), url, key, pages, out) + m.group(3), body)
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


def _moved(href: str, here: str, out: str) -> str:
    """A relative link of the page at `here` rewritten to work from `out` (both directory URLs)."""
    parts = urlsplit(href)
    if parts.scheme or href.startswith(("//", "/", "#", "mailto:", "data:")) or not parts.path:
        return href
    target = posixpath.normpath(posixpath.join(here, parts.path))
    moved = posixpath.relpath(target, out.rstrip("/") or ".") + ("/" if parts.path.endswith("/") else "")
    return moved + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _shell(site: Path, out: str) -> str:
    """A finished page, without its contents box, its relative links (assets, navigation) rewritten for `out`."""
    shell = (site / SHELL_PAGE).read_text(encoding="utf-8")
    shell = _drop_element(shell, 'class="md-sidebar md-sidebar--secondary"')  # the shell page's own contents
    while 'class="md-nav md-nav--secondary"' in shell:  # ... and its copy inside the main navigation
        shell = _drop_element(shell, 'class="md-nav md-nav--secondary"', "nav")
    here = SHELL_PAGE[: -len("index.html")]
    if here == out:
        return shell
    shell = HREF.sub(lambda m: m.group(1) + _moved(html.unescape(m.group(2)), here, out) + m.group(3), shell)
    # Material's configuration names the site's root relative to the page (search index, worker)
    return re.sub(r'("base":\s*")([^"]*)(")', lambda m: m[1] + _moved(m[2] + "/", here, out).rstrip("/") + m[3], shell)


def write(site: Path, out: str, urls: list[str], title: str, intro: str) -> Path:
    """One print page at `out` ('print_page/...') holding the pages at `urls`, in that order."""
    pages = set(urls)
    shell = _shell(site, out)
    toc = "\n".join(f'<li><a href="#{page_key(u)}">{html.escape(u or "home")}</a></li>' for u in urls)
    sections = "\n".join(section(site, u, pages, out) for u in urls)
    content = f"<h1 id=\"print-page\">{html.escape(title)}</h1>\n{intro}\n<ol>\n{toc}\n</ol>\n{sections}"
    own = ARTICLE.search(shell)
    first_id = ID.search(own.group(2)) if own else None
    if first_id:  # e.g. the "skip to content" link points at the shell page's own title
        shell = shell.replace(f'href="#{first_id.group(2)}"', 'href="#print-page"')
    text = ARTICLE.sub(lambda m: m.group(1) + content + m.group(3), shell, count=1)
    text = re.sub(r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", text, count=1, flags=re.S)
    target = site / out / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def build(site: Path, urls: list[str], title: str) -> list[Path]:
    """Write print_page/<slug>/ for each model's pages and print_page/ for the rest (directory URLs, '' for home)."""
    urls = ["" if u in ("./", ".") else u for u in urls]
    models: dict[str, list[str]] = {}
    rest = []
    for u in urls:
        found = MODEL_PAGE.match(u)
        (models.setdefault(found[1], []) if found else rest).append(u)
    written = [write(site, f"{URL}{slug}/", pages, f"{title}: {slug}",
                     "<p>Every page about this model on one page, for printing or saving as PDF. Links lead to the "
                     "sections below, or to the site for pages printed elsewhere.</p>") for slug, pages in models.items()]
    others = "".join(f'<li><a href="{slug}/">{html.escape(slug)}</a></li>' for slug in models)
    written.append(write(site, URL, rest, title,
                         "<p>The pages about no single model on one page, for printing or saving as PDF. Each model "
                         f"has a print version of its own:</p>\n<ul>\n{others}\n</ul>\n<p>Links lead to the sections "
                         "below, or to the site.</p>"))
    return written

"""A page's citation, built once here and printed as BibTeX and RIS: on the page and in the model's thesis kit."""
from __future__ import annotations

from dataclasses import dataclass

from gen.render.tables import latex_escape
from gen.render.urls import page_url

AUTHOR = "Understanding CLIP"


@dataclass(frozen=True)
class Citation:
    key: str         # "understanding-clip-models-vit-b-32-attention"
    title: str       # "Attention maps, ViT-B/32"
    url: str         # absolute when the site has an address, else relative to the site's root
    year: str
    date: str        # YYYY-MM-DD: the capture date, used as the access date
    source: str      # "CLIP ViT-B/32, random weights (seed 0); " or "" on a site-wide page
    version: str     # the generator's version


def citation(page: str, title: str, model, weights, prov, site_url: str = "") -> Citation:
    """The entry of one page; `model` and `weights` may be None on a page that is about no one model."""
    path = page_url(page)
    about_model = model is not None and page.startswith(f"models/{model.slug}/")
    source = ""
    if about_model:
        source = f"CLIP {model.name}, {weights.mode} weights"
        source += f" (seed {weights.seed})" if weights.seed is not None else ""
        source += f", checkpoint SHA-256 {weights.sha256}" if weights.sha256 else ""
        source += "; "
    return Citation(key="understanding-clip-" + (path.strip("/").replace("/", "-") or "home"),
                    title=title if not about_model or title == model.name else f"{title}, {model.name}",
                    url=f"{site_url}/{path}" if site_url else path, year=prov.captured_at[:4],
                    date=prov.captured_at[:10], source=source, version=prov.generator)


def bibtex(c: Citation) -> str:
    return "\n".join([
        f"@misc{{{c.key},",
        f"  author       = {{{{{AUTHOR}}}}},",
        f"  title        = {{{{{latex_escape(c.title)}}}}},",
        f"  howpublished = {{\\url{{{c.url}}}}},",
        f"  year         = {{{c.year}}},",
        f"  urldate      = {{{c.date}}},",
        f"  note         = {{Generated from {latex_escape(c.source)}site version {latex_escape(c.version)}; "
        f"accessed {c.date}}}",
        "}",
    ])


def ris(c: Citation) -> str:
    """RIS, which Zotero, EndNote and Mendeley import."""
    return "\n".join(["TY  - ELEC", f"AU  - {AUTHOR}", f"TI  - {c.title}", f"UR  - {c.url}", f"PY  - {c.year}",
                      f"Y2  - {c.date}", f"N1  - Generated from {c.source}site version {c.version}", "ER  - "])

"""A model's thesis kit: one ZIP with its PDF figures, its LaTeX tables, a .bib entry for every page of the model
and a README with the captions and the provenance.  Same inputs, same bytes."""
from __future__ import annotations

import io
import posixpath
import zipfile

from gen.render import cite, inside
from gen.render import pages as P
from gen.render.urls import page_url
from gen.snapshot import Snapshot

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP can hold: no build time in the bytes


def kit_path(slug: str) -> str:
    return f"downloads/{slug}-thesis-kit.zip"


def bib(s: Snapshot, site_url: str = "") -> bytes:
    """One entry per page of the model, exactly as each page's "Cite this page" box gives it."""
    entries = [cite.bibtex(cite.citation(page.path, page.title, s.model, s.weights, s.provenance, site_url))
               for page in P.model_pages(s)]
    return ("\n\n".join(entries) + "\n").encode("utf-8")


def _figure_lines(figures: list[dict], names: set[str]) -> list[str]:
    lines = []
    for f in sorted(figures, key=lambda f: f["base"]):
        pdf = posixpath.basename(f["base"]) + ".pdf"
        if pdf in names:
            shown = page_url(f["page"]) or "the home page"
            lines.append(f"- `figures/{pdf}`: {f['caption'] or 'diagram'} (shown on {shown})")
    return lines


def _provenance(s: Snapshot, site_url: str) -> list[str]:
    w, p = s.weights, s.provenance
    weights = f"{w.mode} weights" + (f", seed {w.seed}" if w.seed is not None else "") + \
        (f", checkpoint SHA-256 {w.sha256}" if w.sha256 else "")
    lines = [f"- model: CLIP {s.model.name} ({weights})", f"- weights: {w.source}",
             f"- captured: {p.captured_at} with {p.clip_distribution} {p.clip_version}, torch {p.torch}, "
             f"Python {p.python}"]
    lines += [f"- diagrams drawn with {p.graphviz}"] if p.graphviz else []
    lines += [f"- site version: {p.generator}", f"- site: {site_url or '(no published address; paths are relative)'}"]
    if w.mode == "random":
        lines.append("- the weights are a seeded random initialisation, not CLIP's: structure, shapes and counts "
                     "are the real model's, weight-dependent values (attention maps, norms, similarities) are not")
    return lines


def readme(s: Snapshot, names: set[str], figures: list[dict], site_url: str = "") -> bytes:
    slug = s.model.slug
    tables = sorted(n for n in names if n.startswith("tables/"))
    lines = [f"# Thesis kit: CLIP {s.model.name}", "",
             "Figures as PDF (sized for the text block of an A4 article: `\\includegraphics[width=\\textwidth]"
             "{figures/<name>.pdf}`), tables as LaTeX (`\\input{tables/<name>.tex}`; they need booktabs, longtable, "
             f"graphicx and array) and `{slug}.bib` with one entry for every page about this model "
             "(`\\bibliography{" + slug + "}`; the entries use `\\url`).", "",
             "## Figures", ""] + _figure_lines(figures, {posixpath.basename(n) for n in names}) + [
             "", "## Tables", ""] + [f"- `{t}`" for t in tables] + [
             "", "## Provenance", ""] + _provenance(s, site_url)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever machine builds it
            z.writestr(info, members[name], compresslevel=9)
    return out.getvalue()


def kit(s: Snapshot, files: dict[str, bytes], diagrams: list[dict], site_url: str = "") -> dict[str, bytes]:
    """{kit path: ZIP bytes} for one model, from the site's files (its figures and tables) and the diagrams'
    registry entries (for their captions)."""
    slug = s.model.slug
    top = f"{slug}-thesis-kit"
    members = {}
    for path, data in files.items():
        folder, _, name = path.rpartition("/")
        if folder == f"figures/{slug}" and name.endswith(".pdf"):
            members[f"figures/{name}"] = data
        elif folder == f"tables/{slug}" and name.endswith(".tex"):
            members[f"tables/{name}"] = data
    members[f"{slug}.bib"] = bib(s, site_url)
    figures = [d for d in diagrams if d["model"] == s.model.name] + inside.plot_figures(s)
    members["README.md"] = readme(s, set(members), figures, site_url)
    return {kit_path(slug): _zip({f"{top}/{name}": data for name, data in members.items()})}

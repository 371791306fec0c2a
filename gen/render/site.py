"""Render every page and figure of the site from Snapshots.  Returns {relative path: bytes}."""
from __future__ import annotations

import logging
import re
import sys
import traceback
from pathlib import Path

import jinja2

from gen import quoted
from gen.errors import ClipDocsError, RenderError
from gen.render import diagrams as D
from gen.render import changes as changes_mod
from gen.render import diff as diff_mod
from gen.render import inside, kit
from gen.render import pages as P
from gen.render import tables, tracking
from gen.render.env import make_env, relative
from gen.snapshot import Snapshot

log = logging.getLogger(f"mkdocs.plugins.{__name__}")


def _template_frame(err: BaseException) -> str:
    """'block.md.j2, line 12' for the innermost template frame of a Jinja error."""
    where = "unknown template"
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        name = frame.f_code.co_filename
        if name.endswith(".j2"):
            where = f"{Path(name).name}, line {lineno}"
    return where


def render_template(env: jinja2.Environment, name: str, context: dict) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.UndefinedError as err:
        raise RenderError(
            f"Template {_template_frame(err)} (rendering {name} for {context.get('page')}) uses an "
            f"undefined variable: {err.message}. Fix the name in the template or add the value to the Snapshot."
        ) from None
    except jinja2.TemplateError as err:
        raise RenderError(f"Template {name} failed for {context.get('page')}: {err}") from None
    except (ClipDocsError, OSError):  # one clear message already, or made by the caller (a full disk, say)
        raise
    except Exception as err:  # a filter or a Snapshot method given a value it cannot take
        raise RenderError(
            f"Template {_template_frame(err)} (rendering {name} for {context.get('page')}) failed: "
            f"{type(err).__name__}: {_one_line(err)}. Fix the expression there (a filter given a value it cannot "
            f"take?) or the value in the Snapshot."
        ) from None


def _one_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else ""


BANNER = re.compile(r"@@clip-weights-banner@@\n(.*?)@@/clip-weights-banner@@\n(\n?)", re.S)


def with_banner(text: str, shown: str | None) -> str:
    """Keep the weights banner, naming the kinds of values `shown`, on a page that read a weight-dependent
    value; drop it from any other."""
    return BANNER.sub(lambda m: m[1].replace("@@clip-weights-shown@@", shown) + m[2] if shown else "", text, count=1)


class Linker:
    """Relative links from one page to modules, parameters and pages of one model."""

    def __init__(self, s: Snapshot, page: str):
        self.s, self.page = s, page
        self._pages = P.module_pages(s)

    def module(self, path: str) -> str:
        target, fragment = P.locate(self.s, path)
        return relative(self.page, target, fragment)

    def param(self, name: str) -> str:
        return relative(self.page, P.parameters_page(self.s), name.replace(".", "-"))

    def page_of(self, kind: str) -> str:
        return relative(self.page, f"{P.model_dir(self.s)}/{kind}/index.md")


def where(s: Snapshot):
    """name -> (page, fragment): modules by their page or anchor, parameters by their ledger row,
    and '#image', '#text', '#similarity' by the forward page's sections."""
    modules = {m.path for m in s.modules}
    params = {p.name for p in s.parameters}

    def find(name: str) -> tuple[str, str | None]:
        if name.startswith("#"):
            return f"{P.model_dir(s)}/forward/index.md", name[1:]
        if name in modules:
            return P.locate(s, name)
        if name in params:
            return P.parameters_page(s), name.replace(".", "-")
        raise RenderError(f"diagram refers to {name!r}, which is neither a module nor a parameter of {s.model.name}")
    return find


MARK = re.compile(rb"@@clip-drawing ([^ @]+) ([^ @]+)@@")


def _drawing_mark(base: str, prefix: str) -> str:
    """Where a diagram's SVG goes in a page, filled in by inline_drawings once `dot` has drawn it."""
    return f"@@clip-drawing {base} {prefix}@@"


def inline_drawings(files: dict[str, bytes], drawings: dict, registry: list[dict]) -> None:
    """Wait for every diagram, store its SVG (links made relative to the file) and PDF, and put the SVG into
    the pages that show it (links relative to the page)."""
    shown_on = {entry["base"]: entry["page"] for entry in registry}
    svgs = {}
    for base, job in drawings.items():
        out = job.result()  # a Graphviz error surfaces here, naming the diagram
        files[base + ".svg"] = D.standalone(out["svg"], shown_on[base], base)
        files[base + ".pdf"] = out["pdf"]
        svgs[base] = out["svg"]
    for path, data in files.items():
        if path.endswith(".md") and b"@@clip-drawing " in data:
            files[path] = MARK.sub(lambda m: D.inline(svgs[m[1].decode()], m[2].decode()).encode(), data)


class DiagramMaker:
    """Called from templates: draws a diagram once, stores SVG/PDF/DOT under a stable name, returns Markdown."""

    def __init__(self, s: Snapshot, page: str, dot, files: dict[str, bytes], registry: list, drawings: dict):
        self.s, self.page, self.dot, self.files, self.registry = s, page, dot, files, registry
        self.drawings = drawings

    def __call__(self, root: str, kind: str = "hierarchy", caption: str = "", depth: int = 2, fold: bool = True) -> str:
        if self.dot is None:
            return ""
        name = f"{root or 'model'}.{kind}" + ("" if fold else "-unfolded") + ("" if depth == 2 else f"-depth{depth}")
        base = f"figures/{self.s.model.slug}/{name}"
        find = where(self.s)
        if kind == "dataflow":
            source = D.dataflow(self.s, self.page, find)
        elif kind == "projection":
            source = D.dataflow(self.s, self.page, find, last=4)
        elif kind == "image-dataflow":
            source = D.dataflow(self.s, self.page, find, towers=("image",))
        elif kind == "text-dataflow":
            source = D.dataflow(self.s, self.page, find, towers=("text",))
        elif kind == "block-dataflow":
            source = D.block_flow(self.s, root, self.page, find)
        elif kind == "parameters":
            source = D.parameters(self.s, self.page, find)
        else:
            source = D.hierarchy(self.s, root, self.page, find, depth, fold)
        if base + ".dot" not in self.files:
            self.files[base + ".dot"] = source.encode()
            self.drawings[base] = self.dot.start(base, source)  # drawn on another thread; see inline_drawings
            self.registry.append({"model": self.s.model.name, "name": name, "base": base, "caption": caption,
                                  "page": self.page})
        # raw HTML links, so that the print page's plugin leaves them to gen.print_page
        downloads = " · ".join(f'<a href="{D.file_href(self.page, base + "." + fmt)}">{fmt.upper()}</a>'
                               for fmt in ("svg", "pdf", "dot"))
        return (f'<figure class="clip-diagram" id="figure-{name.replace(".", "-")}">\n<div class="clip-diagram-svg">\n'
                f"{_drawing_mark(base, 'dg-' + name.replace('.', '-'))}\n</div>\n<figcaption>{caption}</figcaption>\n</figure>\n\n"
                f"Figure `{base}`: {downloads} (the SVG link opens it full size)\n")


def site(snapshots: dict[str, Snapshot], documented: list[str], compared: list[str],
         diagrams=None, catalog=None, diffs: list[list[str]] | None = None,
         baselines: dict | None = None, site_url: str = "", cache: Path | None = None,
         figures_ready=None) -> dict[str, bytes]:
    """`cache`, if given, is a folder that keeps drawn plots and compiled templates between builds.
    `figures_ready`, if given, is called once the pages are rendered and before the plots are drawn:
    a build whose plots are being drawn in another process waits there."""
    env = make_env(cache / "templates" if cache is not None else None)
    files: dict[str, bytes] = {}
    full = [snapshots[name] for name in documented]
    others = [snapshots[name] for name in compared if name in snapshots]
    everyone = full + [o for o in others if o.model.name not in documented]
    common = {"documented": full, "everyone": everyone, "catalog": catalog, "site_url": site_url,
              "documented_names": [d.model.name for d in full]}
    registry: list[dict] = []
    drawings: dict = {}
    shows_weights: dict[str, list[str]] = {}  # page -> the weight-dependent values it read

    def emit(page: P.Page, s: Snapshot | None, extra: dict | None = None) -> None:
        reads = tracking.Reads()
        context = {key: tracking.track(value, reads) for key, value in {**common, **page.context, **(extra or {})}.items()}
        context.update(page=page.path, title=page.title)
        if s is not None:
            context.update(s=tracking.TrackedSnapshot(s, reads), model=s.model, arch=s.model.arch, weights=s.weights,
                           prov=s.provenance,
                           logit_check=checks.get(s.model.name),
                           to=Linker(s, page.path), module_pages=P.module_pages(s),
                           diagram=DiagramMaker(s, page.path, diagrams, files, registry, drawings))
        text = render_template(env, page.template, context)
        shows_weights[page.path] = [what for _, what in reads.seen]
        files[page.path] = with_banner(text, tracking.describe(reads) if reads.seen else None).encode("utf-8")

    checks = {s.model.name: quoted.check_logit_scale(s.model.name, s.weights.mode, s.weights.official,
                                                     s.recipe("projections").result["logit_scale"])
              for s in full if "projections" in s.recipes}
    for s in full:
        for name, table in tables.model_tables(s).items():
            files.update(tables.files(f"tables/{s.model.slug}", name, table, f"tab:clip-{s.model.slug}-{name}"))
        for page in P.model_pages(s):
            emit(page, s)
    emit(P.Page("index.md", "home.md.j2", "Home"), full[0])
    if catalog is not None:
        files.update(tables.files("tables", "models", tables.catalog_table(catalog), "tab:clip-models"))
    emit(P.Page("models/index.md", "models_index.md.j2", "Models"), full[0])
    vit = next((x for x in everyone if x.model.kind == "vit"), None)
    rn = next((x for x in everyone if x.model.kind == "resnet"), None)
    comparisons = []
    if vit and rn:
        path = f"compare/{vit.model.slug}-vs-{rn.model.slug}/index.md"
        d = diff_mod.diff(catalog.entry(vit.model.name), catalog.entry(rn.model.name)) if catalog else None
        emit(P.Page(path, "compare_vit_resnet.md.j2", f"{vit.model.name} vs {rn.model.name}"), vit,
             {"vit": vit, "rn": rn, "d": d})
        comparisons.append((f"{vit.model.name} vs {rn.model.name}", path))
    for a, b in (diffs or []) if catalog else []:
        ea, eb = catalog.entry(a), catalog.entry(b)
        path = f"compare/{ea.slug}-vs-{eb.slug}/index.md"
        if any(path == p for _, p in comparisons):
            continue
        emit(P.Page(path, "diff.md.j2", f"{a} vs {b}"), full[0], {"d": diff_mod.diff(ea, eb)})
        comparisons.append((f"{a} vs {b}", path))
    if comparisons:
        emit(P.Page("compare/index.md", "compare_index.md.j2", "Compare"), full[0], {"comparisons": comparisons})
    emit(P.Page("concepts/quickgelu/index.md", "activations.md.j2", "QuickGELU vs GELU"), full[0])
    changes = [changes_mod.compare(old, snapshots[name], label) for name, (old, label) in (baselines or {}).items()]
    emit(P.Page("changes/index.md", "changes.md.j2", "What changed"), full[0], {"changes": changes})
    emit(P.Page("provenance/index.md", "provenance.md.j2", "Provenance"), full[0])
    emit(P.Page("figures/index.md", "figures.md.j2", "Figures"), full[0], {"figures": registry})
    emit(P.Page("linking.md", "linking.md.j2", "Linking from a thesis"), full[0], {"pages_of": P.model_pages})
    if figures_ready is not None:
        figures_ready()  # plots drawn by another process are in the plot cache from here on
    plot_cache = cache / "plots" if cache is not None else None
    for s in full:
        files.update(inside.files(s, plot_cache))
    files.update(inside.activation_files(full[0], plot_cache))
    if diagrams is not None:
        inline_drawings(files, drawings, registry)
        log.info("Graphviz: %d diagrams, %d dot runs, %.2f s", len(registry), diagrams.runs, diagrams.seconds)
    for s in full:
        files.update(kit.kit(s, files, registry, site_url))  # after every figure is drawn
    files["SUMMARY.md"] = render_template(env, "SUMMARY.md.j2", {
        **common, "page": "SUMMARY.md", "pages_of": P.model_pages, "comparisons": comparisons,
    }).encode("utf-8")
    return dict(sorted(files.items()))

"""Render every page and figure of the site from Snapshots.  Returns {relative path: bytes}."""
from __future__ import annotations

import logging
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2

from gen import quoted
from gen.errors import ClipDocsError, RenderError
from gen.render import diagrams as D
from gen.render import changes as changes_mod
from gen.render import diff as diff_mod
from gen.render import fine_tuned as fine_tuned_pages
from gen.render import inside, kit, nav
from gen.render import pages as P
from gen.render import tables, tracking
from gen.render.env import make_env
from gen.render.urls import file_href, relative
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

    def part(self, name: str) -> str:
        """A module's page or anchor, or a parameter's ledger row."""
        return self.module(name) if any(m.path == name for m in self.s.modules) else self.param(name)

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

    def __call__(self, root: str, kind: str = "hierarchy", caption: str = "", depth: int = 2, fold: bool = True,
                 hint: str = "") -> str:
        """A diagram with its caption; `hint` (how to use it on the site: "click a box") follows the caption on the
        page only, not in the registry that the thesis kit's captions come from, which go to print."""
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
        downloads = " · ".join(f'<a href="{file_href(self.page, base + "." + fmt)}">{fmt.upper()}</a>'
                               for fmt in ("svg", "pdf", "dot"))
        return (f'<figure class="clip-diagram" id="figure-{name.replace(".", "-")}">\n<div class="clip-diagram-svg">\n'
                f"{_drawing_mark(base, 'dg-' + name.replace('.', '-'))}\n</div>\n<figcaption>{' '.join(filter(None, (caption, hint)))}</figcaption>\n</figure>\n\n"
                f"Figure `{base}`: {downloads} (the SVG link opens it full size)\n")


@dataclass
class Rendered:
    """What rendering made: the files, and for each registry page what it read and showed."""
    files: dict[str, bytes]
    pages: list[dict]


def comparison_pages(everyone: list[Snapshot], catalog, diffs) -> list[P.Page]:
    """The Compare section: a ViT against a ResNet, and each configured pair of variants module by module."""
    vit = next((x for x in everyone if x.model.kind == "vit"), None)
    rn = next((x for x in everyone if x.model.kind == "resnet"), None)
    out = []
    if vit and rn:
        d = diff_mod.diff(catalog.entry(vit.model.name), catalog.entry(rn.model.name)) if catalog else None
        out.append(P.Page(f"compare/{vit.model.slug}-vs-{rn.model.slug}/index.md", "compare_vit_resnet.md.j2",
                          f"{vit.model.name} vs {rn.model.name}", "compare/index.md", vit.model.name,
                          {"vit": vit, "rn": rn, "d": d}))
    for a, b in (diffs or []) if catalog else []:
        ea, eb = catalog.entry(a), catalog.entry(b)
        path = f"compare/{ea.slug}-vs-{eb.slug}/index.md"
        if all(path != q.path for q in out):
            out.append(P.Page(path, "diff.md.j2", f"{a} vs {b}", "compare/index.md", None, {"d": diff_mod.diff(ea, eb)}))
    return out


LAST = ("figures/index.md", "linking.md")  # pages about the other pages: rendered once those are done


def site(snapshots: dict[str, Snapshot], documented: list[str], compared: list[str],
         diagrams=None, catalog=None, diffs: list[list[str]] | None = None,
         baselines: dict | None = None, site_url: str = "", store=None,
         figures_ready=None, fine_tuned: list | None = None) -> dict[str, bytes]:
    """`store`, if given, is the build cache (gen.store.Store) that keeps drawn plots and compiled templates.
    `fine_tuned`: comparisons of fine-tuned checkpoints with their base (gen.fine_tuned.FineTuned), a page each.
    `figures_ready`, if given, is called once the pages are rendered and before the plots are drawn:
    a build whose plots are being drawn in another process waits there."""
    return render(snapshots, documented, compared, diagrams, catalog, diffs, baselines, site_url, store,
                  figures_ready, fine_tuned).files


def render(snapshots: dict[str, Snapshot], documented: list[str], compared: list[str],
           diagrams=None, catalog=None, diffs: list[list[str]] | None = None,
           baselines: dict | None = None, site_url: str = "", store=None,
           figures_ready=None, fine_tuned: list | None = None) -> Rendered:
    """Every page of the registry rendered, with its figures and tables, and the navigation made from it."""
    env = make_env(store)
    files: dict[str, bytes] = {}
    full = [snapshots[name] for name in documented]
    others = [snapshots[name] for name in compared if name in snapshots]
    everyone = full + [o for o in others if o.model.name not in documented]
    by_name = {x.model.name: x for x in everyone}
    comparisons = comparison_pages(everyone, catalog, diffs)
    registry = P.site_pages(full, comparisons, fine_tuned_pages.pages(fine_tuned or [], full, Linker))
    common = {"documented": full, "everyone": everyone, "catalog": catalog, "site_url": site_url,
              "documented_names": [d.model.name for d in full], "prov": full[0].provenance, "registry": registry,
              "fine_tuned": fine_tuned or []}
    figures: list[dict] = []
    drawings: dict = {}
    records: dict[str, dict] = {}
    checks = {s.model.name: quoted.check_logit_scale(s.model.name, s.weights.mode, s.weights.official,
                                                     s.recipe("projections").result["logit_scale"])
              for s in full if "projections" in s.recipes}
    changes = [changes_mod.compare(old, snapshots[name], label) for name, (old, label) in (baselines or {}).items()]
    site_wide = {
        "index.md": lambda: {"featured": full[0], "diagram": DiagramMaker(full[0], "index.md", diagrams, files,
                                                                           figures, drawings)},
        "changes/index.md": lambda: {"changes": changes},
        "figures/index.md": lambda: {"figures": _in_page_order(figures, registry), "titles": _page_names(registry)},
        "linking.md": lambda: {"example": full[0], "topic_pages": P.topic_pages,
                               "site_wide": P.site_wide},
    }

    def emit(page: P.Page) -> None:
        reads = tracking.Reads()
        extra = site_wide[page.path]() if page.path in site_wide else {}
        context = {key: tracking.track(value, reads) for key, value in {**common, **page.context, **extra}.items()}
        context.update(page=page.path, title=page.title)
        s = by_name[page.model] if page.model else None
        if s is not None:
            context.update(s=tracking.TrackedSnapshot(s, reads), model=s.model, arch=s.model.arch, weights=s.weights,
                           prov=s.provenance, logit_check=checks.get(s.model.name),
                           to=Linker(s, page.path), module_pages=P.module_pages(s),
                           diagram=DiagramMaker(s, page.path, diagrams, files, figures, drawings))
        text = render_template(env, page.template, context)
        files[page.path] = with_banner(text, tracking.describe(reads) if reads.seen else None).encode("utf-8")
        records[page.path] = {"path": page.path, "title": page.title, "parent": page.parent, "model": page.model,
                              "template": page.template, "reads": sorted(reads.data),
                              "weight_dependent": [what for _, what in reads.seen]}

    for s in full:
        for name, table in tables.model_tables(s).items():
            files.update(tables.files(f"tables/{s.model.slug}", name, table, f"tab:clip-{s.model.slug}-{name}"))
    if catalog is not None:
        files.update(tables.files("tables", "models", tables.catalog_table(catalog), "tab:clip-models"))
    for page in registry:
        if page.template is not None and page.path not in LAST:
            emit(page)
    for page in registry:
        if page.path in LAST:
            emit(page)
    files.update(fine_tuned_pages.files(fine_tuned or [], store))
    if figures_ready is not None:
        figures_ready()  # plots drawn by another process are in the store from here on
    for s in full:
        files.update(inside.files(s, store))
    files.update(inside.activation_files(full[0], store))
    if diagrams is not None:
        inline_drawings(files, drawings, figures)
        log.info("Graphviz: %d diagrams, %d dot runs, %.2f s", len(figures), diagrams.runs, diagrams.seconds)
    for s in full:
        files.update(kit.kit(s, files, figures, site_url))  # after every figure is drawn
    files["SUMMARY.md"] = nav.summary(registry).encode("utf-8")
    for f in figures:
        records[f["page"]].setdefault("figures", []).append(f["base"])
    pages = [records.get(p.path, {"path": p.path, "title": p.title, "parent": p.parent, "model": None,
                                  "template": None, "reads": [], "weight_dependent": []}) for p in registry]
    return Rendered(dict(sorted(files.items())), pages)


def _page_names(registry: list[P.Page]) -> dict[str, str]:
    """Each page's title as a list of figures names it: 'Attention maps (ViT-B/32)'."""
    return {p.path: p.title if p.model in (None, p.title) or not p.path.startswith("models/") else f"{p.title} ({p.model})"
            for p in registry}


def _in_page_order(figures: list[dict], registry: list[P.Page]) -> list[dict]:
    """Figures in navigation order of the pages that show them, each named by its page's title."""
    order = {p.path: i for i, p in enumerate(registry)}
    named = _page_names(registry)
    return [{**f, "shown_on": named[f["page"]]} for f in sorted(figures, key=lambda f: order[f["page"]])]

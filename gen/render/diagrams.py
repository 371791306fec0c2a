"""Graphviz diagrams from Snapshots: the DOT sources (gen.render.dot runs Graphviz on them)."""
from __future__ import annotations

import html
import posixpath
import re

from gen.render.fmt import num, pct, shape as _shape
from gen.render.urls import href, page_url
from gen.snapshot import Snapshot

# Node styles, one table: every diagram draws from it.
STYLE = {
    "graph": 'bgcolor="white" fontname="Helvetica" fontsize=11 rankdir=TB nodesep=0.25 ranksep=0.35 pad=0.2',
    "node": 'shape=box style="rounded,filled" fontname="Helvetica" fontsize=10 fillcolor="#eef3fb" color="#4a6fa5"',
    "edge": 'fontname="Helvetica" fontsize=9 color="#555555" fontcolor="#333333"',
    "op": 'shape=ellipse style="filled" fillcolor="#fdf1e3" color="#c07a2c"',
    "param": 'shape=note style="filled" fillcolor="#f1f8ec" color="#5a8f3c"',
    "io": 'shape=box style="rounded,filled,bold" fillcolor="#ffffff" color="#333333"',
    "fold": 'shape=box3d style="filled" fillcolor="#e6ecf7" color="#4a6fa5"',
}


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def standalone(svg: bytes, page: str, base: str) -> bytes:
    """The SVG file offered for download: its links, written relative to the page that shows the diagram,
    rewritten relative to the file itself (figures/<slug>/<name>.svg), to pages' index.html so that they
    work served or opened from disk."""
    here = posixpath.dirname(base)

    def fix(m: re.Match) -> str:
        url = html.unescape(m[2])
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) or url.startswith(("/", "#")):
            return m[0]
        path, _, fragment = url.partition("#")
        target = posixpath.normpath(posixpath.join(page_url(page), path or "."))
        target = posixpath.join(target, "index.html") if not posixpath.splitext(target)[1] else target
        new = posixpath.relpath(target, here) + (f"#{fragment}" if fragment else "")
        return f'{m[1]}="{html.escape(new, quote=True)}"'
    return re.sub(r'((?:xlink:)?href)="([^"]*)"', fix, svg.decode("utf-8")).encode("utf-8")


def inline(svg: bytes, prefix: str) -> str:
    """SVG text ready to sit inside Markdown: no prolog, no comments, no blank lines, ids made unique on the
    page with `prefix` (Graphviz numbers every diagram's nodes from node1), and a smallest width (MIN_SCALE)."""
    text = svg.decode("utf-8")
    text = re.sub(r'\bid="', f'id="{prefix}-', text)
    text = re.sub(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r'<svg width="([\d.]+)pt"', lambda m: f'<svg style="min-width: {MIN_SCALE * float(m[1]):.0f}pt" '
                  f'width="{m[1]}pt"', text, count=1)
    return "\n".join(line for line in text.splitlines() if line.strip())


# On a narrow screen a diagram shrinks to fit the column down to this share of its size (9 pt labels stay 9 px),
# and scrolls sideways below that.
MIN_SCALE = 0.75


class Graph:
    """A tiny DOT writer with deterministic node ids (n0, n1, ...) in insertion order."""

    def __init__(self, name: str):
        self.name = name
        self.lines: list[str] = []
        self.count = 0

    def node(self, label: str, style: str = "", url: str | None = None, tooltip: str | None = None) -> str:
        nid = f"n{self.count}"
        self.count += 1
        attrs = [f"label={quote(label)}"]
        if style and style != "node":
            attrs.append(STYLE[style])
        if url:
            attrs.append(f"URL={quote(url)} target=\"_top\"")
        attrs.append(f"tooltip={quote(tooltip or label)}")
        self.lines.append(f"  {nid} [{' '.join(attrs)}];")
        return nid

    def edge(self, a: str, b: str, label: str | None = None) -> None:
        self.lines.append(f"  {a} -> {b}" + (f" [label={quote(label)}]" if label else "") + ";")

    def raw(self, line: str) -> None:
        self.lines.append(line)

    def source(self) -> str:
        head = [f"digraph {quote(self.name)} {{", f"  graph [{STYLE['graph']}];", f"  node [{STYLE['node']}];",
                f"  edge [{STYLE['edge']}];"]
        return "\n".join(head + self.lines + ["}"]) + "\n"


def hierarchy(s: Snapshot, root: str, page: str, where, depth: int = 2, fold: bool = True) -> str:
    """Module containment below `root`; with `fold`, runs of identical blocks become one `Kind xN` node."""
    g = Graph(f"{s.model.slug}:{root or 'model'}:hierarchy")
    g.raw("  graph [rankdir=LR];")
    records = {m.path: m for m in s.modules}

    def url(path: str) -> str:
        return href(page, *where(path))

    def label(m) -> str:
        name = m.path.rpartition(".")[2] or s.model.name
        return f"{name}\n{m.kind}\n{m.total_params:,} params"

    def walk(path: str, nid: str, level: int) -> None:
        if level >= depth:
            return
        kids = [records[c] for c in records[path].children]
        i = 0
        while i < len(kids):
            j = i
            while j < len(kids) and kids[j].kind == kids[i].kind and kids[j].total_params == kids[i].total_params:
                j += 1
            run = kids[i:j]
            if fold and len(run) > 2:
                first, last = run[0], run[-1]
                child = g.node(f"{first.kind} x{len(run)}\n{first.path.rpartition('.')[2]}..{last.path.rpartition('.')[2]}\n"
                               f"{first.total_params:,} params each", "fold", url(path), f"{len(run)} x {first.kind}")
                g.edge(nid, child)
            else:
                for m in run:
                    child = g.node(label(m), "", url(m.path), m.path)
                    g.edge(nid, child)
                    walk(m.path, child, level + 1)
            i = j
        for p in (p for p in s.parameters if p.module == path):
            g.edge(nid, g.node(f"{p.name.rpartition('.')[2]}\n{_shape(p.shape)}", "param", url(p.name), p.name))

    top = records[root]
    walk(root, g.node(label(top), "io", url(root), root or s.model.name), 0)
    return g.source()


def block_flow(s: Snapshot, path: str, page: str, where) -> str:
    """One block's forward pass as its traced code runs it: modules in order, captured shapes on the edges,
    the residual additions, and the shortcut edges that carry the stream around a branch."""
    records = {m.path: m for m in s.modules}
    block = records[path]
    if not block.flow:
        from gen.errors import RenderError

        raise RenderError(f"the Snapshot of {s.model.name} has no traced flow for {path!r}; capture it again")
    g = Graph(f"{s.model.slug}:{path}:dataflow")
    ids: dict[str, str] = {}
    shapes: dict[str, str] = {}
    depth: dict[str, int] = {}  # operations between the block's input and a node, on the longest way
    for node in block.flow:
        name, op = node["node"], node["op"]
        if op == "input":
            ids[name] = g.node(f"input\n{_shape(block.input_shapes[0])}", "io", href(page, *where(path)), path)
            shapes[name] = _shape(block.input_shapes[0])
        elif op == "module":
            m = records[f"{path}.{node['target']}"]
            ids[name] = g.node(f"{node['target']}\n{m.kind}", "", href(page, *where(m.path)), m.path)
            shapes[name] = _shape(m.output_shapes[0]) if m.output_shapes else shapes[node["inputs"][0]]
        elif op == "output":
            ids[name] = g.node(f"output\n{_shape(block.output_shapes[0])}", "io", href(page, *where(path)), path)
        else:
            label = "+" if op == "add" else node["target"]
            ids[name] = g.node(label, "op", href(page, *where(path)), "residual addition" if op == "add" else label)
            shapes[name] = shapes[node["inputs"][0]]
        depth[name] = 1 + max((depth[i] for i in node["inputs"]), default=-1)
        shallow = min((depth[i] for i in node["inputs"]), default=0)
        for source in node["inputs"]:
            # into an addition, the input fewer operations from the block's input is the stream that skipped the branch
            around = op == "add" and len(node["inputs"]) == 2 and depth[source] == shallow
            g.edge(ids[source], ids[name], shapes[source] + (" (residual)" if around else ""))
    return g.source()


FORWARD_STEP = "(CLIP.forward)"  # a forward-recipe step that CLIP.forward takes, not the tower's encoder


def dataflow(s: Snapshot, page: str, where, last: int | None = None, towers: tuple[str, ...] = ("image", "text")) -> str:
    """Both towers step by step with the captured shapes on the edges, meeting at the similarity.

    `where(name)` gives (page, fragment) for a module or parameter name, or for a step with no module.
    """
    g = Graph(f"{s.model.slug}:{'projection' if last else 'dataflow'}")
    ends = {}
    for tower, recipe, title, path in (("image", "forward_image", "image tower", "visual"),
                                       ("text", "forward_text", "text tower", "transformer")):
        if tower not in towers:
            continue
        steps = s.recipe(recipe).result["steps"]
        steps = steps[-last:] if last else steps
        prev = None
        # the tower's own steps (what encode_image / encode_text do) in its box; CLIP.forward's after it
        for boxed in (True, False):
            if boxed:
                g.raw(f"  subgraph cluster_{tower} {{")
                g.raw(f"  graph [label={quote(title)} color=\"#bbbbbb\" style=rounded];")
            for st in steps:
                if st["label"].endswith(FORWARD_STEP) == boxed:
                    continue
                module = st.get("module")
                target = where(module) if module else where(f"#{tower}")
                nid = g.node(st["label"], "node" if module else "op", href(page, *target), module or st["label"])
                if prev:
                    g.edge(prev[0], nid, prev[1])
                prev = (nid, _shape(st["shape"]))
            if boxed:
                g.raw("  }")
        ends[tower] = prev
    if "logits" not in s.recipes or len(ends) < 2:  # one tower, or towers of different widths: no meeting
        return g.source()
    # the forward pass behind this diagram: its images against its prompts (the logits recipe runs a whole batch)
    rows = [s.recipe(r).result["steps"][-1]["shape"][0] for r in ("forward_image", "forward_text")]
    sim = g.node("similarity\nexp(logit_scale) * image @ text.T", "op", href(page, *where("logit_scale")), "logit_scale")
    g.edge(ends["image"][0], sim, ends["image"][1])
    g.edge(ends["text"][0], sim, ends["text"][1])
    out = g.node("logits_per_image", "io", href(page, *where("#similarity")))
    g.edge(sim, out, _shape(rows))
    return g.source()


def parameters(s: Snapshot, page: str, where) -> str:
    """Where the parameters are: each top-level part and tower with its count and share, raw ones included."""
    g = Graph(f"{s.model.slug}:parameters")
    g.raw("  graph [rankdir=LR];")
    records = {m.path: m for m in s.modules}
    total = records[""].total_params

    def share(n: int) -> str:
        return f"{num(n)} ({pct(n, total, 1)})"  # a tiny share reads "<0.1%", as in the tables, not "0.0%"

    root = g.node(f"{s.model.name}\n{num(total)} parameters", "io", href(page, *where("")))
    for child in records[""].children:
        m = records[child]
        nid = g.node(f"{child}\n{m.kind}\n{share(m.total_params)}", "", href(page, *where(child)), child)
        g.edge(root, nid)
        for grand in m.children:
            gm = records[grand]
            if gm.total_params:
                g.edge(nid, g.node(f"{grand.rpartition('.')[2]}\n{share(gm.total_params)}", "",
                                   href(page, *where(grand)), grand))
        for p in (p for p in s.parameters if p.module == child):
            g.edge(nid, g.node(f"{p.name.rpartition('.')[2]}\n{_shape(p.shape)}\n{share(p.count)}", "param",
                               href(page, *where(p.name)), p.name))
    for p in (p for p in s.parameters if p.module == ""):
        g.edge(root, g.node(f"{p.name}\n{_shape(p.shape)}\n{share(p.count)}", "param", href(page, *where(p.name)), p.name))
    return g.source()

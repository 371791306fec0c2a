"""Graphviz diagrams from Snapshots: DOT built here, rendered by `dot` with a time bound and a cache."""
from __future__ import annotations

import hashlib
import html
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from gen.errors import GraphvizError
from gen.snapshot import Snapshot

TIMEOUT_S = 60
OUTPUT_VERSION = 4  # bump when post-processing of dot's output changes (2: stable PDF dates, 3: one run, 4: sealed)
INSTALL_HINT = ("Install Graphviz so that `dot` is on PATH: Debian/Ubuntu `sudo apt-get install graphviz`, "
                "Fedora `sudo dnf install graphviz`, macOS `brew install graphviz`.")

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


class Dot:
    """Runs Graphviz once per diagram for both SVG and PDF, on a few threads while pages keep rendering.

    Outputs are cached by a hash of the DOT source and `dot -V`, sealed with their SHA-256: a damaged one is
    drawn again, never published."""

    FORMATS = ("svg", "pdf")

    def __init__(self, cache: Path, workers: int | None = None):
        self.exe = shutil.which("dot")
        if not self.exe:
            raise GraphvizError(f"Graphviz's `dot` was not found on PATH. {INSTALL_HINT}")
        out = subprocess.run([self.exe, "-V"], capture_output=True, text=True, timeout=TIMEOUT_S)
        self.version = (out.stderr or out.stdout).strip()
        self.cache = cache
        self.workers = workers or os.cpu_count() or 1
        self.runs = 0          # `dot` invocations in this build (0 when every figure was cached)
        self.seconds = 0.0     # time spent in them, summed over threads
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _cached(self, source: str) -> dict[str, Path]:
        digest = hashlib.sha256(f"{OUTPUT_VERSION}\0{self.version}\0{source}".encode()).hexdigest()
        return {fmt: self.cache / f"{digest}.{fmt}" for fmt in self.FORMATS}

    def start(self, name: str, source: str) -> Future:
        """A future of {"svg": bytes, "pdf": bytes}; already done when the diagram is in the cache."""
        from gen.cache import read_sealed

        paths = self._cached(source)
        found = {fmt: read_sealed(p) for fmt, p in paths.items()}
        if all(data is not None for data in found.values()):
            done: Future = Future()
            done.set_result(found)
            return done
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="dot")
        return self._pool.submit(self._run, name, source, paths)

    def render(self, name: str, source: str) -> dict[str, bytes]:
        return self.start(name, source).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _run(self, name: str, source: str, paths: dict[str, Path]) -> dict[str, bytes]:
        from gen.cache import write_sealed

        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="clip-docs-dot-") as tmp:
            outputs = {fmt: Path(tmp) / f"out.{fmt}" for fmt in self.FORMATS}
            args = [self.exe] + [arg for fmt, out in outputs.items() for arg in (f"-T{fmt}", f"-o{out}")]
            try:
                out = subprocess.run(args, input=source.encode(), capture_output=True, timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise GraphvizError(f"Graphviz took longer than {TIMEOUT_S} s on diagram {name!r}.") from None
            finally:
                with self._lock:
                    self.runs += 1
                    self.seconds += time.monotonic() - started
            if out.returncode != 0:
                raise GraphvizError(f"Graphviz failed on diagram {name!r}: {out.stderr.decode(errors='replace').strip()}")
            data = {fmt: path.read_bytes() for fmt, path in outputs.items()}
        data["pdf"] = _stable_pdf(data["pdf"])
        for fmt, path in paths.items():
            write_sealed(path, data[fmt])
        return data


def _stable_pdf(data: bytes) -> bytes:
    """cairo stamps PDFs with the time of rendering; a fixed date of the same length keeps the xref offsets
    valid and makes the same DOT give the same PDF bytes."""
    return re.sub(rb"/CreationDate \(D:\d{14}Z\)", b"/CreationDate (D:19700101000000Z)", data)


def page_url(md_path: str) -> str:
    """The directory URL MkDocs gives a page ('models/x/index.md' -> 'models/x/')."""
    if md_path.endswith("index.md"):
        return md_path[: -len("index.md")]
    return md_path[:-3] + "/"


def href(from_md: str, to_md: str, fragment: str | None = None) -> str:
    """A link usable inside inline SVG: relative to the page's directory URL."""
    rel = posixpath.relpath(page_url(to_md) or ".", page_url(from_md) or ".")
    rel = "./" if rel == "." else rel + "/"
    return rel + (f"#{fragment}" if fragment else "")


def file_href(from_md: str, path: str) -> str:
    """A raw-HTML link from a page to a file of the site (a figure, a table), relative to the page's URL."""
    return posixpath.relpath(path, page_url(from_md) or ".")


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
    """SVG text ready to sit inside Markdown: no prolog, no comments, no blank lines, and ids made unique
    on the page with `prefix` (Graphviz numbers every diagram's nodes from node1)."""
    text = svg.decode("utf-8")
    text = re.sub(r'\bid="', f'id="{prefix}-', text)
    text = re.sub(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", "", text, flags=re.S)
    return "\n".join(line for line in text.splitlines() if line.strip())


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


def _shape(shape) -> str:
    return "[" + ", ".join(str(v) for v in shape) + "]"


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


# The order in which a block's modules run, and where the residual additions happen.
BLOCK_FLOW = {
    "ResidualAttentionBlock": [["ln_1", "attn"], ["ln_2", "mlp.c_fc", "mlp.gelu", "mlp.c_proj"]],
    "Bottleneck": [["conv1", "bn1", "relu1", "conv2", "bn2", "relu2", "avgpool", "conv3", "bn3"]],
}


def block_flow(s: Snapshot, path: str, page: str, where) -> str:
    """One block's forward pass: its modules in order, captured shapes on the edges, the residual additions."""
    records = {m.path: m for m in s.modules}
    block = records[path]
    g = Graph(f"{s.model.slug}:{path}:dataflow")
    x = g.node(f"input\n{_shape(block.input_shapes[0])}", "io", href(page, *where(path)), path)
    shape = _shape(block.input_shapes[0])
    for branch in BLOCK_FLOW[block.kind]:
        start, prev, prev_shape = x, x, shape
        for name in branch:
            m = records[f"{path}.{name}"]
            nid = g.node(f"{name}\n{m.kind}", "", href(page, *where(m.path)), m.path)
            g.edge(prev, nid, prev_shape)
            prev, prev_shape = nid, _shape(m.output_shapes[0]) if m.output_shapes else prev_shape
        add = g.node("+", "op", href(page, *where(path)), "residual addition")
        g.edge(prev, add, prev_shape)
        skip = f"{path}.downsample"
        if skip in records and block.kind == "Bottleneck":
            d = records[skip]
            did = g.node(f"downsample\n{d.kind}", "", href(page, *where(skip)), skip)
            g.edge(start, did, shape)
            g.edge(did, add, _shape(d.output_shapes[0]))
        else:
            g.edge(start, add, f"{shape} (residual)")
        x, shape = add, _shape(block.output_shapes[0]) if block.kind == "Bottleneck" else prev_shape
    if block.kind == "Bottleneck":
        relu = records[f"{path}.relu3"]
        rid = g.node(f"relu3\n{relu.kind}", "", href(page, *where(relu.path)), relu.path)
        g.edge(x, rid, shape)
        x = rid
    out = g.node(f"output\n{_shape(block.output_shapes[0])}", "io", href(page, *where(path)), path)
    g.edge(x, out, _shape(block.output_shapes[0]))
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
        return f"{n:,} ({100 * n / total:.1f}%)"

    root = g.node(f"{s.model.name}\n{total:,} parameters", "io", href(page, *where("")))
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

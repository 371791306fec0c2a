"""Prints how long building every DOT source of one model takes with gen's own writer and with the graphviz package.

Usage: python bench/dot_writer.py [SNAPSHOT.json]   (default: the newest ViT-B/32 Snapshot in the build cache)
The graphviz package is not a dependency of the site: `pip install graphviz` to run this.
"""
import statistics
import sys
import time
from pathlib import Path

import graphviz

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gen.render import diagrams as D  # noqa: E402
from gen.render.site import where  # noqa: E402
from gen.snapshot import Snapshot  # noqa: E402
from gen.store import Store  # noqa: E402

if len(sys.argv) > 1:
    s = Snapshot.from_json(Path(sys.argv[1]).read_text())
else:
    store = Store(Path(__file__).resolve().parents[1] / ".cache/clip-docs")
    found = sorted((p for p in store.entries("snapshots") if p.name.startswith("vit-b-32-")),
                   key=lambda p: p.stat().st_mtime)
    if not found or store.read(found[-1]) is None:
        sys.exit("No ViT-B/32 Snapshot in the build cache .cache/clip-docs: build the site once, or pass a Snapshot file.")
    s = Snapshot.from_json(store.read(found[-1]).decode())
find = where(s)
page = f"models/{s.model.slug}/index.md"
blocks = [m.path for m in s.modules if m.kind == "ResidualAttentionBlock"]

def all_sources():
    out = [D.dataflow(s, page, find), D.parameters(s, page, find), D.hierarchy(s, "", page, find, 2, True)]
    out += [D.hierarchy(s, b, page, find, 2, True) for b in blocks]
    out += [D.block_flow(s, b, page, find) for b in blocks]
    return out

class VizGraph:
    """Same calls as D.Graph, DOT written by the graphviz package."""
    def __init__(self, name):
        self.g = graphviz.Digraph(name)
        self.count = 0
        self.stack = [self.g]
    def node(self, label, style="", url=None, tooltip=None):
        nid = f"n{self.count}"; self.count += 1
        attrs = {"label": label, "tooltip": tooltip or label}
        if url: attrs.update(URL=url, target="_top")
        self.stack[-1].node(nid, **attrs)  # styles omitted: same cost order
        return nid
    def edge(self, a, b, label=None):
        self.stack[-1].edge(a, b, **({"label": label} if label else {}))
    def raw(self, line):
        self.stack[-1].body.append(line + "\n")
    def source(self):
        return self.g.source

def timeit(fn, n=7):
    t = []
    for _ in range(n):
        a = time.perf_counter(); fn(); t.append(time.perf_counter() - a)
    return statistics.median(t)

base = timeit(all_sources)
orig = D.Graph
D.Graph = VizGraph
viz = timeit(all_sources)
one, two = all_sources(), all_sources()
D.Graph = orig
print(f"{len(one)} diagrams of {s.model.name}: own writer {base*1000:.1f} ms, graphviz package {viz*1000:.1f} ms "
      f"(ratio {viz/base:.2f}); graphviz package deterministic across two runs: {one == two}")

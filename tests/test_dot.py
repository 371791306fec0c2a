# Graphviz runs: per diagram one `dot` run for the SVG and one for the PDF's print layout (more only when a print
# layout's labels come out too small), on threads, cached; a bad diagram is one named error.
from __future__ import annotations

import re

import pytest

from gen.errors import GraphvizError
from gen.render.diagrams import Graph
from gen.render.dot import Dot
from gen.store import Store


def small(name: str) -> str:
    g = Graph(name)
    a, b = g.node("a"), g.node("b", url="../x/")
    g.edge(a, b, "[1, 2]")
    return g.source()


def test_two_runs_give_svg_and_pdf_then_the_cache(tmp_path):
    dot = Dot(Store(tmp_path))
    first = dot.render("small", small("small"))
    assert first["svg"].lstrip().startswith(b"<?xml") and first["pdf"].startswith(b"%PDF")
    assert b"/CreationDate (D:19700101000000Z)" in first["pdf"]
    assert dot.runs == 2  # the SVG, and the PDF from the print layout (a small diagram fits at the first try)
    assert b"12.00" not in first["svg"] and b'font-size="10.00"' in first["svg"], "the SVG is the screen layout"
    assert Dot(Store(tmp_path)).render("small", small("small")) == first
    assert sorted(p.suffix for p in Store(tmp_path).entries()) == [".pdf", ".svg"]
    dot.close()


def test_many_diagrams_on_threads_match_one_at_a_time(tmp_path):
    sources = {f"d{i}": small(f"d{i}") for i in range(8)}
    threaded = Dot(Store(tmp_path / "threads"), workers=4)
    jobs = {name: threaded.start(name, source) for name, source in sources.items()}
    results = {name: job.result() for name, job in jobs.items()}
    threaded.close()
    serial = Dot(Store(tmp_path / "serial"), workers=1)
    assert results == {name: serial.render(name, source) for name, source in sources.items()}
    assert threaded.runs == serial.runs == 16
    serial.close()


def test_bad_diagram_names_itself_and_caches_nothing(tmp_path):
    dot = Dot(Store(tmp_path))
    job = dot.start("visual.broken", "digraph { a -> ; }\n")
    with pytest.raises(GraphvizError, match=r"diagram 'visual.broken'"):
        job.result()
    dot.close()
    assert list(tmp_path.iterdir()) == []


def test_standalone_svg_links_work_from_the_file_itself(tiny_files):
    """The downloadable SVG (the 'opens full size' link) is opened on its own: each node's link must lead to
    a page of the site from the file's own folder, not from the page that shows the diagram inline."""
    import html
    import posixpath
    import re

    checked = 0
    for path, data in tiny_files.items():
        if not (path.endswith(".svg") and path[:-4] + ".dot" in tiny_files):
            continue  # Graphviz diagrams only (plots carry no links)
        for url in re.findall(r'xlink:href="([^"]*)"', data.decode("utf-8")):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), html.unescape(url).partition("#")[0]))
            assert target.endswith("index.html") and target[: -len("html")] + "md" in tiny_files, f"{path} -> {url}"
            checked += 1
    assert checked > 20


def _flow_steps(s, path):
    """(label, residual?) of each node and edge of a block's drawn dataflow, read back from the DOT text."""
    from gen.render.diagrams import block_flow
    from gen.render.site import where

    source = block_flow(s, path, "x/index.md", where(s))
    labels = re.findall(r'^  n\d+ \[label="([^"\n]*)', source, re.M)
    residual = re.findall(r"(n\d+) -> (n\d+) \[label=\"[^\"]* \(residual\)\"\]", source)
    return labels, residual, source


def test_a_transformer_block_flow_is_traced_from_its_code(tiny_snapshot):
    names, residual, _ = _flow_steps(tiny_snapshot, "visual.transformer.resblocks.0")
    assert names == ["input", "ln_1", "attn", "+", "ln_2", "mlp.c_fc", "mlp.gelu", "mlp.c_proj", "+", "output"]
    # the input skips attention, the first sum skips the MLP
    assert residual == [("n0", "n3"), ("n3", "n8")]


def test_a_bottleneck_flow_has_its_shortcut_and_the_final_relu(tiny_resnet_snapshot):
    s = tiny_resnet_snapshot
    with_downsample = next(m.path for m in s.modules if m.kind == "Bottleneck" and f"{m.path}.downsample" in m.children)
    names, residual, source = _flow_steps(s, with_downsample)
    assert names[:10] == ["input", "conv1", "bn1", "relu1", "conv2", "bn2", "relu2", "avgpool", "conv3", "bn3"]
    assert names[10:] == ["downsample.-1", "downsample.0", "downsample.1", "+", "relu3", "output"]
    assert residual == [("n12", "n13")], "the downsampled shortcut, not the branch, is the residual edge"
    block = next(m for m in s.modules if m.path == with_downsample)
    assert "output\n[" + ", ".join(map(str, block.output_shapes[0])) + "]" in source

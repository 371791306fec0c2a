# The same Snapshot renders to byte-identical pages, DOT, SVG, PDF, plot data and thesis kits, even with an empty
# figure cache.
from __future__ import annotations

import dataclasses
import shutil

from gen.store import Store
from helpers import normalise, render_tiny


def test_second_render_is_identical(tiny_cfg, tiny_snapshot, tiny_files, tmp_path):
    # same inputs, but nothing rendered is cached (figures, plots, compiled templates, rendered site):
    # Jinja, Graphviz and matplotlib run again
    fresh = Store(tmp_path / "cache")
    rendered = ["figures", "plots", "templates", "sites"]
    old = Store(tiny_cfg.cache)
    shutil.copytree(old.root, fresh.root, ignore=lambda folder, names: rendered if folder == str(old.root) else [])
    assert not any(fresh.entries(kind) for kind in rendered) and fresh.entries("snapshots")
    again = render_tiny(dataclasses.replace(tiny_cfg, cache=fresh.folder), normalise(tiny_snapshot))
    assert any(p.suffix == ".svg" for p in fresh.entries("figures")), "dot did not run again"
    assert any(p.suffix == ".svg" for p in fresh.entries("plots")), "matplotlib did not run again"
    assert sorted(again) == sorted(tiny_files)
    compared = [p for p in again if p.endswith((".md", ".dot", ".svg", ".pdf", ".json", ".zip"))]
    assert all(any(p.endswith(ext) for p in compared) for ext in (".svg", ".dot", ".pdf", ".json", ".zip"))
    differing = [p for p in compared if again[p] != tiny_files[p]]
    assert differing == []


def test_pages_hold_no_python_object_reprs(tiny_files):
    for path, data in tiny_files.items():
        if path.endswith(".md"):
            text = data.decode("utf-8")
            assert "<gen.snapshot." not in text and "object at 0x" not in text, path

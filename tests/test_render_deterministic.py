# The same Snapshot renders to byte-identical pages, DOT, SVG, PDF, plot data and thesis kits, even with an empty
# figure cache.
from __future__ import annotations

import dataclasses
import shutil

from helpers import normalise, render_tiny


def test_second_render_is_identical(tiny_cfg, tiny_snapshot, tiny_files, tmp_path):
    # same inputs, but nothing rendered is cached (figures, plots, compiled templates, rendered site):
    # Jinja, Graphviz and matplotlib run again
    fresh = tmp_path / "cache"
    rendered = ["figures", "plots", "templates", "sites"]
    shutil.copytree(tiny_cfg.cache, fresh, ignore=lambda folder, names: rendered if folder == str(tiny_cfg.cache) else [])
    assert not any((fresh / name).exists() for name in rendered)
    again = render_tiny(dataclasses.replace(tiny_cfg, cache=fresh), normalise(tiny_snapshot))
    assert any(p.suffix == ".svg" for p in (fresh / "figures").iterdir()), "dot did not run again"
    assert any(p.suffix == ".svg" for p in (fresh / "plots").iterdir()), "matplotlib did not run again"
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

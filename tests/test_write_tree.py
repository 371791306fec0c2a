# gen.build.write_tree: the output folder is replaced whole, or not at all.
from __future__ import annotations

import pytest

from gen.build import write_tree
from gen.errors import OutputError


def test_replaces_the_folder_whole(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.md").write_text("from an older build")
    write_tree({"index.md": b"# new", "models/a/index.md": b"# a"}, out)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == ["index.md", "models/a/index.md"]
    assert (out / "models/a/index.md").read_bytes() == b"# a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "staging or old folders left behind"


def test_failure_leaves_the_old_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.md").write_text("previous")
    # "a" is written as a file, so "a/b.md" cannot be: the write fails halfway through
    with pytest.raises(OutputError) as err:
        write_tree({"a": b"file", "a/b.md": b"under a file"}, out)
    assert str(out) in str(err.value) and "--out" in str(err.value)
    assert [p.name for p in out.iterdir()] == ["index.md"]
    assert (out / "index.md").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "staging folder left behind"


def test_the_markdown_tree_includes_the_pages_written_by_hand(tiny_snapshot):
    """`python -m gen --out` writes the whole site: the hand-written pages of the registry come from docs/."""
    from gen.__main__ import _hand_written
    from gen.render import pages as P
    from helpers import REPO

    hand = _hand_written(REPO / "docs")
    written_by_hand = [p.path for p in P.site_pages([tiny_snapshot], []) if p.template is None]
    assert written_by_hand and all(path in hand for path in written_by_hand)

# gen.build.write_tree: the output folder is replaced whole, or not at all.
from __future__ import annotations

import pytest

from gen.build import OUTPUT_MARKER, check_output, check_outputs, write_tree
from gen.errors import OutputError
from helpers import earlier_output, project_folder


def test_replaces_the_folder_whole(tmp_path):
    out = earlier_output(tmp_path / "out")
    write_tree({"index.md": b"# new", "models/a/index.md": b"# a"}, out)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == [
        OUTPUT_MARKER, "index.md", "models/a/index.md"]
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


@pytest.mark.parametrize("kind,flag", [("markdown", "--out"), ("snapshots", "--snapshot-out")])
def test_a_folder_the_generator_did_not_write_is_refused_and_left_alone(tmp_path, kind, flag):
    project = project_folder(tmp_path / "project")
    with pytest.raises(OutputError) as err:
        check_output(project, kind)
    message = str(err.value)
    assert flag in message and str(project) in message and ".git, thesis.tex" in message and "did not write" in message
    assert (project / ".git" / "HEAD").is_file() and (project / "thesis.tex").is_file()


def test_empty_new_and_earlier_folders_of_the_same_kind_are_accepted(tmp_path):
    (tmp_path / "empty").mkdir()
    check_output(tmp_path / "empty", "markdown")
    check_output(tmp_path / "new", "markdown")
    check_output(earlier_output(tmp_path / "md"), "markdown")
    check_output(earlier_output(tmp_path / "snaps", kind="snapshots"), "snapshots")


def test_a_snapshot_folder_is_not_taken_for_a_markdown_one(tmp_path):
    snaps = earlier_output(tmp_path / "snaps", kind="snapshots")
    with pytest.raises(OutputError, match="--out .*did not write"):
        check_output(snaps, "markdown")


def test_outputs_that_overlap_or_hold_what_the_build_reads_are_refused(tmp_path):
    with pytest.raises(OutputError, match="overlap"):
        check_outputs(tmp_path / "out", tmp_path / "out")
    with pytest.raises(OutputError, match="overlap"):
        check_outputs(tmp_path / "out", tmp_path / "out" / "snapshots")
    check_outputs(tmp_path / "md", tmp_path / "snapshots")
    cache = tmp_path / "site" / ".cache"
    with pytest.raises(OutputError, match=r"holds the build cache .*folder of its own"):
        check_outputs(tmp_path / "site", None, {"the build cache": cache})

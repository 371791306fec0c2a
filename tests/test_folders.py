# gen.folders: a folder is swapped in whole, and what killed writers leave is swept (a killed swap is undone).
from __future__ import annotations

import os
import subprocess
import sys

from gen import folders


def dead_pid() -> int:
    """The id of a process that has exited."""
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)


def test_swap_replaces_the_folder_whole(tmp_path):
    target = tmp_path / "site"
    target.mkdir()
    (target / "old.html").write_text("old")
    staging = folders.staging_folder(target)
    (staging / "new.html").write_text("new")
    folders.swap_in(staging, target)
    assert sorted(p.name for p in target.iterdir()) == ["new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_swap_without_an_atomic_exchange(tmp_path, monkeypatch):
    """Where the system cannot exchange two paths, the previous folder is renamed aside first."""
    monkeypatch.setattr(folders, "_exchange", lambda a, b: False)
    target = tmp_path / "site"
    target.mkdir()
    (target / "old.html").write_text("old")
    staging = folders.staging_folder(target)
    (staging / "new.html").write_text("new")
    folders.swap_in(staging, target)
    assert sorted(p.name for p in target.iterdir()) == ["new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_sweep_removes_only_what_dead_writers_left(tmp_path):
    pid = dead_pid()
    stale_file = tmp_path / f".x.json.{pid}.abcd1234.tmp"
    stale_file.write_text("half")
    stale_dir = tmp_path / f".site.{pid}.abcd1234.staging"
    (stale_dir / "sub").mkdir(parents=True)
    mine = tmp_path / f".y.json.{os.getpid()}.abcd1234.tmp"
    mine.write_text("being written")
    other = tmp_path / ".hidden-but-not-ours"
    other.write_text("keep")
    removed = folders.sweep(tmp_path)
    assert sorted(removed) == sorted([stale_file, stale_dir])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, other.name])


def test_sweep_undoes_a_swap_killed_halfway(tmp_path):
    """Killed between its two renames, a swap without exchange left the site only in its `.old` folder."""
    aside = tmp_path / f".site.{dead_pid()}.abcd1234.old"
    (aside / "previous").mkdir(parents=True)
    (aside / "previous" / "index.html").write_text("the previous build")
    folders.sweep(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert (tmp_path / "site" / "index.html").read_text() == "the previous build"

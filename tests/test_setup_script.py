"""scripts/setup.sh on a nearly full disk: one clear message naming the fix before pip starts, not pip's traceback."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup_with_free(tmp_path: Path, free_kib: int, extra_env: dict[str, str] | None = None):
    """Run a copy of setup.sh whose `df` reports `free_kib` free, in a .venv without torch whose pip must not run."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    for name in ("requirements.txt", "requirements-tests.txt", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").write_text("#!/bin/sh\necho 'pip ran' >&2\nexit 3\n")  # never reached
    (tmp_path / ".venv" / "bin" / "python").chmod(0o755)
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "df").write_text("#!/bin/sh\necho 'Filesystem 1024-blocks Used Available Capacity Mounted on'\n"
                             f"echo '/dev/x 99999999 1 {free_kib} 99% /'\n")
    (shim / "df").chmod(0o755)
    (shim / "dot").write_text("#!/bin/sh\n")  # Graphviz counts as installed: no apt-get here
    (shim / "dot").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "TORCH_INDEX_URL"}
    env.update(PATH=f"{shim}{os.pathsep}{os.environ['PATH']}", **(extra_env or {}))
    return subprocess.run(["bash", "scripts/setup.sh"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)


def test_a_disk_too_full_for_torch_stops_setup_with_the_fix(tmp_path):
    done = _setup_with_free(tmp_path, free_kib=2 * 1024 ** 2)
    assert done.returncode == 1
    assert "only 2 GiB free" in done.stderr and "needs about 7 GiB" in done.stderr
    assert "Free some space and run this again" in done.stderr
    assert "Traceback" not in done.stderr and "installing Python packages" not in done.stdout
    assert not list((tmp_path / ".venv").glob(".installed-*"))  # nothing recorded as installed


def test_cpu_only_wheels_need_less_room(tmp_path):
    done = _setup_with_free(tmp_path, free_kib=2 * 1024 ** 2,
                            extra_env={"TORCH_INDEX_URL": "https://download.pytorch.org/whl/cpu"})
    assert done.returncode == 1 and "needs about 3 GiB" in done.stderr

# A build that fails (refused input, capture error, a --strict warning, kill -9) leaves the previous site byte-identical;
# a build that succeeds replaces it whole; a killed build leaves no second process behind.
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from gen.store import Store
from helpers import REPO, env_without_clip_docs, run, tiny_extra

pytestmark = pytest.mark.integration


def site_yml(folder: Path, clip_docs: dict) -> Path:
    """The project's mkdocs.yml, paths made absolute, with its own extra.clip_docs, written into `folder`."""
    data = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    data["docs_dir"] = str(REPO / data["docs_dir"])
    data["theme"]["custom_dir"] = str(REPO / data["theme"]["custom_dir"])
    data["hooks"] = [str(REPO / h) for h in data["hooks"]]
    data["watch"] = [str(REPO / w) for w in data["watch"]]
    for plugin in data["plugins"]:
        if isinstance(plugin, dict) and "gen-files" in plugin:
            plugin["gen-files"]["scripts"] = [str(REPO / s) for s in plugin["gen-files"]["scripts"]]
    data["extra"]["clip_docs"] = {**data["extra"]["clip_docs"], **clip_docs}
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def previous_site(folder: Path) -> Path:
    """A stand-in for an earlier build: files at two depths, one of which no build would write."""
    site = folder / "site"
    (site / "models" / "old").mkdir(parents=True)
    (site / "index.html").write_text("<p>the previous build</p>\n")
    (site / "models" / "old" / "index.html").write_text("<p>a page this build does not make</p>\n")
    return site


def snapshot_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def mkdocs(yml: Path, site: Path, **env: str) -> subprocess.CompletedProcess:
    return run(["-m", "mkdocs", "build", "--strict", "-f", str(yml), "-d", str(site)],
               env_without_clip_docs(**env), timeout=900)


@pytest.fixture
def warm_cache(built, tmp_path) -> Path:
    """A copy of the integration build's cache: the default models' Snapshots are there (random weights, seed 0)."""
    copy = tmp_path / "cache"
    shutil.copytree(built.root / "cache", copy)
    return copy


def test_strict_warning_leaves_the_previous_site_byte_identical(tmp_path, warm_cache):
    """auto mode without checkpoints warns (random weights); --strict aborts after MkDocs has written the whole
    site, which went into the staging folder."""
    yml = site_yml(tmp_path, {"weights": "auto", "clip_cache": str(tmp_path / "no-weights")})
    site = previous_site(tmp_path)
    before = snapshot_of(site)
    proc = mkdocs(yml, site, CLIP_DOCS_CACHE=str(warm_cache))
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "random weights" in proc.stderr
    assert "Aborted with 2 warnings in strict mode!" in proc.stdout  # ViT-B/32 and RN50 have no checkpoint
    assert "Building documentation to directory" in proc.stderr, "MkDocs did not get as far as writing the site"
    assert "Traceback" not in proc.stderr
    assert snapshot_of(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "mkdocs.yml", "site"], "staging folder left"


def test_capture_error_leaves_the_previous_site(tmp_path, warm_cache):
    """A file in clip's cache that is not a checkpoint: a warning (wrong SHA-256) when planned, a LoadError
    when the model loads; one message, no traceback, the site untouched."""
    clip_cache = tmp_path / "clip"
    clip_cache.mkdir()
    (clip_cache / "ViT-B-32.pt").write_bytes(b"not a checkpoint\n" * 100)
    yml = site_yml(tmp_path, {"weights": "auto", "clip_cache": str(clip_cache)})
    site = previous_site(tmp_path)
    before = snapshot_of(site)
    proc = mkdocs(yml, site, CLIP_DOCS_CACHE=str(warm_cache))
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "does not have the SHA-256 OpenAI publishes" in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and "Could not load ViT-B/32" in errors[0] and "is not a PyTorch checkpoint" in errors[0], \
        proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert snapshot_of(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "clip", "mkdocs.yml", "site"]


def test_kill_9_after_cleaning_then_a_repaired_build(tmp_path, warm_cache):
    """kill -9 right after MkDocs says it cleans the site: the site is as it was.  The next build, which finds a
    damaged plot in the cache, repairs it (info, not a --strict failure), sweeps the killed build's staging
    folder and replaces the site whole."""
    yml = site_yml(tmp_path, {"weights": "random"})
    site = previous_site(tmp_path)
    before = snapshot_of(site)
    args = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(yml), "-d", str(site)]
    env = env_without_clip_docs(CLIP_DOCS_CACHE=str(warm_cache))
    with subprocess.Popen(args, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True) as proc:
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if "Cleaning site directory" in line:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)[-3000:]
    assert snapshot_of(site) == before
    left = [p.name for p in tmp_path.iterdir() if p.name.endswith(".staging")]
    assert len(left) == 1, "the killed build should have had a staging folder (swept by the next build)"

    store = Store(warm_cache)
    plot = [p for p in store.entries("plots") if p.suffix == ".svg"][0]
    plot.write_bytes(plot.read_bytes()[:1000])
    for archive in store.entries("sites"):
        archive.unlink()  # render again, so that the damaged plot is read
    done = mkdocs(yml, site, CLIP_DOCS_CACHE=str(warm_cache))
    assert done.returncode == 0, done.stderr[-3000:]
    repaired = [line for line in done.stderr.splitlines() if "Repaired cache" in line and str(plot) in line]
    assert len(repaired) == 1 and repaired[0].startswith("INFO"), done.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "mkdocs.yml", "site"]
    assert f"Removed {tmp_path / left[0]}, left by a build that was stopped" in done.stderr
    assert not (site / "models" / "old").exists(), "the previous site was not replaced whole"
    assert (site / "models" / "vit-b-32" / "index.html").is_file()
    assert b"<svg" in (site / "figures" / "vit-b-32" / "depth.svg").read_bytes()[:2000]


def test_full_disk_while_mkdocs_writes_leaves_the_previous_site(tmp_path, warm_cache):
    """A file size limit stands in for a full disk: writes of more than 64 kB fail (EFBIG) once MkDocs is writing
    (the rendered site comes from the warm cache).  One message, exit 1, no traceback, the site as it was."""
    import resource

    limit = 64 * 1024
    yml = site_yml(tmp_path, {"weights": "random"})
    site = previous_site(tmp_path)
    before = snapshot_of(site)
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(yml), "-d", str(site)],
                          cwd=REPO, env=env_without_clip_docs(CLIP_DOCS_CACHE=str(warm_cache)), capture_output=True,
                          text=True, timeout=900,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "nothing changed: rendered-site cache" in proc.stderr, "the build wrote into the cache: not this test's case"
    errors = [line for line in proc.stdout.splitlines() + proc.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "File too large" in errors[0] and "free some disk space" in errors[0], \
        proc.stdout + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert snapshot_of(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "mkdocs.yml", "site"]


# --- no second process left behind ------------------------------------------------------------------------

BLOCKED_BUILD = r"""
import json, sys, time
from pathlib import Path
import gen.capture
from gen import build, config

def take_snapshot(plan, cfg, scope="full", arch=None):
    print("capturing", flush=True)  # the second process is at work on the catalog by now
    time.sleep(3600)

gen.capture.take_snapshot = take_snapshot
build.generate(config.load(json.loads(sys.argv[1]), base_dir=Path(sys.argv[2]), env={}))
"""


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_killed_build_leaves_no_second_process(tmp_path):
    extra = tiny_extra(tmp_path / "cache", jobs=2)
    args = [sys.executable, "-c", BLOCKED_BUILD, json.dumps(extra), str(tmp_path)]
    with subprocess.Popen(args, cwd=REPO, env=env_without_clip_docs(), stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout.readline().strip() == "capturing"
        helpers = children(proc.pid)
        assert helpers, "the build started no second process"  # the worker (and multiprocessing's resource tracker)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    files_at_kill = snapshot_of(tmp_path / "cache")
    deadline = time.monotonic() + 60  # generous: the worker watches its parent and exits at once
    while any(alive(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in helpers if alive(pid)] == [], "processes of the killed build are still running"
    assert snapshot_of(tmp_path / "cache") == files_at_kill, "the second process wrote after the build was killed"


def test_a_full_disk_while_mkdocs_writes_names_the_site_folder(tmp_path):
    """MkDocs' own write() fails with an OSError that names no file: the message names the site folder instead."""
    import errno

    from mkdocs.exceptions import PluginError

    from gen import mkdocs_hooks

    target, staging = tmp_path / "site", tmp_path / ".site.1.x.staging"
    staging.mkdir()
    mkdocs_hooks.STAGING.target, mkdocs_hooks.STAGING.folder = target, staging
    with pytest.raises(PluginError) as err:
        mkdocs_hooks.on_build_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    message = str(err.value)
    assert str(target) in message and "left as it was" in message and "No space left on device" in message
    assert "free space" in message and not staging.exists()

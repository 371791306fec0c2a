# Two cold builds from the same inputs give byte-identical pages, figures and Snapshots.
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"sitemap.xml", "sitemap.xml.gz"}  # MkDocs stamps these with the build date


def build(tmp: Path, name: str) -> Path:
    env = {**os.environ, "CLIP_DOCS_WEIGHTS": "random", "CLIP_DOCS_CACHE": str(tmp / f"cache-{name}"),
           "SOURCE_DATE_EPOCH": "1767225600", "DISABLE_MKDOCS_2_WARNING": "true", "NO_MKDOCS_2_WARNING": "1"}
    site = tmp / f"site-{name}"
    for cmd in ([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(site)],
                [sys.executable, "-m", "gen", "--snapshot-out", str(tmp / f"snapshots-{name}")]):
        run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-3000:]
    return tmp


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in SKIP}


def test_two_cold_builds_are_byte_identical(tmp_path: Path):
    build(tmp_path, "a")
    build(tmp_path, "b")
    for kind in ("site", "snapshots"):
        a, b = digests(tmp_path / f"{kind}-a"), digests(tmp_path / f"{kind}-b")
        assert a.keys() == b.keys(), f"{kind}: different file lists"
        differing = sorted(k for k in a if a[k] != b[k])
        assert not differing, f"{kind}: {len(differing)} files differ between two cold builds: {differing[:10]}"
    figures = [k for k in digests(tmp_path / "site-a") if k.startswith("figures/")]
    assert any(k.endswith(".pdf") for k in figures) and any(k.endswith(".svg") for k in figures)

"""Benchmark site builds; prints medians of several runs (no assertions).

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/bench.py [--runs 3] [--site vit|default|both]

For a ViT-B/32 site and for the default site (ViT-B/32 and RN50): cold build (empty cache), warm build
(nothing changed), rebuild after a template edit, a plain `mkdocs build` of the same generated Markdown
(no generator), peak memory; and, on the same model, torchinfo's summary and torchview's graph as
reference points.  Peak memory is the largest process of a build (the main one or the second one).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {**os.environ, "CLIP_DOCS_WEIGHTS": "random", "DISABLE_MKDOCS_2_WARNING": "true", "NO_MKDOCS_2_WARNING": "1"}
# Runs one command and reports its own peak RSS: each measured build is its own child process.
PEAK = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")


def timed(cmd: list[str], env: dict, cwd: Path = ROOT) -> tuple[float, int]:
    """Seconds and peak RSS (MiB) of one command."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PEAK, *cmd], env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{out.stderr}")
    return elapsed, int(out.stdout.strip()) // 1024


def report(label: str, samples: list[tuple[float, int]]) -> float:
    secs = [s for s, _ in samples]
    peak = max(m for _, m in samples)
    print(f"{label:<42} median {statistics.median(secs):6.2f} s   runs {', '.join(f'{s:.2f}' for s in secs)}   peak {peak} MiB")
    return statistics.median(secs)


# The targets are set for a ViT-B/32 site; the default site documents ViT-B/32 and RN50.
SITES = {"ViT-B/32 site": {"CLIP_DOCS_MODELS": "ViT-B/32"}, "default site (ViT-B/32, RN50)": {}}


def measure(label: str, extra_env: dict, runs: int, work: Path) -> None:
    env = {**ENV, **extra_env}
    mkdocs = [str(BIN / "mkdocs"), "build", "-q", "-d", str(work / "site")]
    cold = []
    for i in range(runs):
        cold.append(timed(mkdocs, {**env, "CLIP_DOCS_CACHE": str(work / f"cache-{i}")}))
    warm_env = {**env, "CLIP_DOCS_CACHE": str(work / "cache-0")}
    warm = [timed(mkdocs, warm_env) for _ in range(runs)]
    template = ROOT / "templates" / "block.md.j2"
    original = template.read_bytes()
    edited = []
    try:
        for i in range(runs):
            template.write_bytes(original + f"\n{{## bench edit {i} ##}}\n".encode())
            edited.append(timed(mkdocs, warm_env))
    finally:
        template.write_bytes(original)
    # the same pages, built by MkDocs alone from a folder of Markdown
    plain = work / "plain"
    shutil.rmtree(plain, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "gen", "--out", str(plain / "generated")], env=warm_env, cwd=ROOT,
                   check=True, capture_output=True)
    shutil.copytree(ROOT / "docs", plain / "docs")
    shutil.copytree(ROOT / "overrides", plain / "overrides")
    shutil.copytree(plain / "generated", plain / "docs", dirs_exist_ok=True)
    config = (ROOT / "mkdocs.yml").read_text()
    config = config.replace("hooks:\n  - gen/mkdocs_hooks.py\n", "").replace("watch:\n  - templates\n  - gen\n", "")
    config = config.replace("  - gen-files:\n      scripts:\n        - gen/gen_pages.py\n", "")
    (plain / "mkdocs.yml").write_text(config)
    plain_runs = [timed([str(BIN / "mkdocs"), "build", "-q", "-f", str(plain / "mkdocs.yml"), "-d", str(work / "plain-site")],
                        env, plain) for _ in range(runs)]

    print(f"{label}: {runs} runs each, {os.cpu_count()} cores")
    c = report("  cold build (empty cache)", cold)
    w = report("  warm build (nothing changed)", warm)
    report("  rebuild after a template edit", edited)
    p = report("  plain mkdocs build of the same Markdown", plain_runs)
    print(f"{'  warm / plain':<42} {w / p:.2f}x   (target 1.3x)")
    print(f"{'  cold build under 15 s':<42} {'yes' if c < 15 else 'no'} ({c:.2f} s)")
    probe = subprocess.run([sys.executable, "-X", "importtime", str(BIN / "mkdocs"), "build", "-q", "-d", str(work / "site")],
                           env=warm_env, cwd=ROOT, capture_output=True, text=True)
    imported = any(line.rstrip().endswith("| torch") for line in probe.stderr.splitlines())
    print(f"{'  warm build imports torch':<42} {'yes' if imported else 'no'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--site", choices=["vit", "default", "both"], default="both",
                        help="which configuration to measure (default: both)")
    args = parser.parse_args()
    chosen = {"vit": list(SITES)[:1], "default": list(SITES)[1:], "both": list(SITES)}[args.site]
    for label in chosen:
        work = Path(tempfile.mkdtemp(prefix="clip-docs-bench-"))
        try:
            measure(label, SITES[label], args.runs, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    reference(args.runs)


REFERENCE = """
import statistics, time, torch, clip
from gen import archs
torch.manual_seed(0)
model = clip.model.CLIP(**archs.KNOWN["ViT-B/32"].as_kwargs()).eval()
image = torch.zeros(1, 3, 224, 224); text = clip.tokenize(["a photo of a hand"])
def median(fn):
    out = []
    for _ in range(RUNS):
        t = time.perf_counter(); fn(); out.append(time.perf_counter() - t)
    return statistics.median(out)
try:
    import torchinfo
    secs = median(lambda: torchinfo.summary(model, input_data=[image, text], verbose=0))
    print("%-42s median %6.2f s" % ("torchinfo.summary (ViT-B/32)", secs))
except ImportError:
    print("torchinfo not installed: pip install -r bench/requirements.txt")
try:
    import torchview
    secs = median(lambda: torchview.draw_graph(model, input_data=[image, text], depth=3))
    print("%-42s median %6.2f s" % ("torchview.draw_graph (ViT-B/32)", secs))
except ImportError:
    print("torchview not installed: pip install -r bench/requirements.txt")
"""


def reference(runs: int) -> None:
    """torchinfo's summary and torchview's graph of the same model, for scale (model already built)."""
    subprocess.run([sys.executable, "-c", REFERENCE.replace("RUNS", str(runs))], cwd=ROOT, env=ENV, check=False,
                   stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()

"""Benchmark site builds; prints medians of several runs (no assertions).

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/bench.py [--runs 3] [--site vit|default|both|all]

For a ViT-B/32 site and for the default site (ViT-B/32 and RN50): cold build (empty cache), warm build
(nothing changed), rebuild after a template edit, a plain `properdocs build` of the same generated Markdown
(no generator), peak memory; and, on the same model, torchinfo's summary and torchview's graph as
reference points.  Peak memory is the largest process of a build (the main one or the second one).

`--site all` (all nine variants, one run unless --runs says otherwise, about ten minutes) also measures the
floor: importing torch and clip, building each of the nine models and passing one image and five prompts
through each, in one process; and prints the cold build against floor + plain, its peak memory against the
floor's, and the largest files of the site.
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


LOADS: list[float] = []  # the 1-minute load average after each measured command: other work on the machine skews ratios


def timed(cmd: list[str], env: dict, cwd: Path = ROOT) -> tuple[float, int]:
    """Seconds and peak RSS (MiB) of one command."""
    LOADS.append(os.getloadavg()[0])
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PEAK, *cmd], env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{out.stderr}")
    LOADS.append(os.getloadavg()[0])
    return elapsed, int(out.stdout.strip()) // 1024


def report(label: str, samples: list[tuple[float, int]]) -> float:
    secs = [s for s, _ in samples]
    peak = max(m for _, m in samples)
    print(f"{label:<42} median {statistics.median(secs):6.2f} s   runs {', '.join(f'{s:.2f}' for s in secs)}   peak {peak} MiB")
    return statistics.median(secs)


# The targets are set for a ViT-B/32 site; the default site documents ViT-B/32 and RN50.
SITES = {"ViT-B/32 site": {"CLIP_DOCS_MODELS": "ViT-B/32"}, "default site (ViT-B/32, RN50)": {},
         "all nine variants": {"CLIP_DOCS_MODELS": "all"}}
PROPERDOCS = str(BIN / "properdocs")


def measure(label: str, extra_env: dict, runs: int, work: Path) -> None:
    env = {**ENV, **extra_env}
    build_cmd = [PROPERDOCS, "build", "-q", "-f", "mkdocs.yml", "-d", str(work / "site")]
    cold = []
    for i in range(runs):
        cold.append(timed(build_cmd, {**env, "CLIP_DOCS_CACHE": str(work / f"cache-{i}")}))
    warm_env = {**env, "CLIP_DOCS_CACHE": str(work / "cache-0")}
    warm = [timed(build_cmd, warm_env) for _ in range(runs)]
    template = ROOT / "templates" / "block.md.j2"  # a template every site renders many times
    original = template.read_bytes()
    edited = []
    try:
        for i in range(runs):
            template.write_bytes(original + f"\n{{## bench edit {i} ##}}\n".encode())
            edited.append(timed(build_cmd, warm_env))
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
    plain_runs = [timed([PROPERDOCS, "build", "-q", "-f", str(plain / "mkdocs.yml"), "-d", str(work / "plain-site")],
                        env, plain) for _ in range(runs)]
    floor = [timed([sys.executable, "-c", FLOOR], env) for _ in range(runs)] if extra_env.get("CLIP_DOCS_MODELS") == "all" else []

    print(f"{label}: {runs} runs each, {os.cpu_count()} cores, load average {min(LOADS):.1f} to {max(LOADS):.1f} "
          f"while measuring (above the number of cores, other work skews the ratios)")
    c = report("  cold build (empty cache)", cold)
    w = report("  warm build (nothing changed)", warm)
    e = report("  rebuild after a template edit", edited)
    p = report("  plain properdocs build of the same Markdown", plain_runs)
    print(f"{'  warm / plain':<42} {w / p:.2f}x   (target 1.2x)")
    print(f"{'  template edit / plain':<42} {e / p:.2f}x")
    if floor:
        f = report("  floor: torch, clip, 9 models, 1 image + 5 prompts each", floor)
        cold_peak, floor_peak = max(m for _, m in cold), max(m for _, m in floor)
        print(f"{'  cold / (floor + plain)':<42} {c / (f + p):.2f}x   (target 1.5x)")
        print(f"{'  peak memory cold / floor':<42} {cold_peak / floor_peak:.2f}x   ({cold_peak} / {floor_peak} MiB, target 1.5x)")
        largest(work / "site")
    else:
        print(f"{'  cold build under 15 s':<42} {'yes' if c < 15 else 'no'} ({c:.2f} s)")
    probe = subprocess.run([sys.executable, "-X", "importtime", PROPERDOCS, "build", "-q", "-f", "mkdocs.yml",
                            "-d", str(work / "site")], env=warm_env, cwd=ROOT, capture_output=True, text=True)
    imported = any(line.rstrip().endswith("| torch") for line in probe.stderr.splitlines())
    print(f"{'  warm build imports torch':<42} {'yes' if imported else 'no'}")


# The floor of a nine-model build: what any tool documenting them by running them must do at least.
FLOOR = """
import torch, clip
from PIL import Image
from gen import archs, config
cfg = config.load(None, env={})
image = Image.open(cfg.images[0]).convert("RGB")
text = clip.tokenize(list(cfg.prompts))
for name in archs.available_models():
    torch.manual_seed(0)
    model = clip.model.CLIP(**archs.KNOWN[name].as_kwargs()).eval()
    pixels = clip.clip._transform(model.visual.input_resolution)(image).unsqueeze(0)
    with torch.no_grad():
        model(pixels, text)
    del model
"""


def largest(site: Path, shown: int = 6) -> None:
    """The site's size and its largest files (the print page and the search index among them)."""
    files = sorted(((p.stat().st_size, p.relative_to(site).as_posix()) for p in site.rglob("*") if p.is_file()),
                   reverse=True)
    print(f"{'  site size':<42} {sum(size for size, _ in files) / 1e6:.1f} MB in {len(files)} files")
    for size, rel in files[:shown]:
        print(f"{'':<4}{size / 1e6:8.1f} MB  {rel}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, help="runs of each build (default: 3, or 1 for --site all)")
    parser.add_argument("--site", choices=["vit", "default", "both", "all"], default="both",
                        help="which configuration to measure (default: both; all: the nine variants)")
    args = parser.parse_args()
    runs = args.runs or (1 if args.site == "all" else 3)
    names = list(SITES)
    chosen = {"vit": names[:1], "default": names[1:2], "both": names[:2], "all": names[2:]}[args.site]
    for label in chosen:
        work = Path(tempfile.mkdtemp(prefix="clip-docs-bench-"))
        try:
            measure(label, SITES[label], runs, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if args.site != "all":
        reference(runs)


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

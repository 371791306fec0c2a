"""What the training step adds to a cold capture: each documented model captured with and without the
training_* recipe chains (random weights, default samples); prints every run and the medians (no assertions).

    .venv/bin/python bench/training_step.py [--runs 3] [--models ViT-B/32,RN50]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--models", default="ViT-B/32,RN50")
    args = parser.parse_args()
    import gen.capture as capture
    from gen import config
    from gen.weights import WeightsPlan

    cfg = config.load({"cache": tempfile.mkdtemp(prefix="bench-training-")}, env={"CLIP_DOCS_WEIGHTS": "random"})
    chains = {"with": list(capture.FULL_CHAINS),
              "without": [c for c in capture.FULL_CHAINS if not any(r.startswith("training_") for r in c)]}
    times: dict[tuple[str, str], list[float]] = {}
    for run in range(args.runs):
        for model in args.models.split(","):
            for label, chain in chains.items():
                capture.FULL_CHAINS = chain
                started = time.monotonic()
                capture.take_snapshot(WeightsPlan(model, "random", None, None, 0), cfg, "full")
                times.setdefault((model, label), []).append(time.monotonic() - started)
                print(f"run {run}: {model} {label} training step: {times[model, label][-1]:.1f} s", flush=True)
    for model in args.models.split(","):
        with_, without = (statistics.median(times[model, label]) for label in ("with", "without"))
        print(f"{model}: median {with_:.1f} s with, {without:.1f} s without: +{with_ - without:.1f} s")


if __name__ == "__main__":
    main()

"""The fine-tuned comparisons a build needs: their weights, cache files, and reading (or capturing) them.

Deciding and reading never import torch; only a cache miss calls gen/capture/fine_tuned.py.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from gen import cache, download, weights
from gen.config import Config, FineTunedPair, file_sha256
from gen.fine_tuned import SCHEMA, FineTuned
from gen.store import Store, clip_versions, files_digest, version

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
GEN = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Target:
    pair: FineTunedPair
    base: weights.WeightsPlan    # the base as it resolves: a file, or the seeded architecture
    tuned_sha256: str
    path: Path                   # cache file of the comparison


def sample_batch(cfg: Config) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """The images and prompts each comparison runs through both models: the build's sample inputs."""
    return cfg.images, cfg.prompts


def base_plan(cfg: Config, pair: FineTunedPair, checksums: Store) -> weights.WeightsPlan:
    """`base: pretrained` resolves as `weights` does for the model (random mode: the seeded model); a path is used as it is."""
    if pair.base is None:
        return weights.plan(dataclasses.replace(cfg, models=(pair.model,)), pair.model, checksums)
    digest = weights.checkpoint_sha256(pair.base, checksums)
    official = pair.model in download.MODEL_URLS and digest == download.expected_sha256(pair.model)
    return weights.WeightsPlan(pair.model, "pretrained", pair.base, digest, None, official=official)


def code_version() -> str:
    return files_digest([*cache.CAPTURE_CODE, GEN / "fine_tuned.py"], GEN)


def facts(cfg: Config, pair: FineTunedPair, base: weights.WeightsPlan, tuned_sha256: str) -> dict:
    """Everything a comparison depends on: both files, versions, code and the sample batch."""
    images, prompts = sample_batch(cfg)
    return {
        "schema": SCHEMA, "name": pair.name, "model": pair.model, "base": base.identity, "tuned": tuned_sha256,
        "clip": clip_versions(),
        "torch": version("torch"), "torchvision": version("torchvision"), "code": code_version(),
        "images": [[p.name, file_sha256(p)] for p in images], "prompts": list(prompts),
    }


def targets(cfg: Config, store: Store) -> list[Target]:
    """One Target per configured pair; weights problems (a base checkpoint missing in pretrained mode) fail here."""
    out = []
    for pair in cfg.fine_tuned:
        base = base_plan(cfg, pair, store)
        tuned = weights.checkpoint_sha256(pair.checkpoint, store)
        entry = store.entry("fine-tuned", facts(cfg, pair, base, tuned), pair.slug, ".json")
        out.append(Target(pair, base, tuned, entry))
    return out


def collect(cfg: Config, store: Store, found: list[Target] | None = None, arch=None) -> list[FineTuned]:
    """Every comparison, from the cache when its fingerprint matches, else captured (`arch`: tests' tiny one)."""
    out = []
    for target in targets(cfg, store) if found is None else found:
        compared = cache.read(store, target.path, FineTuned)
        if compared is None:
            from gen.capture.fine_tuned import take  # torch, only on a cache miss

            compared = take(target.pair, target.base, target.tuned_sha256, sample_batch(cfg), arch=arch)
            cache.write(store, target.path, compared)
        else:
            log.debug("Fine-tuned comparison %s from cache %s", target.pair.name, target.path)
        out.append(compared)
    return out

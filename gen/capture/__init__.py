"""Capture: the only stage that imports torch and clip.  Model in, Snapshot out."""
from __future__ import annotations

import functools
import importlib.metadata
import inspect
import logging
import os
import platform
import time
from datetime import datetime, timezone

from gen import archs
from gen.capture_facts import generator_version
from gen.config import Config
from gen.config import inputs as config_inputs
from gen.errors import ConfigError
from gen.snapshot import SCHEMA, ModelInfo, Provenance, Snapshot, WeightsInfo
from gen.store import KNOWN_CLIP_DISTRIBUTIONS  # looked at first: scanning all is slow
from gen.weights import WeightsPlan

log = logging.getLogger(f"mkdocs.plugins.{__name__}")

# What runs for a documented model, in chains; a chain that changes the model runs on a copy.
FULL_CHAINS = [
    ["print_model"], ["print_visual"], ["print_text"], ["parameter_count"], ["embeddings"],
    ["projections"], ["forward_image"], ["forward_text"], ["logits"], ["vision_vs_text"],
    ["pca"], ["activations"],
    # inside the computation: tokenizer, causal mask, preprocessing, attention maps, norms through depth
    ["tokenizer"], ["causal_mask"], ["preprocessing"], ["image_grid"], ["attention_image"], ["attention_text"],
    ["depth_image"], ["depth_text"], ["residual_stream"],
    ["freeze_visual"], ["unfreeze_last"], ["projection_mistake"], ["replace_projection", "alignment_check"],
    # what changes when training starts, and one training step in the fine-tuning setup: last, on the model itself
    ["training_batchnorm"], ["training_precision"], ["training_resolution"],
    ["training_setup", "training_step", "training_gradients", "training_optimizer"],
]
STRUCTURE_CHAINS = [["print_model"], ["print_visual"], ["parameter_count"], ["forward_image"]]
MUTATING = {"freeze_visual", "unfreeze_last", "replace_projection", "training_setup", "training_batchnorm",
            "training_precision", "training_resolution"}
NEED_ALIGNED = {"logits", "pca"}  # need image and text embeddings of one width


@functools.lru_cache(maxsize=1)
def clip_distribution() -> tuple[str, str]:
    """Which installed distribution provides the `clip` import name, and its version."""
    for name in KNOWN_CLIP_DISTRIBUTIONS:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if any(str(f) == "clip/__init__.py" for f in dist.files or ()):
            return dist.metadata["Name"], dist.version
    for name in importlib.metadata.packages_distributions().get("clip", []):
        return name, importlib.metadata.version(name)
    return "unknown", "unknown"


def build_time() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.replace(microsecond=0).isoformat()


def provenance() -> Provenance:
    dist, version = clip_distribution()
    return Provenance(
        clip_distribution=dist,
        clip_version=version,
        torch=importlib.metadata.version("torch"),
        python=platform.python_version(),
        graphviz="",
        generator=generator_version(),
        captured_at=build_time(),
    )


def check_prompts(prompts: tuple[str, ...], context_length: int) -> None:
    """A prompt that does not fit the context fails the build, naming the prompt and the limit."""
    from clip.clip import _tokenizer

    for prompt in prompts:
        n = len(_tokenizer.encode(prompt)) + 2  # start and end tokens
        if n > context_length:
            raise ConfigError(
                f"Prompt {prompt!r} is {n} tokens long (start and end tokens included); CLIP's text "
                f"context holds {context_length}. Shorten it where it is set: a caption in extra.clip_docs.samples, "
                f"or extra.clip_docs.distractors (extra.clip_docs.prompts in older configurations)."
            )


def take_snapshot(plan: WeightsPlan, cfg: Config, scope: str = "full", arch: archs.ArchConfig | None = None) -> Snapshot:
    """Load the model `plan` names, run it, and record everything the site shows.

    `arch` replaces the known architecture of `plan.model`; the unit tests pass a tiny one.
    """
    import clip
    import torch
    from PIL import Image
    from torch import nn

    from gen.capture import modules, run, shared
    from gen.capture.load import load

    arch = arch or archs.KNOWN[plan.model]
    started = time.monotonic()
    log.info("Capturing %s (%s weights, %s)", plan.model, plan.mode, scope)
    torch.set_num_threads(max(1, min(torch.get_num_threads(), os.cpu_count() or 1)))
    loaded = load(plan, arch)  # a checkpoint's own architecture wins over the table's
    model, preprocess, arch = loaded.model, loaded.preprocess, loaded.arch
    check_prompts(cfg.prompts, arch.context_length)  # the context of the model as loaded
    images = {path.name: Image.open(path).convert("RGB") for path in cfg.images}
    batch_images = list(images.values())  # pair order: batch_images[i] is captioned by captions[i]
    image = batch_images[0]
    with torch.no_grad():
        image_input = preprocess(image).unsqueeze(0)
        text_input = clip.tokenize(list(cfg.prompts))
    log.info("  %s: forward pass with hooks", plan.model)
    if model.visual.output_dim == model.text_projection.shape[1]:
        forward = lambda: model(image_input, text_input)  # noqa: E731
    else:  # a fine-tuned checkpoint whose towers no longer meet: run them apart
        log.info("  %s: image and text embeddings differ in width; running the towers separately", plan.model)
        forward = lambda: (model.encode_image(image_input), model.encode_text(text_input))  # noqa: E731
    passes = shared.Passes(model)  # the recipes' encoder passes on these inputs are this one's, not made again
    with passes.recording(model):
        seen, flops = modules.forward_with_records(model, forward)
    module_records = modules.module_records(model, seen, flops)
    param_records = modules.param_records(model)

    namespace = {
        "model": model, "clip": clip, "torch": torch, "nn": nn, "preprocess": preprocess,
        "image": image, "images": images, "prompts": list(cfg.prompts),
        "batch_images": batch_images, "captions": list(cfg.captions), "distractors": list(cfg.distractors),
        "unfreeze_last": cfg.unfreeze_last, "replacement_width": cfg.replacement_width,
    }
    chains = FULL_CHAINS if scope == "full" else STRUCTURE_CHAINS
    if model.visual.output_dim != model.text_projection.shape[1]:
        chains = [[r for r in chain if r not in NEED_ALIGNED] for chain in chains]
        chains = [chain for chain in chains if chain]
    log.info("  %s: running %d recipes", plan.model, sum(len(c) for c in chains))
    classes = {type(m) for m in model.modules() if type(m).__module__.startswith("clip")}
    sources = {cls.__name__: inspect.getsource(cls) for cls in sorted(classes, key=lambda c: c.__name__)}
    dtype = str(next(model.parameters()).dtype)
    torch.manual_seed(cfg.seed)
    # nothing uses the model after the recipes: the last chain may change it itself instead of a copy
    recipes = run.run_all(chains, namespace, plan.model, MUTATING, arch.kind, passes, last_takes_model=True)
    ordered = {name: recipes[name] for chain in chains for name in chain}

    snapshot = Snapshot(
        schema=SCHEMA,
        scope=scope,
        model=ModelInfo(name=plan.model, slug=archs.slug(plan.model), kind=arch.kind, arch=arch,
                        dtype=dtype),
        weights=WeightsInfo(
            mode=plan.mode,
            source=plan.file_name if plan.checkpoint else f"torch.manual_seed({plan.seed}); clip.model.CLIP(**config)",
            sha256=plan.sha256, seed=plan.seed, official=plan.official),
        provenance=provenance(),
        inputs=config_inputs(cfg),
        modules=module_records,
        parameters=param_records,
        recipes=ordered,
        sources=sources,
    )
    log.info("  %s: captured in %.1f s", plan.model, time.monotonic() - started)
    return snapshot

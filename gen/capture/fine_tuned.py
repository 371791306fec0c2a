"""Capture what a fine-tuned checkpoint changed against its base: tensor by tensor, by depth, on the sample batch."""
from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from pathlib import Path

import clip
import torch

from gen import archs
from gen.capture import check_prompts, provenance
from gen.capture import load
from gen.config import FineTunedPair
from gen.errors import LoadError
from gen.fine_tuned import (SCHEMA, CheckpointInfo, DepthPoint, Embeddings, FineTuned, Reshaped, TensorChange)
from gen.weights import WeightsPlan

log = logging.getLogger(f"mkdocs.plugins.{__name__}")


def take(pair: FineTunedPair, plan: WeightsPlan, tuned_sha256: str, batch,
         arch: archs.ArchConfig | None = None) -> FineTuned:
    """Load both models, compare their tensors, and run the sample batch `(images, prompts)` through each.

    `arch` replaces the known architecture of `pair.model` (the tests use a tiny one)."""
    started = time.monotonic()
    log.info("Comparing fine-tuned %s with its base (%s weights)", pair.name, plan.mode)
    torch.set_num_threads(max(1, min(torch.get_num_threads(), os.cpu_count() or 1)))
    expected = arch or archs.KNOWN[pair.model]
    with _about(pair, "checkpoint"):
        tuned_raw, tuned_format = load.read_state_dict(pair.checkpoint, pair.model)
    tuned_raw = {k: v.detach() for k, v in tuned_raw.items() if k not in load.NON_PARAMETER_KEYS and torch.is_tensor(v)}
    early = _derivable(tuned_raw)  # a whole checkpoint is checked before the base loads
    if early is not None:
        _check(early, expected, pair, "checkpoint", pair.checkpoint)
    if pair.base is None:  # resolved like `weights`: OpenAI's file, or the seeded architecture
        loaded = load.load(plan, expected)
        base_model, base_arch, base_format = loaded.model, loaded.arch, loaded.format
    else:
        with _about(pair, "base"):
            base_model, base_arch, base_format = _from_file(pair.base, pair, expected)
    base_sd = {k: v.detach() for k, v in base_model.state_dict().items()}
    with _about(pair, "checkpoint"):
        tuned_model = _tuned(tuned_raw, base_sd, pair, expected)
    images, prompts = batch
    check_prompts(tuple(prompts), base_arch.context_length)
    before, after, image_moved, text_moved = _embeddings(base_model, tuned_model, base_arch, images, prompts)
    stats = {name: _stats(old, tuned_raw[name]) for name, old in base_sd.items()
             if name in tuned_raw and tuple(old.shape) == tuple(tuned_raw[name].shape)}
    parameters = {name for name, _ in base_model.named_parameters()}
    changed = tuple(_change(name, base_sd[name], stats[name], name in parameters)
                    for name in base_sd if name in stats and not stats[name]["equal"])
    reshaped = tuple(Reshaped(k, tuple(v.shape), tuple(tuned_raw[k].shape))
                     for k, v in base_sd.items() if k in tuned_raw and k not in stats)
    result = FineTuned(
        schema=SCHEMA, name=pair.name, slug=pair.slug, model=pair.model, kind=base_arch.kind,
        base=_info(plan, base_format),
        tuned=CheckpointInfo("pretrained", pair.checkpoint.name, tuned_sha256, tuned_format),
        provenance=provenance(), images=tuple(p.name for p in images), prompts=tuple(prompts),
        tensors=len(base_sd), identical=sum(1 for s in stats.values() if s["equal"]), changed=changed,
        added=tuple(k for k in tuned_raw if k not in base_sd), removed=tuple(k for k in base_sd if k not in tuned_raw),
        reshaped=reshaped,
        depth_image=_depth(labels(base_arch, "image"), base_sd, tuned_raw, stats, "image"),
        depth_text=_depth(labels(base_arch, "text"), base_sd, tuned_raw, stats, "text"),
        before=before, after=after, image_moved=image_moved, text_moved=text_moved)
    log.info("  %s: %d tensors changed, %d identical, %d reshaped; compared in %.1f s", pair.name, len(changed),
             result.identical, len(reshaped), time.monotonic() - started)
    return result


def _info(plan: WeightsPlan, fmt: str) -> CheckpointInfo:
    source = plan.file_name or f"clip.model.CLIP(**config), torch.manual_seed({plan.seed})"
    return CheckpointInfo(plan.mode, source, plan.sha256, fmt, plan.seed, plan.official)


@contextlib.contextmanager
def _about(pair: FineTunedPair, role: str):
    """A loader's LoadError, said of the fine_tuned entry; random weights would not help, so that advice goes."""
    try:
        yield
    except LoadError as err:
        message = str(err)
        if message.startswith("extra.clip_docs.fine_tuned"):
            raise
        for advice in (f", {load.RANDOM_FIX}", f"; {load.RANDOM_FIX}"):
            message = message.replace(advice, "")
        raise LoadError(f"extra.clip_docs.fine_tuned entry {pair.name!r}, `{role}:`: {message} "
                        f"Fix `{role}:` of that entry.") from None


# --- loading -----------------------------------------------------------------------------------------------------

def _check(derived: archs.ArchConfig, expected: archs.ArchConfig, pair: FineTunedPair, role: str, path: Path) -> None:
    """Both files must be the variant the entry names (projection widths may differ)."""
    differs = [f for f in load.IDENTITY_FIELDS if getattr(derived, f) != getattr(expected, f)]
    if not differs:
        return
    like = next((name for name, a in archs.KNOWN.items()
                 if all(getattr(a, f) == getattr(derived, f) for f in load.IDENTITY_FIELDS)), None)
    fix = f"set `model: {like}` if it was fine-tuned from {like}" if like else "set `model:` to the variant it was fine-tuned from"
    raise LoadError(
        f"extra.clip_docs.fine_tuned entry {pair.name!r}: the {role} {str(path)!r} is not a {pair.model}: it has "
        f"{load.describe(derived)}, {pair.model} has {load.describe(expected)} (differing: {', '.join(differs)}). "
        f"Point `{role}:` at a checkpoint of {pair.model}, or {fix}."
    )


def _derivable(state: dict) -> archs.ArchConfig | None:
    """The architecture of a whole CLIP state dict; None for a partial one (only some tensors saved)."""
    try:
        return load.derive_arch(state)
    except (KeyError, IndexError, AttributeError, ValueError, TypeError):
        return None


def _from_file(path: Path, pair: FineTunedPair, expected: archs.ArchConfig):
    """A base checkpoint named by path: (model, its architecture, its format)."""
    raw, fmt = load.read_state_dict(path, pair.model)
    derived = _derivable(raw)
    if derived is None:
        raise LoadError(f"extra.clip_docs.fine_tuned entry {pair.name!r}: the base {str(path)!r} is not a whole CLIP "
                        f"checkpoint; point `base:` at the file the fine-tune started from, or write `base: pretrained`.")
    _check(derived, expected, pair, "base", path)
    model, _ = load.build(raw, derived, path, pair.model)
    return model.float().eval(), derived, fmt


def _tuned(raw: dict, base: dict, pair: FineTunedPair, expected: archs.ArchConfig):
    """The fine-tuned model; tensors its file lacks (a checkpoint of only the trained ones) come from the base."""
    if not any(k in base for k in raw):
        raise LoadError(f"extra.clip_docs.fine_tuned entry {pair.name!r}: {str(pair.checkpoint)!r} holds no tensor "
                        f"of CLIP {pair.model}; point `checkpoint:` at a state dict or TorchScript archive of the "
                        f"fine-tuned CLIP model (torch.save(model.state_dict(), path)).")
    missing = [k for k in base if k not in raw]
    if missing:
        log.info("%s: %d tensors are not in %s; the base's are used for them", pair.name, len(missing), pair.checkpoint)
    merged = {k: raw.get(k, v) for k, v in base.items()}
    derived = load.derive_arch(merged)
    _check(derived, expected, pair, "checkpoint", pair.checkpoint)
    model, _ = load.build(merged, derived, pair.checkpoint, pair.model)
    return model.float().eval()


# --- tensors -------------------------------------------------------------------------------------------------------

def _stats(old: torch.Tensor, new: torch.Tensor) -> dict:
    """Norms and dot product; `equal`: the same values (float16 and float32 copies compare equal).

    Changed tensors are measured in float64, so that a cosine near 1 keeps its digits; an unchanged one only
    needs its norm (for the change by depth), taken in float32, which is much faster on a large model."""
    a, b = old.float().flatten(), new.float().flatten()
    if torch.equal(a, b):
        norm2 = float(torch.dot(a, a))
        return {"equal": True, "delta2": 0.0, "base2": norm2, "tuned2": norm2, "dot": norm2}
    a, b = a.double(), b.double()
    return {"equal": False, "delta2": float(((b - a) ** 2).sum()), "base2": float((a * a).sum()),
            "tuned2": float((b * b).sum()), "dot": float((a * b).sum())}


def _change(name: str, old: torch.Tensor, st: dict, parameter: bool) -> TensorChange:
    base, tuned = st["base2"] ** 0.5, st["tuned2"] ** 0.5
    return TensorChange(
        name=name, shape=tuple(old.shape), count=old.numel(), delta_norm=st["delta2"] ** 0.5,
        relative=st["delta2"] ** 0.5 / base if base > 0 else None,
        cosine=max(-1.0, min(1.0, st["dot"] / (base * tuned))) if base > 0 and tuned > 0 else None,
        parameter=parameter)


def labels(arch: archs.ArchConfig, tower: str) -> list[str]:
    """Depth positions of a tower, in forward order: input, each block, output."""
    if tower == "text":
        blocks = [str(i) for i in range(arch.transformer_layers)]
    elif arch.kind == "vit":
        blocks = [str(i) for i in range(arch.vision_layers)]
    else:
        blocks = [f"layer{s}.{j}" for s, n in enumerate(arch.vision_layers, start=1) for j in range(n)]
    return ["input", *blocks, "output"]


TEXT_INPUT = ("token_embedding.", "positional_embedding")
TEXT_OUTPUT = ("ln_final.", "text_projection")
IMAGE_OUTPUT = ("visual.ln_post.", "visual.proj", "visual.attnpool.")


def position(name: str) -> tuple[str, str] | None:
    """(tower, depth label) of a tensor; None for logit_scale and names outside CLIP."""
    block = re.match(r"visual\.transformer\.resblocks\.(\d+)\.|visual\.(layer\d+\.\d+)\.|transformer\.resblocks\.(\d+)\.", name)
    if block:
        return ("text", block[3]) if block[3] is not None else ("image", block[1] or block[2])
    if name.startswith("visual."):
        return "image", "output" if name.startswith(IMAGE_OUTPUT) else "input"
    if name.startswith(TEXT_INPUT):
        return "text", "input"
    if name.startswith(TEXT_OUTPUT):
        return "text", "output"
    return None


def _depth(order: list[str], base: dict, tuned: dict, stats: dict, tower: str) -> tuple[DepthPoint, ...]:
    groups = {label: {"tensors": 0, "changed": 0, "replaced": 0, "delta2": 0.0, "base2": 0.0, "same": 0}
              for label in order}
    for name in dict.fromkeys([*base, *tuned]):
        where = position(name)
        if where is None or where[0] != tower or where[1] not in groups:
            continue
        g = groups[where[1]]
        g["tensors"] += 1
        if name not in stats:  # reshaped, added or removed
            g["replaced"] += 1
            g["changed"] += 1
            continue
        g["same"] += 1
        g["changed"] += not stats[name]["equal"]
        g["delta2"] += stats[name]["delta2"]
        g["base2"] += stats[name]["base2"]
    return tuple(DepthPoint(label, g["tensors"], g["changed"],
                            (g["delta2"] ** 0.5 / g["base2"] ** 0.5) if g["same"] and g["base2"] > 0 else None,
                            g["replaced"]) for label, g in groups.items())


# --- the sample batch ------------------------------------------------------------------------------------------------

def _embed(model, pixels: torch.Tensor, tokens: torch.Tensor):
    with torch.no_grad():
        image = model.encode_image(pixels).float()
        text = model.encode_text(tokens).float()
        image = image / image.norm(dim=-1, keepdim=True)
        text = text / text.norm(dim=-1, keepdim=True)
        cosine = (image @ text.T).tolist() if image.shape[1] == text.shape[1] else None
        scale = float(model.logit_scale.exp())
    found = Embeddings(image.shape[1], text.shape[1],
                       tuple(tuple(row) for row in cosine) if cosine is not None else None, scale)
    return image, text, found


def _embeddings(base_model, tuned_model, arch: archs.ArchConfig, images, prompts):
    """Similarity matrices before and after, and how far each embedding moved (cosine, where widths match)."""
    from PIL import Image

    preprocess = clip.clip._transform(arch.image_resolution)
    pixels = torch.stack([preprocess(Image.open(p).convert("RGB")) for p in images])
    tokens = clip.tokenize(list(prompts))
    base_image, base_text, before = _embed(base_model, pixels, tokens)
    tuned_image, tuned_text, after = _embed(tuned_model, pixels, tokens)

    def moved(a: torch.Tensor, b: torch.Tensor):
        return tuple((a * b).sum(dim=-1).tolist()) if a.shape[1] == b.shape[1] else None
    return before, after, moved(base_image, tuned_image), moved(base_text, tuned_text)

# Tiny CLIP checkpoints for the loading tests, in both formats clip.load reads: state dict and traced JIT archive.
from __future__ import annotations

import warnings
from pathlib import Path

import clip
import torch
from torch import nn

from gen import archs

TINY_VIT = archs.ArchConfig(
    embed_dim=16, image_resolution=32, vision_layers=2, vision_width=64, vision_patch_size=16,
    context_length=77, vocab_size=49408, transformer_width=64, transformer_heads=1, transformer_layers=2,
)
# The smallest ModifiedResNet clip builds sensibly: stem width 8 gives 4 attention-pool heads of 64.
TINY_RESNET = archs.ArchConfig(
    embed_dim=16, image_resolution=64, vision_layers=(1, 1, 1, 1), vision_width=8, vision_patch_size=None,
    context_length=77, vocab_size=49408, transformer_width=64, transformer_heads=1, transformer_layers=1,
)


def tiny_model(arch: archs.ArchConfig = TINY_VIT, seed: int = 1) -> clip.model.CLIP:
    """A tiny CLIP with every parameter filled (text_projection and positional_embedding start empty in clip)."""
    torch.manual_seed(seed)
    model = clip.model.CLIP(**arch.as_kwargs()).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.02)
    return model


def finetuned(model: clip.model.CLIP, width: int = 256, text: bool = False) -> clip.model.CLIP:
    """Replace the image projection (and, if `text`, the text one) by `width`-wide ones, as a fine-tune does."""
    torch.manual_seed(7)
    if isinstance(model.visual, clip.model.VisionTransformer):
        model.visual.proj = nn.Parameter(torch.randn(model.visual.proj.shape[0], width))
    else:
        c_proj = model.visual.attnpool.c_proj
        model.visual.attnpool.c_proj = nn.Linear(c_proj.in_features, width)
    if text:
        model.text_projection = nn.Parameter(torch.randn(model.text_projection.shape[0], width))
    return model


def save_state_dict(model: nn.Module, path: Path) -> dict[str, torch.Tensor]:
    state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.save(state, path)
    return state


def save_jit(model: clip.model.CLIP, path: Path, resolution: int, half: bool = False) -> dict[str, torch.Tensor]:
    """Trace model(image, text) and save it, as OpenAI's archives were made (torch.jit.script fails on CLIP).

    `half` stores float16 tensors, as OpenAI's files do (the trace itself runs in float32).
    """
    image = torch.randn(1, 3, resolution, resolution)
    text = clip.tokenize(["a photo of a hand"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings and torch.jit's deprecation notice
        traced = torch.jit.trace(model, (image, text))
        if half:
            traced.half()
        torch.jit.save(traced, str(path))
    return {k: v.clone() for k, v in traced.state_dict().items()}


def truncated_copy(source: Path, dest: Path) -> Path:
    data = source.read_bytes()
    dest.write_bytes(data[: len(data) // 2])
    return dest

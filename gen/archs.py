"""Known CLIP architectures, as plain data: used where no checkpoint is at hand.

Each entry holds the arguments of `clip.model.CLIP(...)`, named as `clip.model.build_model`
derives them from a state dict (a test checks that the two agree).  Nothing here imports torch.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ArchConfig:
    embed_dim: int                      # width of the shared image-text space
    image_resolution: int               # input side in pixels
    vision_layers: int | tuple[int, ...]  # ViT: blocks; ResNet: bottlenecks per stage
    vision_width: int                   # ViT: token width; ResNet: stem width
    vision_patch_size: int | None       # ViT only
    context_length: int                 # text tokens per prompt
    vocab_size: int                     # BPE vocabulary
    transformer_width: int              # text transformer width
    transformer_heads: int
    transformer_layers: int

    @property
    def kind(self) -> str:
        return "resnet" if isinstance(self.vision_layers, tuple) else "vit"

    def as_kwargs(self) -> dict:
        return {
            "embed_dim": self.embed_dim,
            "image_resolution": self.image_resolution,
            "vision_layers": self.vision_layers,
            "vision_width": self.vision_width,
            "vision_patch_size": self.vision_patch_size,
            "context_length": self.context_length,
            "vocab_size": self.vocab_size,
            "transformer_width": self.transformer_width,
            "transformer_heads": self.transformer_heads,
            "transformer_layers": self.transformer_layers,
        }


def _vit(embed, res, layers, width, patch, twidth, tlayers=12):
    return ArchConfig(embed, res, layers, width, patch, 77, 49408, twidth, twidth // 64, tlayers)


def _rn(embed, res, layers, width, twidth, tlayers=12):
    return ArchConfig(embed, res, tuple(layers), width, None, 77, 49408, twidth, twidth // 64, tlayers)


# Order follows clip.available_models().
KNOWN: dict[str, ArchConfig] = {
    "RN50": _rn(1024, 224, (3, 4, 6, 3), 64, 512),
    "RN101": _rn(512, 224, (3, 4, 23, 3), 64, 512),
    "RN50x4": _rn(640, 288, (4, 6, 10, 6), 80, 640),
    "RN50x16": _rn(768, 384, (6, 8, 18, 8), 96, 768),
    "RN50x64": _rn(1024, 448, (3, 15, 36, 10), 128, 1024),
    "ViT-B/32": _vit(512, 224, 12, 768, 32, 512),
    "ViT-B/16": _vit(512, 224, 12, 768, 16, 512),
    "ViT-L/14": _vit(768, 224, 24, 1024, 14, 768),
    "ViT-L/14@336px": _vit(768, 336, 24, 1024, 14, 768),
}


def available_models() -> list[str]:
    return list(KNOWN)


def slug(name: str) -> str:
    """URL slug of a model name: 'ViT-L/14@336px' -> 'vit-l-14-336px'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")

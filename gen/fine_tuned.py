"""What a fine-tuned checkpoint changed against its base: plain data with a JSON round-trip (no torch).

Captured by gen/capture/fine_tuned.py, cached by gen/fine_tuned_plan.py, rendered by gen/render/fine_tuned.py.
Bump SCHEMA whenever a field changes meaning; the cache key includes it.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from gen.snapshot import Provenance, Shape, decode_versioned

SCHEMA = 1


@dataclass(frozen=True)
class CheckpointInfo:
    mode: str                  # "pretrained" (a file) | "random" (the seeded architecture)
    source: str                # file name, or "clip.model.CLIP(**config), torch.manual_seed(0)"
    sha256: str | None         # of the file; None in random mode
    format: str                # "jit" | "state_dict" | "random"
    seed: int | None = None    # random mode only
    official: bool = False     # the file OpenAI released for the model (SHA-256 as published)


@dataclass(frozen=True)
class TensorChange:
    name: str                  # "visual.transformer.resblocks.11.mlp.c_fc.weight"
    shape: Shape
    count: int                 # values in the tensor
    delta_norm: float          # ‖W_tuned − W_base‖ (Frobenius)
    relative: float | None     # ‖ΔW‖ / ‖W_base‖; None when the base tensor is all zeros
    cosine: float | None       # between the flattened base and tuned values; None when either is all zeros
    parameter: bool            # an nn.Parameter (has a ledger row); False for a buffer (BatchNorm statistics)


@dataclass(frozen=True)
class Reshaped:
    name: str
    base_shape: Shape
    tuned_shape: Shape


@dataclass(frozen=True)
class DepthPoint:
    label: str                 # "input", "0", "1", ..., "output" (ResNet blocks: "layer4.2")
    tensors: int               # tensors in this group, in either file
    changed: int               # of them: changed values, reshaped, added or removed
    relative: float | None     # sqrt(Σ‖ΔW‖²) / sqrt(Σ‖W_base‖²) over the group's same-shape tensors
    replaced: int              # tensors reshaped, added or removed (not in `relative`)


@dataclass(frozen=True)
class Embeddings:
    """The sample batch through one model: widths, and the similarity matrix when the widths meet."""
    image_width: int
    text_width: int
    cosine: tuple[tuple[float, ...], ...] | None  # images x prompts; None when the widths differ
    logit_scale_exp: float


@dataclass(frozen=True)
class FineTuned:
    schema: int
    name: str                  # "HandCLIP"
    slug: str                  # "handclip"
    model: str                 # "ViT-B/32"
    kind: str                  # "vit" | "resnet"
    base: CheckpointInfo
    tuned: CheckpointInfo
    provenance: Provenance
    images: tuple[str, ...]    # the sample batch: image file names
    prompts: tuple[str, ...]   # and prompts
    tensors: int               # tensors in the base state dict (parameters and buffers)
    identical: int             # of them bit-identical in the tuned file (same shape, same values)
    changed: tuple[TensorChange, ...]  # base state-dict order
    added: tuple[str, ...]     # in the tuned file only
    removed: tuple[str, ...]   # in the base only
    reshaped: tuple[Reshaped, ...]
    depth_image: tuple[DepthPoint, ...]  # input, each block, output of the image tower
    depth_text: tuple[DepthPoint, ...]   # the same for the text tower
    before: Embeddings
    after: Embeddings
    image_moved: tuple[float, ...] | None  # cosine(base, tuned) image embedding per image; None if widths differ
    text_moved: tuple[float, ...] | None   # the same per prompt

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "FineTuned":
        return decode_versioned(cls, text, SCHEMA, "fine-tuned comparison")

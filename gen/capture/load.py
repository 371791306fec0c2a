"""Load a CLIP model for capture: a pretrained checkpoint, or the seeded architecture."""
from __future__ import annotations

import logging

import clip
import torch

from gen import archs
from gen.errors import LoadError
from gen.weights import WeightsPlan

log = logging.getLogger(f"mkdocs.plugins.{__name__}")


def load_model(plan: WeightsPlan, arch: archs.ArchConfig | None = None):
    """Return (model, preprocess) on the CPU in float32, in eval mode.

    `arch` overrides the known architecture of `plan.model` (tests use a tiny one).
    """
    arch = arch or archs.KNOWN[plan.model]
    if plan.mode == "random":
        torch.manual_seed(plan.seed)
        model = clip.model.CLIP(**arch.as_kwargs())
        preprocess = clip.clip._transform(arch.image_resolution)
    else:
        log.info("Loading %s from %s", plan.model, plan.checkpoint)
        try:
            model, preprocess = clip.load(str(plan.checkpoint), device="cpu", jit=False)
        except Exception as err:  # clip raises bare RuntimeErrors for unreadable files
            raise LoadError(
                f"Could not load {plan.model} from {str(plan.checkpoint)!r}: {err}. "
                f"Replace the file with a CLIP checkpoint, or build with CLIP_DOCS_WEIGHTS=random."
            ) from err
    return model.float().eval(), preprocess

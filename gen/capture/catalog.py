"""Architecture facts for every CLIP variant, captured on torch's meta device (no weights, no memory)."""
from __future__ import annotations

import logging

import torch

from gen import archs
from gen.capture.modules import ATTENTION_MODULES, forward_with_records
from gen.snapshot import CatalogEntry

log = logging.getLogger(f"mkdocs.plugins.{__name__}")


def _count(params) -> int:
    return sum(p.numel() for p in params)


def _heads(tower) -> int:
    """`num_heads` of the tower's first attention module: as built, not as a formula says."""
    return next(m.num_heads for m in tower.modules() if type(m).__name__ in ATTENTION_MODULES)


def entry(name: str) -> CatalogEntry:
    import clip

    arch = archs.KNOWN[name]
    with torch.device("meta"):
        model = clip.model.CLIP(**arch.as_kwargs()).eval()
        image = torch.zeros(1, 3, arch.image_resolution, arch.image_resolution)
        text = torch.zeros(1, arch.context_length, dtype=torch.long)
    _, image_flops = forward_with_records(model, lambda: model.encode_image(image))
    _, text_flops = forward_with_records(model, lambda: model.encode_text(text))
    # per module: the image tower's from the image pass, everything else from the text pass
    flops = {path: (image_flops if path == "visual" or path.startswith("visual.") else text_flops)[path]
             for path, _ in model.named_modules()}
    flops[""] = image_flops[""] + text_flops[""]
    text_encoder = [model.token_embedding.weight, model.positional_embedding, *model.transformer.parameters(),
                    *model.ln_final.parameters(), model.text_projection]
    return CatalogEntry(
        name=name,
        slug=archs.slug(name),
        kind=arch.kind,
        arch=arch,
        params_total=_count(model.parameters()),
        params_image=_count(model.visual.parameters()),
        params_text_encoder=_count(text_encoder),
        params_text_blocks=_count(model.transformer.parameters()),
        flops_image=image_flops[""],
        flops_text=text_flops[""],
        heads_image=_heads(model.visual),
        heads_text=_heads(model.transformer),
        modules=tuple((path, type(m).__name__, _count(m.parameters()), flops[path]) for path, m in model.named_modules()),
        parameters=tuple((n, tuple(p.shape)) for n, p in model.named_parameters()),
    )


def take_catalog() -> tuple[CatalogEntry, ...]:
    out = []
    for name in archs.available_models():
        log.info("  catalog: %s on the meta device", name)
        out.append(entry(name))
    return tuple(out)

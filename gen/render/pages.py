"""Which pages exist, where each module and parameter lives, and what each page is given."""
from __future__ import annotations

from dataclasses import dataclass, field

from gen.snapshot import Snapshot


@dataclass(frozen=True)
class Page:
    path: str                   # "models/vit-b-32/visual/index.md"
    template: str               # "visual_vit.md.j2"
    title: str                  # navigation title
    context: dict = field(default_factory=dict, compare=False)


def model_dir(s: Snapshot) -> str:
    return f"models/{s.model.slug}"


def module_pages(s: Snapshot) -> dict[str, str]:
    """Module path -> the page about it.  Other modules live as anchors on an ancestor's page."""
    base = model_dir(s)
    pages = {"": f"{base}/index.md", "visual": f"{base}/visual/index.md", "transformer": f"{base}/transformer/index.md"}
    if s.model.kind == "vit":
        pages["visual.transformer"] = f"{base}/visual/transformer/index.md"
    else:
        pages["visual.attnpool"] = f"{base}/visual/attnpool/index.md"
    for record in s.modules:
        parts = record.path.split(".")
        on_own_page = (
            record.kind in ("ResidualAttentionBlock", "Bottleneck")
            or (s.model.kind == "resnet" and len(parts) == 2 and parts[0] == "visual" and parts[1].startswith("layer"))
        )
        if on_own_page:
            pages[record.path] = f"{base}/{'/'.join(parts)}/index.md"
    return pages


def anchored(s: Snapshot) -> dict[str, str]:
    """Top-level text modules that have no page of their own but a section on a topic page."""
    base = model_dir(s)
    return {"token_embedding": f"{base}/embeddings/index.md", "ln_final": f"{base}/text/index.md"}


def locate(s: Snapshot, path: str) -> tuple[str, str | None]:
    """(page, anchor or None) where a module is documented."""
    if path in anchored(s):
        return anchored(s)[path], path.replace(".", "-")
    pages = module_pages(s)
    probe = path
    while probe not in pages:
        probe = probe.rpartition(".")[0]
    return pages[probe], (None if probe == path else path.replace(".", "-"))


def parameters_page(s: Snapshot) -> str:
    return f"{model_dir(s)}/parameters/index.md"


def model_pages(s: Snapshot) -> list[Page]:
    base = model_dir(s)
    arch = s.model.arch
    out = [Page(f"{base}/index.md", "model.md.j2", s.model.name)]
    out += vit_pages(s) if s.model.kind == "vit" else resnet_pages(s)
    out += [
        Page(f"{base}/text/index.md", "text.md.j2", "Text encoder"),
        Page(f"{base}/transformer/index.md", "transformer.md.j2", "Text transformer",
             {"tower": "text", "prefix": "transformer"}),
    ]
    for i in range(arch.transformer_layers):
        out.append(Page(f"{base}/transformer/resblocks/{i}/index.md", "block.md.j2", f"Text block {i}",
                        {"tower": "text", "prefix": "transformer", "index": i}))
    out += [
        Page(f"{base}/embeddings/index.md", "embeddings.md.j2", "Token & positional embeddings"),
        Page(f"{base}/projections/index.md", "projections.md.j2", "Projections & scale"),
        Page(f"{base}/parameters/index.md", "parameters.md.j2", "Parameter ledger"),
        Page(f"{base}/forward/index.md", "forward.md.j2", "Forward pass"),
        Page(f"{base}/similarity/index.md", "similarity.md.j2", "Similarity & logit scale"),
        Page(f"{base}/fine-tuning/index.md", "fine_tuning.md.j2", "Freezing & replacing"),
        Page(f"{base}/training/index.md", "training.md.j2", "Training step"),
        Page(f"{base}/vision-vs-text/index.md", "vision_vs_text.md.j2",
             "Vision vs text transformer" if s.model.kind == "vit" else "Image vs text encoder"),
        # inside the computation, from a real run (sits under the encoders in the navigation)
        Page(f"{base}/preprocessing/index.md", "preprocessing.md.j2",
             "Preprocessing & patches" if s.model.kind == "vit" else "Preprocessing & feature grid"),
        Page(f"{base}/tokenizer/index.md", "tokenizer.md.j2", "Tokenizer"),
        Page(f"{base}/attention/index.md", "attention.md.j2", "Attention maps"),
        Page(f"{base}/activations/index.md", "depth.md.j2", "Activations through depth"),
    ]
    return out


def vit_pages(s: Snapshot) -> list[Page]:
    base = model_dir(s)
    out = [
        Page(f"{base}/visual/index.md", "visual_vit.md.j2", "Image encoder"),
        Page(f"{base}/visual/transformer/index.md", "transformer.md.j2", "Image transformer",
             {"tower": "visual", "prefix": "visual.transformer"}),
    ]
    for i in range(s.model.arch.vision_layers):
        out.append(Page(f"{base}/visual/transformer/resblocks/{i}/index.md", "block.md.j2", f"Image block {i}",
                        {"tower": "visual", "prefix": "visual.transformer", "index": i}))
    return out


def resnet_pages(s: Snapshot) -> list[Page]:
    base = model_dir(s)
    out = [Page(f"{base}/visual/index.md", "visual_resnet.md.j2", "Image encoder")]
    for stage, blocks in enumerate(s.model.arch.vision_layers, start=1):
        prefix = f"visual.layer{stage}"
        out.append(Page(f"{base}/visual/layer{stage}/index.md", "stage.md.j2", f"Stage layer{stage}",
                        {"prefix": prefix, "stage": stage}))
        for j in range(blocks):
            out.append(Page(f"{base}/visual/layer{stage}/{j}/index.md", "bottleneck.md.j2", f"layer{stage}.{j}",
                            {"prefix": prefix, "stage": stage, "index": j}))
    out.append(Page(f"{base}/visual/attnpool/index.md", "attnpool.md.j2", "Attention pooling"))
    return out

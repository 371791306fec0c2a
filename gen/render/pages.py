"""Which pages exist, where each module and parameter lives, and what each page is given."""
from __future__ import annotations

from dataclasses import dataclass, field

from gen.snapshot import Snapshot


@dataclass(frozen=True)
class Page:
    """One entry of the page registry: navigation, the Linking and Figures pages and the print page come from it."""
    path: str                   # "models/vit-b-32/visual/index.md"
    template: str | None        # "visual_vit.md.j2"; None for a page written by hand under docs/
    title: str                  # navigation title, and the page's heading
    parent: str | None = None   # the page it sits under in the navigation; None at the top level
    model: str | None = None    # the model the page is about; None for a site-wide page
    context: dict = field(default_factory=dict, compare=False)  # what its template gets besides the model


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
    """Every page of one model, in navigation order (a page comes after its parent)."""
    base, name = model_dir(s), s.model.name
    vit = s.model.kind == "vit"

    def page(rel: str, template: str, title: str, parent: str | None = "", **context) -> Page:
        path = f"{base}/{rel}index.md"
        up = "models/index.md" if parent is None else f"{base}/{parent}index.md"
        return Page(path, template, title, up, name, context)

    out = [page("", "model.md.j2", name, None),
           page("visual/", "visual_vit.md.j2" if vit else "visual_resnet.md.j2", "Image encoder"),
           page("preprocessing/", "preprocessing.md.j2",
                "Preprocessing & patches" if vit else "Preprocessing & feature grid", "visual/")]
    out += vit_pages(s, page) if vit else resnet_pages(s, page)
    out += [page("text/", "text.md.j2", "Text encoder"),
            page("tokenizer/", "tokenizer.md.j2", "Tokenizer", "text/"),
            page("transformer/", "transformer.md.j2", "Text transformer", "text/", tower="text", prefix="transformer")]
    out += [page(f"transformer/resblocks/{i}/", "block.md.j2", f"Text block {i}", "transformer/",
                 tower="text", prefix="transformer", index=i) for i in range(s.model.arch.transformer_layers)]
    out += [
        page("embeddings/", "embeddings.md.j2", "Token & positional embeddings", "text/"),
        page("projections/", "projections.md.j2", "Projections & scale"),
        page("parameters/", "parameters.md.j2", "Parameter ledger"),
        page("forward/", "forward.md.j2", "Forward pass"),
        page("similarity/", "similarity.md.j2", "Similarity & logit scale"),
        page("fine-tuning/", "fine_tuning.md.j2", "Freezing & replacing"),
        page("training/", "training.md.j2", "Training step"),
        page("vision-vs-text/", "vision_vs_text.md.j2",
             "Vision vs text transformer" if vit else "Image vs text encoder"),
        page("attention/", "attention.md.j2", "Attention maps"),
        page("activations/", "depth.md.j2", "Activations through depth"),
        page("residual-stream/", "residual_stream.md.j2", "Residual stream"),
    ]
    return out


def vit_pages(s: Snapshot, page) -> list[Page]:
    out = [page("visual/transformer/", "transformer.md.j2", "Image transformer", "visual/",
                tower="visual", prefix="visual.transformer")]
    out += [page(f"visual/transformer/resblocks/{i}/", "block.md.j2", f"Image block {i}", "visual/transformer/",
                 tower="visual", prefix="visual.transformer", index=i) for i in range(s.model.arch.vision_layers)]
    return out


def resnet_pages(s: Snapshot, page) -> list[Page]:
    out = []
    for stage, blocks in enumerate(s.model.arch.vision_layers, start=1):
        prefix = f"visual.layer{stage}"
        out.append(page(f"visual/layer{stage}/", "stage.md.j2", f"Stage layer{stage}", "visual/",
                        prefix=prefix, stage=stage))
        out += [page(f"visual/layer{stage}/{j}/", "bottleneck.md.j2", f"layer{stage}.{j}", f"visual/layer{stage}/",
                     prefix=prefix, stage=stage, index=j) for j in range(blocks)]
    out.append(page("visual/attnpool/", "attnpool.md.j2", "Attention pooling", "visual/"))
    return out


def site_pages(full: list[Snapshot], comparisons: list[Page], fine_tuned: list[Page] = ()) -> list[Page]:
    """The page registry: every page of the site, in navigation order.  No other list of pages exists."""
    concepts = "concepts/index.md"
    out = [
        Page("index.md", "home.md.j2", "Home"),
        Page(concepts, None, "Concepts"),
        Page("concepts/transformer-layer.md", None, "What a transformer layer is", concepts),
        Page("concepts/attention.md", None, "Attention", concepts),
        Page("concepts/quickgelu/index.md", "activations.md.j2", "QuickGELU vs GELU", concepts, full[0].model.name),
        Page("concepts/glossary.md", None, "Glossary", concepts),
        Page("models/index.md", "models_index.md.j2", "Models"),
    ]
    for s in full:
        out += model_pages(s)
    if comparisons:
        out.append(Page("compare/index.md", "compare_index.md.j2", "Compare", context={"comparisons": comparisons}))
        out += comparisons
    out += fine_tuned
    out += [
        Page("figures/index.md", "figures.md.j2", "Figures"),
        Page("provenance/index.md", "provenance.md.j2", "Provenance"),
        Page("changes/index.md", "changes.md.j2", "What changed"),
        Page("linking.md", "linking.md.j2", "Linking from a thesis"),
    ]
    return out


def topic_pages(s: Snapshot, pages: list[Page]) -> list[Page]:
    """A model's pages that are not about one module (the forward pass, the ledger, ...)."""
    about_modules = set(module_pages(s).values())
    return [p for p in pages if p.path.startswith(model_dir(s) + "/") and p.path not in about_modules]


def site_wide(pages: list[Page]) -> list[Page]:
    """The pages outside every model's folder, the home page aside."""
    return [p for p in pages if p.path != "index.md" and not (p.path.startswith("models/") and p.path.count("/") > 1)]

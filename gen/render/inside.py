"""Figures (SVG) and their numbers (CSV) for the pages that look inside the computation:
tokenizer, causal mask, attention maps, norms through depth, preprocessing and the image grid."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from gen.render import plots
from gen.render.tables import to_csv
from gen.snapshot import Snapshot


def grid_name(s: Snapshot) -> str:
    """patch-grid for a Vision Transformer, feature-grid for a ResNet."""
    return "patch-grid" if s.recipe("image_grid").result["kind"] == "patches" else "feature-grid"


def tokens_csv(s: Snapshot) -> bytes:
    rows = [[p["prompt"], i, token, piece, text]
            for p in s.recipe("tokenizer").result["prompts"]
            for i, (token, piece, text) in enumerate(zip(p["ids"], p["pieces"], p["texts"]))]
    return to_csv(["prompt", "position", "id", "piece", "decoded"], rows)


def causal_mask_csv(s: Snapshot) -> bytes:
    corner = s.recipe("causal_mask").result["corner"]
    return to_csv(["query \\ key"] + list(range(len(corner))),
                  [[i] + ["0" if ok else "-inf" for ok in row] for i, row in enumerate(corner)])


def attention_image_csv(s: Snapshot) -> bytes:
    r = s.recipe("attention_image").result
    grid = r["grid"]
    rows = []
    for h, (own, m) in enumerate(zip(r["query_self"], r["maps"])):
        rows.append([h, 0, r["query"], "", "", own])
        rows += [[h, 1 + i * grid + j, "grid cell", i, j, v] for i, line in enumerate(m) for j, v in enumerate(line)]
    return to_csv(["head", "key token", "key", "row", "column", "weight"], rows)


def attention_text_csv(s: Snapshot) -> bytes:
    rows = [[p["prompt"], h, i, piece, v]
            for p in s.recipe("attention_text").result["prompts"]
            for h, line in enumerate(p["weights"])
            for i, (piece, v) in enumerate(zip(p["pieces"], line))]
    return to_csv(["prompt", "head", "key position", "key piece", "weight"], rows)


def depth_csv(s: Snapshot, tower: str) -> bytes:
    labels, lines = plots.depth_series(s)[tower]
    return to_csv(["block"] + [key for key, *_ in lines],
                  [[label] + [ys[i] for *_, ys in lines] for i, label in enumerate(labels)])


def preprocessing_csv(s: Snapshot) -> bytes:
    r = s.recipe("preprocessing").result
    rows = [[0, "(the sample image)", "image", "x".join(map(str, r["original"]))]]
    rows += [[i + 1, st["repr"], "tensor" if st["tensor"] else "image", "x".join(map(str, st["after"]))]
             for i, st in enumerate(r["steps"])]
    return to_csv(["step", "transform", "result", "size (image: width x height; tensor: shape)"], rows)


def normalisation_csv(s: Snapshot) -> bytes:
    r = s.recipe("preprocessing").result
    rows = []
    for c, channel in enumerate("RGB"):
        row = [channel, r["mean"][c], r["std"][c]]
        for stage in ("unit", "normalised"):
            st = r["stats"][stage][c]
            row += [st["mean"], st["std"], st["min"], st["max"]]
        rows.append(row)
    header = ["channel", "Normalize mean", "Normalize std"]
    header += [f"{stage} {k}" for stage in ("after ToTensor", "after Normalize") for k in ("mean", "std", "min", "max")]
    return to_csv(header, rows)


def gradients_csv(s: Snapshot) -> bytes:
    """Every parameter tensor's gradient norm after the training step's backward pass (empty: frozen)."""
    rows = [[t["name"], "x".join(map(str, t["shape"])), t["requires_grad"], "" if t["grad_norm"] is None else t["grad_norm"]]
            for t in s.recipe("training_gradients").result["tensors"]]
    return to_csv(["parameter", "shape", "requires_grad", "gradient norm"], rows)


def grid_csv(s: Snapshot) -> bytes:
    g = s.recipe("image_grid").result
    size = g["grid"] * (g["patch"] if g["kind"] == "patches" else g["stride"])
    cell = size // g["grid"]
    rows = [[1 + i * g["grid"] + j, i, j, j * cell, i * cell, (j + 1) * cell, (i + 1) * cell]
            for i in range(g["grid"]) for j in range(g["grid"])]
    return to_csv(["token", "row", "column", "left", "top", "right", "bottom"], rows)


# What the figures are drawn from: a change to any of it draws them again.
# figure name -> the recipes its plot is drawn from (a page showing the figure shows their values)
FIGURE_RECIPES = {
    "causal-mask": ("causal_mask",), "attention-image": ("attention_image",), "attention-text": ("attention_text",),
    "depth": ("depth_image", "depth_text"), "preprocessing": ("preprocessing",), "patch-grid": ("image_grid",),
    "feature-grid": ("image_grid",), "pca": ("pca",), "quickgelu-vs-gelu": ("activations",),
    "training-gradients": ("training_gradients",),
}


def figure_recipes(name: str) -> tuple[str, ...]:
    return FIGURE_RECIPES[name]


DRAWN_FROM = tuple(dict.fromkeys(name for names in FIGURE_RECIPES.values() for name in names))


def _drawer(s: Snapshot, cache: Path | None):
    """Draws a figure, or reads it from `cache` when the same data and the same plotting code drew it before
    (and the stored file still matches its SHA-256)."""
    if cache is None:
        return lambda draw: draw(s)
    from gen.cache import version

    facts = {"model": s.model.name, "weights": s.weights.mode, "matplotlib": version("matplotlib"),
             "pillow": version("pillow"),  # writes the PNGs embedded in the SVGs
             "code": [Path(plots.__file__).read_text(encoding="utf-8"), Path(__file__).read_text(encoding="utf-8")],
             "data": {name: s.recipes[name].result for name in DRAWN_FROM if name in s.recipes}}
    key = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:32]

    def drawn(draw) -> bytes:
        from gen.cache import read_sealed, write_sealed

        path = cache / f"{draw.__name__}-{key}.svg"
        data = read_sealed(path)  # None when absent or damaged
        if data is None:
            data = draw(s)
            write_sealed(path, data)
        return data
    return drawn


def files(s: Snapshot, cache: Path | None = None) -> dict[str, bytes]:
    """Every figure and CSV file of these pages for one model; SVGs are kept in `cache` (a folder) if given."""
    fig, tab = f"figures/{s.model.slug}", f"tables/{s.model.slug}"
    grid = grid_name(s)
    draw = _drawer(s, cache)
    out = {
        f"{tab}/tokens.csv": tokens_csv(s),
        f"{fig}/causal-mask.svg": draw(plots.causal_mask_svg),
        f"{tab}/causal-mask.csv": causal_mask_csv(s),
        f"{fig}/attention-image.svg": draw(plots.attention_image_svg),
        f"{tab}/attention-image.csv": attention_image_csv(s),
        f"{fig}/attention-text.svg": draw(plots.attention_text_svg),
        f"{tab}/attention-text.csv": attention_text_csv(s),
        f"{fig}/depth.svg": draw(plots.depth_svg),
        f"{tab}/depth-image.csv": depth_csv(s, "image"),
        f"{tab}/depth-text.csv": depth_csv(s, "text"),
        f"{fig}/preprocessing.svg": draw(plots.preprocessing_svg),
        f"{tab}/preprocessing.csv": preprocessing_csv(s),
        f"{tab}/normalisation.csv": normalisation_csv(s),
        f"{fig}/{grid}.svg": draw(plots.grid_svg),
        f"{tab}/{grid}.csv": grid_csv(s),
    }
    if "training_gradients" in s.recipes:  # Snapshots captured before the training step have none
        out[f"{fig}/training-gradients.svg"] = draw(plots.gradients_svg)
        out[f"{tab}/training-gradients.csv"] = gradients_csv(s)
    if "pca" in s.recipes:  # not captured when a fine-tuned checkpoint's towers embed to different widths
        out[f"{fig}/pca.svg"] = draw(plots.pca_svg)
    return out


def activation_files(s: Snapshot, cache: Path | None = None) -> dict[str, bytes]:
    """The QuickGELU-vs-GELU figure of the concepts page, drawn from one model's `activations` recipe."""
    return {"figures/quickgelu-vs-gelu.svg": _drawer(s, cache)(plots.gelu_svg)}


def prewarm(snapshot_file: Path, cache: Path, activations: bool) -> None:
    """Draw one model's figures into `cache` from its cached Snapshot: run in a second process while the
    main one captures, so that `files` later finds every SVG drawn."""
    from gen import cache as snapshot_cache

    s = snapshot_cache.read(snapshot_file)
    if s is not None:
        files(s, cache)
        if activations:
            activation_files(s, cache)

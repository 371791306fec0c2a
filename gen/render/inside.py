"""Plots (SVG, PDF, JSON source) and their numbers (CSV) for the pages that look inside the computation:
tokenizer, causal mask, attention maps, norms through depth, preprocessing and the image grid."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

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


@dataclass(frozen=True)
class Plot:
    """One plot of a model: drawn by `draw`, stored as figures/<slug>/<name>.svg, .pdf and .json (the recipe
    results it is drawn from), shown on the model's page `page`, its numbers also in tables/<slug>/<t>.csv."""
    name: str
    draw: Callable[[Snapshot], dict[str, bytes]]
    caption: str
    page: str
    tables: tuple[str, ...] = ()


PLOTS = (
    Plot("causal-mask", plots.causal_mask, "The top-left corner of the text transformer's causal attention mask: "
         "0 where a query may attend, minus infinity where it may not.", "attention", ("causal-mask",)),
    Plot("attention-image", plots.attention_image, "Attention of the image tower's query token over the image "
         "grid, per head and averaged over the heads, laid over the sample image.", "attention",
         ("attention-image",)),
    Plot("attention-text", plots.attention_text, "Attention of the end-of-text token per head, for every prompt; "
         "the numbers are in the CSV.", "attention", ("attention-text",)),
    Plot("depth", plots.depth, "Mean L2 norms through the depth of both towers, from one forward pass: what "
         "each block adds and what comes out of it (for a ResNet's image tower, each bottleneck's branch, shortcut "
         "and output).", "activations", ("depth-image", "depth-text")),
    Plot("preprocessing", plots.preprocessing, "The sample image after Resize, with the CenterCrop window, and "
         "after CenterCrop.", "preprocessing", ("preprocessing",)),
    Plot("patch-grid", plots.grid, "The sample image cut into the patch grid of the image transformer, numbered "
         "as tokens.", "preprocessing", ("patch-grid",)),
    Plot("feature-grid", plots.grid, "The final feature grid of the ResNet over the sample image, and the "
         "receptive field of one cell.", "preprocessing", ("feature-grid",)),
    Plot("pca", plots.pca, "Image and text embeddings projected on their first two principal components.",
         "similarity"),
    Plot("training-gradients", plots.gradients, "Gradient norm of each block after one backward pass in the "
         "fine-tuning setup; frozen blocks have none.", "training", ("training-gradients",)),
)
GELU = Plot("quickgelu-vs-gelu", plots.gelu, "QuickGELU and GELU evaluated at build time, and their difference.",
            "concepts/quickgelu")
PLOT_FORMATS = plots.FORMATS + ("json",)


def model_plots(s: Snapshot) -> list[Plot]:
    """The plots one model's pages show (a grid of patches or of features; PCA when both towers meet)."""
    return [p for p in PLOTS if all(name in s.recipes for name in FIGURE_RECIPES[p.name])
            and p.name != ("feature-grid" if grid_name(s) == "patch-grid" else "patch-grid")]


def plot_base(s: Snapshot | None, plot: Plot) -> str:
    return f"figures/{s.model.slug}/{plot.name}" if s is not None else f"figures/{plot.name}"


def plot_figures(s: Snapshot, site_wide: bool = False) -> list[dict]:
    """The plots as data, one dict each (model, name, base path without extension, caption, the page showing it,
    downloadable formats, CSV tables); `site_wide`: the concept pages' plots drawn from this model."""
    if site_wide:
        return [{"model": s.model.name, "name": GELU.name, "base": plot_base(None, GELU), "caption": GELU.caption,
                 "page": f"{GELU.page}/index.md", "formats": PLOT_FORMATS, "tables": ()}]
    return [{"model": s.model.name, "name": p.name, "base": plot_base(s, p), "caption": p.caption,
             "page": f"models/{s.model.slug}/{p.page}/index.md", "formats": PLOT_FORMATS,
             "tables": tuple(f"tables/{s.model.slug}/{t}.csv" for t in p.tables)} for p in model_plots(s)]


def site_plots(documented: list[Snapshot]) -> list[dict]:
    """Every plot of the site as data (see plot_figures): each documented model's, then the concept pages'."""
    return [f for s in documented for f in plot_figures(s)] + plot_figures(documented[0], site_wide=True)


def plot_source(s: Snapshot, name: str) -> bytes:
    """What a plot is drawn from, as JSON: the results of its recipes, with the model and weights."""
    data = {"model": s.model.name, "weights": s.weights.mode, "figure": name,
            "recipes": {recipe: s.recipes[recipe].result for recipe in FIGURE_RECIPES[name]}}
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _drawer(s: Snapshot, store):
    """Draws a figure in every format, or reads it from `store` (a gen.store.Store) when the same data and the same
    plotting code drew it before (and each stored file still matches its SHA-256)."""
    if store is None:
        return lambda draw: draw(s)
    from gen.store import version

    facts = {"model": s.model.name, "weights": s.weights.mode, "matplotlib": version("matplotlib"),
             "pillow": version("pillow"),  # writes the PNGs embedded in the figures
             "code": [Path(plots.__file__).read_text(encoding="utf-8"), Path(__file__).read_text(encoding="utf-8")],
             "data": {name: s.recipes[name].result for name in DRAWN_FROM if name in s.recipes}}
    return lambda draw: _sealed(store, draw.__name__, facts, lambda: draw(s))


def _sealed(store, name: str, facts, draw) -> dict[str, bytes]:
    """A figure in every format from `store`, or drawn and stored there."""
    paths = {fmt: store.entry("plots", facts, name, f".{fmt}") for fmt in plots.FORMATS}
    found = {fmt: store.read(path) for fmt, path in paths.items()}  # None when absent or damaged
    if any(data is None for data in found.values()):
        found = draw()
        for fmt, path in paths.items():
            store.write(path, found[fmt])
    return found


def _plot_files(s: Snapshot | None, source: Snapshot, plot: Plot, draw) -> dict[str, bytes]:
    base = plot_base(s, plot)
    out = {f"{base}.{fmt}": data for fmt, data in draw(plot.draw).items()}
    out[f"{base}.json"] = plot_source(source, plot.name)
    return out


def files(s: Snapshot, store=None) -> dict[str, bytes]:
    """Every figure (SVG, PDF, JSON source) and CSV file of these pages for one model; drawn figures are kept in
    `store` (the build cache) if given."""
    tab = f"tables/{s.model.slug}"
    grid = grid_name(s)
    draw = _drawer(s, store)
    out = {
        f"{tab}/tokens.csv": tokens_csv(s),
        f"{tab}/causal-mask.csv": causal_mask_csv(s),
        f"{tab}/attention-image.csv": attention_image_csv(s),
        f"{tab}/attention-text.csv": attention_text_csv(s),
        f"{tab}/depth-image.csv": depth_csv(s, "image"),
        f"{tab}/depth-text.csv": depth_csv(s, "text"),
        f"{tab}/preprocessing.csv": preprocessing_csv(s),
        f"{tab}/normalisation.csv": normalisation_csv(s),
        f"{tab}/{grid}.csv": grid_csv(s),
    }
    for plot in model_plots(s):
        out.update(_plot_files(s, s, plot, draw))
    if "training_gradients" in s.recipes:  # Snapshots captured before the training step have none
        out[f"{tab}/training-gradients.csv"] = gradients_csv(s)
    return out


def activation_files(s: Snapshot, store=None) -> dict[str, bytes]:
    """The QuickGELU-vs-GELU figure of the concepts page, drawn from one model's `activations` recipe."""
    return _plot_files(None, s, GELU, _drawer(s, store))


def prewarm(store, snapshot_entry: Path, activations: bool) -> None:
    """Draw one model's figures into `store` from its cached Snapshot: run in a second process while the
    main one captures, so that `files` later finds every SVG drawn."""
    from gen import cache

    s = cache.read(store, snapshot_entry)
    if s is not None:
        files(s, store)
        if activations:
            activation_files(s, store)


# --- fine-tuned checkpoints (gen/render/fine_tuned.py) -------------------------------------------------------------

def fine_tuned_changed_csv(ft) -> bytes:
    rows = [[c.name, "x".join(map(str, c.shape)), c.count, c.delta_norm, c.relative, c.cosine] for c in ft.changed]
    rows += [[r.name, f"{'x'.join(map(str, r.base_shape))} -> {'x'.join(map(str, r.tuned_shape))}", "", "", "reshaped", ""]
             for r in ft.reshaped]
    return to_csv(["tensor", "shape", "values", "change norm", "relative change", "cosine(base, tuned)"], rows)


def fine_tuned_depth_csv(ft) -> bytes:
    rows = [[tower, p.label, p.tensors, p.changed - p.replaced, p.replaced, p.relative]
            for tower, points in (("image", ft.depth_image), ("text", ft.depth_text)) for p in points]
    return to_csv(["tower", "position", "tensors", "values changed", "reshaped, added or removed", "relative change"],
                  rows)


def fine_tuned_files(ft, names: dict[str, str], store=None) -> dict[str, bytes]:
    """The change-by-depth figure as SVG, PDF and the JSON it is drawn from (kept in `store` under a key of its data
    and the plotting code) and the CSV files of one fine-tuned comparison; `names` gives their paths ("figure": the
    SVG, "changed", "depth")."""
    def draw() -> dict[str, bytes]:
        if store is None:
            return plots.fine_tuned_depth(ft)
        from gen.store import version

        facts = {"matplotlib": version("matplotlib"), "code": Path(plots.__file__).read_text(encoding="utf-8"),
                 "data": ft.to_json()}
        return _sealed(store, "fine_tuned_depth", facts, lambda: plots.fine_tuned_depth(ft))
    base = names["figure"].removesuffix(".svg")
    source = {"figure": "change-by-depth", "model": ft.model, "name": ft.name,
              "depth_image": [dataclasses.asdict(p) for p in ft.depth_image],
              "depth_text": [dataclasses.asdict(p) for p in ft.depth_text]}
    out = {f"{base}.{fmt}": data for fmt, data in draw().items()}
    out[f"{base}.json"] = (json.dumps(source, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    out[names["changed"]] = fine_tuned_changed_csv(ft)
    out[names["depth"]] = fine_tuned_depth_csv(ft)
    return out

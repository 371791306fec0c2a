"""Plots drawn from captured numbers (matplotlib): SVG for the pages and PDF for print, byte-stable for the same
Snapshot, sized so that they read at their size (see PRINT below)."""
from __future__ import annotations

import io
import math

from gen.snapshot import Snapshot


def _pyplot():
    """matplotlib, imported when a figure is drawn: a build whose figures are all cached never loads it."""
    import logging

    import matplotlib

    matplotlib.use("Agg")
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # it reports every font it subsets for a PDF
    import matplotlib.pyplot as plt

    return plt

# Sizes: a figure is at most WIDTH inches wide and its smallest text is SMALL points.  On a page it is shown at its
# own size (1 pt = 4/3 px: 9 pt text is 12 px), and scaled to an A4 article's text width (345 pt) its smallest
# text stays above 6 pt (9 * 345 / 504 = 6.2).
WIDTH = 7.0
SMALL, TITLE, SUPTITLE = 9, 10, 11
TALL = 11.5  # at most this high (inches): scaled to the text width, it still fits an A4 page of text (598 pt)

STYLE = {
    "svg.hashsalt": "understanding-clip",   # stable element ids
    "svg.fonttype": "path",
    "pdf.fonttype": 42,                     # TrueType: text in the PDF stays text
    "figure.facecolor": "white",            # a light card, legible on both palettes
    "axes.facecolor": "white",
    "font.size": SMALL,
    "axes.titlesize": TITLE,
    "axes.labelsize": SMALL,
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "legend.fontsize": SMALL,
    "figure.titlesize": SUPTITLE,
}

FORMATS = ("svg", "pdf")


def _save(fig, fmt: str, dpi) -> bytes:
    out = io.BytesIO()
    meta = {"Date": None, "Creator": "Understanding CLIP"} if fmt == "svg" else \
        {"CreationDate": None, "Creator": "Understanding CLIP", "Producer": "matplotlib"}
    fig.savefig(out, format=fmt, bbox_inches="tight", metadata=meta, dpi=dpi or "figure")
    return out.getvalue()


def drawn(fig, dpi: float | None = None) -> dict[str, bytes]:
    """The figure as {"svg": ..., "pdf": ...}; `dpi` sets the resolution of raster images inside (default: the
    figure's)."""
    try:
        return {fmt: _save(fig, fmt, dpi) for fmt in FORMATS}
    finally:
        _pyplot().close(fig)


def _svg(fig, dpi: float | None = None) -> bytes:
    """SVG only, for a plot that has no print version."""
    try:
        return _save(fig, "svg", dpi)
    finally:
        _pyplot().close(fig)


def every(count: int, room_pt: float, per_label_pt: float = 2 * SMALL) -> int:
    """Label every k-th of `count` ticks so that labels `per_label_pt` tall fit into `room_pt`."""
    return max(1, math.ceil(count * per_label_pt / max(room_pt, 1)))


def pca(s: Snapshot) -> dict[str, bytes]:
    """Each embedding a marker of its own colour, named in a legend under the axes: labels never overprint."""
    plt = _pyplot()
    result = s.recipe("pca").result
    points, kinds, labels = result["points"], result["kinds"], result["labels"]
    with plt.rc_context(STYLE):
        colours = plt.get_cmap("tab10" if len(points) <= 10 else "tab20")
        fig, ax = plt.subplots(figsize=(WIDTH * 0.8, 4 + 0.22 * len(points)), layout="constrained")
        for i, (point, kind, label) in enumerate(zip(points, kinds, labels)):
            ax.scatter([point[0]], [point[1]], marker="o" if kind == "image" else "s", s=60,
                       color=colours(i % colours.N), edgecolor="black", linewidth=0.6, label=as_written(f"{kind}: {label}"))
        ev = result["explained"]
        ax.set_xlabel(f"PC 1 ({ev[0]:.1%} of variance)")
        ax.set_ylabel(f"PC 2 ({ev[1]:.1%} of variance)")
        ax.set_title(f"{s.model.name}: image and text embeddings ({s.weights.mode} weights)")
        ax.margins(0.12)
        ax.grid(alpha=0.3)
        fig.legend(loc="outside lower center", ncols=1, frameon=False, title="circles: images · squares: prompts",
                   title_fontsize=SMALL)
        return drawn(fig)


def gelu(s: Snapshot) -> dict[str, bytes]:
    plt = _pyplot()
    r = s.recipe("activations").result
    with plt.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(WIDTH * 0.9, 5.2), sharex=True, height_ratios=[3, 1.3],
                                          layout="constrained")
        top.plot(r["x"], r["exact"], label="GELU: x·Φ(x)", color="#1f77b4", linewidth=2)
        top.plot(r["x"], r["quick"], label="QuickGELU: x·σ(1.702x)", color="#d62728", linestyle="--", linewidth=2)
        top.legend()
        top.grid(alpha=0.3)
        top.set_title("QuickGELU and GELU, evaluated with torch at build time")
        bottom.plot(r["x"], [q - e for q, e in zip(r["quick"], r["exact"])], color="#2ca02c")
        bottom.axvline(r["at"], color="grey", linewidth=0.8, linestyle=":")
        bottom.set_ylabel("difference")
        bottom.set_xlabel("x")
        bottom.grid(alpha=0.3)
        return drawn(fig)


# --- Inside the computation: tokenizer, causal mask, attention maps, norms through depth, preprocessing ---------

SPECIAL = {"<|startoftext|>": "<SOT>", "<|endoftext|>": "<EOT>"}


def as_written(text: str) -> str:
    """A caption or prompt shown as written: matplotlib reads the text between two `$` as mathematics."""
    return text.replace("$", r"\$")


def piece_label(piece: str) -> str:
    """A BPE vocabulary entry as a tick label: special tokens shortened, the end-of-word mark dropped."""
    return as_written(SPECIAL.get(piece, piece.replace("</w>", "")))


def sample_crop(s: Snapshot):
    """The sample image exactly as CenterCrop cut it (uint8 [H, W, 3]), from the captured resized image."""
    import base64

    import numpy as np

    r = s.recipe("preprocessing").result
    w, h = r["resized_size"]
    resized = np.frombuffer(base64.b64decode(r["resized_rgb"]), dtype=np.uint8).reshape(h, w, 3)
    left, top, right, bottom = r["box"]
    return resized, resized[top:bottom, left:right]


def causal_mask(s: Snapshot) -> dict[str, bytes]:
    plt = _pyplot()
    r = s.recipe("causal_mask").result
    corner = r["corner"]
    n = len(corner)
    with plt.rc_context(STYLE):
        from matplotlib.colors import ListedColormap

        side = min(WIDTH * 0.75, 0.45 * n + 1.4)
        fig, ax = plt.subplots(figsize=(side, side), layout="constrained")
        ax.imshow([[1 if ok else 0 for ok in row] for row in corner], cmap=ListedColormap(["#e6e6e6", "#3b7dc4"]),
                  vmin=0, vmax=1, interpolation="nearest")
        for i, row in enumerate(corner):
            for j, ok in enumerate(row):
                ax.text(j, i, "0" if ok else "−∞", ha="center", va="center", fontsize=SMALL,
                        color="white" if ok else "#5a5a5a")
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
        ax.set_xlabel("key position (attended to)")
        ax.set_ylabel("query position (attending)")
        ax.set_title(f"{s.model.name}: text attn_mask,\nfirst {n} of {r['size']} positions")
        return drawn(fig)


def panel_grid(count: int) -> tuple[int, int]:
    """(rows, columns) of a regular grid for `count` panels, as square as the page width allows."""
    cols = min(count, max(1, math.ceil(math.sqrt(count))))
    return -(-count // cols), cols


def attention_image(s: Snapshot) -> dict[str, bytes]:
    """The query token's attention over the grid, one panel per head (and their mean) on a regular grid over the
    sample image, all on one colour scale with one colour bar."""
    plt = _pyplot()
    r = s.recipe("attention_image").result
    _, crop = sample_crop(s)
    n = crop.shape[0]
    maps = [("mean", r["mean_map"])] + [(f"head {h}", m) for h, m in enumerate(r["maps"])]
    top = max(v for _, m in maps for row in m for v in row)
    rows, cols = panel_grid(len(maps))
    panel = (WIDTH - 1.0) / cols
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(rows, cols, figsize=(WIDTH, rows * (panel + 0.22) + 0.5), squeeze=False,
                                 layout="constrained")
        flat = [ax for line in axes for ax in line]
        for ax in flat[len(maps):]:
            ax.axis("off")
        for ax, (label, m) in zip(flat, maps):
            ax.imshow(crop, extent=(0, n, n, 0), interpolation="antialiased")
            shown = ax.imshow(m, extent=(0, n, n, 0), cmap="inferno", alpha=0.6, vmin=0, vmax=top,
                              interpolation="nearest")
            ax.set_title(label, fontsize=SMALL, pad=2, fontweight="bold" if label == "mean" else "normal")
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(shown, ax=flat, shrink=0.5, aspect=30, pad=0.02, label="attention weight")
        fig.suptitle(f"{s.model.name}: attention of the {r['query']} over the {r['grid']} × {r['grid']} grid\n"
                     f"in {r['block']} ({s.weights.mode} weights)")
        return drawn(fig, dpi=60)  # each panel's image: photo and weights composited, small enough for many heads


# attention_text: a cell shows its number only when it is at least this large (points) on the figure
NUMBER_CELL = (3 * 0.62 * SMALL + 4, SMALL + 3)


def attention_text(s: Snapshot) -> dict[str, bytes]:
    """Each prompt's end-of-text row in the last text block: heads down, tokens across.  Numbers are printed in
    the cells only when every cell is large enough to hold them legibly (the CSV has them all)."""
    plt = _pyplot()
    r = s.recipe("attention_text").result
    prompts, heads = r["prompts"], r["heads"]
    top = max(v for p in prompts for row in p["weights"] for v in row)
    widest = max(len(p["pieces"]) for p in prompts)
    # one head's row, in inches: the whole figure at most TALL inches high, so that it fits a page of text
    row_in = min(0.24, max(0.02, (TALL - len(prompts) * 0.75 - 0.6) / (len(prompts) * heads)))
    cell_pt = ((WIDTH - 2.2) * 72 / widest, row_in * 72)
    numbers = cell_pt[0] >= NUMBER_CELL[0] and cell_pt[1] >= NUMBER_CELL[1]
    step = every(heads, heads * row_in * 72, 1.3 * SMALL)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(prompts), 1, squeeze=False, layout="constrained",
                                 figsize=(WIDTH, len(prompts) * (row_in * heads + 0.75) + 0.6))
        for ax, p in zip((a for line in axes for a in line), prompts):
            cols = len(p["pieces"])
            shown = ax.imshow(p["weights"], cmap="Blues", vmin=0, vmax=top, interpolation="nearest", aspect="auto")
            ax.set_xlim(-0.5, widest - 0.5)  # every prompt's cells as wide as the others'
            if numbers:
                for h, row in enumerate(p["weights"]):
                    for j, v in enumerate(row):
                        ax.text(j, h, f"{v:.2f}".lstrip("0"), ha="center", va="center", fontsize=SMALL,
                                color="white" if v > 0.6 * top else "#08306b")
            ax.set_xticks(range(cols), [piece_label(x) for x in p["pieces"]])
            ax.set_yticks(range(0, heads, step), [f"head {h}" for h in range(0, heads, step)])
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.set_title(f"“{as_written(p['prompt'])}”: EOT at position {p['eot']}", loc="left")
        fig.colorbar(shown, ax=axes, shrink=0.6, aspect=30, label="attention weight")
        fig.suptitle(f"{s.model.name}: attention of the end-of-text token in {r['block']}\n"
                     f"({s.weights.mode} weights{'' if numbers else '; the numbers are in the CSV'})")
        return drawn(fig)


# (key in the recipe result, legend label, line style) per tower kind
DEPTH_SERIES = {
    "vit": [("stream_out", "residual stream after the block", "-"), ("attn", "attention adds", "-"),
            ("mlp", "MLP adds", "-"), ("pooled_stream_out", "residual stream at the class token", "--")],
    "text": [("stream_out", "residual stream after the block", "-"), ("attn", "attention adds", "-"),
             ("mlp", "MLP adds", "-"), ("pooled_stream_out", "residual stream at the EOT token", "--")],
    "resnet": [("output", "bottleneck output", "-"), ("branch", "residual branch (bn3)", "-"),
               ("shortcut", "shortcut", "-")],
}


def depth_series(s: Snapshot) -> dict[str, tuple[list[str], list[tuple[str, str, str, list[float]]]]]:
    """tower -> (block labels, [(key, label, style, one value per block)]), as drawn in the depth figure."""
    out = {}
    for tower, recipe, kind in (("image", "depth_image", s.model.kind), ("text", "depth_text", "text")):
        blocks = s.recipe(recipe).result["blocks"]
        labels = [b["block"] if "block" in b else str(i) for i, b in enumerate(blocks)]
        out[tower] = (labels, [(key, label, style, [b[key] for b in blocks]) for key, label, style in DEPTH_SERIES[kind]])
    return out


def depth(s: Snapshot) -> dict[str, bytes]:
    """The two towers one above the other, each with its legend under it."""
    plt = _pyplot()
    series = depth_series(s)
    resnet = s.model.kind == "resnet"
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 8.4 if resnet else 7.6), layout="constrained")
        for ax, (tower, (labels, lines)) in zip(axes, series.items()):
            for key, label, style, ys in lines:
                (line,) = ax.plot(range(len(ys)), ys, style, marker="o", markersize=3.5, label=label)
                line.set_gid(f"depth-{tower}-{key}")
            rotate = resnet and tower == "image"
            step = every(len(labels), (WIDTH - 1) * 72, 1.4 * SMALL if rotate else 0.62 * SMALL * max(map(len, labels)) + 6)
            ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=90 if rotate else 0)
            ax.set_xlabel("bottleneck" if rotate else "block")
            ax.set_ylabel("mean L2 norm per position" if rotate else "mean L2 norm per token")
            ax.set_title(f"{tower} tower")
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32 if rotate else -0.2), ncols=2, frameon=False)
        fig.suptitle(f"{s.model.name}: norms through depth, one forward pass ({s.weights.mode} weights)")
        return drawn(fig)


def preprocessing(s: Snapshot) -> dict[str, bytes]:
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    r = s.recipe("preprocessing").result
    resized, crop = sample_crop(s)
    left, top, right, bottom = r["box"]
    (w0, h0), (w1, h1) = r["original"], r["resized_size"]
    with plt.rc_context(STYLE):
        fig, (a, b) = plt.subplots(1, 2, figsize=(WIDTH, 4.0), width_ratios=[w1 / h1, crop.shape[1] / crop.shape[0]],
                                   layout="constrained")
        a.imshow(resized, interpolation="none")  # embedded pixel for pixel
        a.add_patch(Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False, edgecolor="#d62728",
                              linewidth=2, linestyle="--"))
        a.set_title(f"Resize: {w0} × {h0} → {w1} × {h1}\nred: the CenterCrop window\n{tuple(r['box'])}")
        b.imshow(crop, interpolation="none")
        b.set_title(f"CenterCrop: {crop.shape[1]} × {crop.shape[0]}\nthen ToTensor and Normalize")
        fig.suptitle(f"{s.model.name}: the sample image through preprocess")
        return drawn(fig)


def _grid_lines(ax, crop, grid: int, cell: float) -> None:
    n = crop.shape[0]
    ax.imshow(crop, interpolation="none", extent=(0, n, n, 0))
    for k in range(grid + 1):
        ax.axhline(k * cell, color="white", linewidth=0.8)
        ax.axvline(k * cell, color="white", linewidth=0.8)
    for i in range(grid):
        for j in range(grid):
            if grid <= 16 or j == 0:
                number = i * grid + j + 1  # token 0 is the class token (ViT) or the mean (attention pool)
                ax.text((j + 0.5) * cell, (i + 0.5) * cell, str(number), ha="center", va="center",
                        fontsize=SMALL, color="white", bbox={"facecolor": "black", "alpha": 0.45, "pad": 1, "linewidth": 0})
    ax.set_xlim(0, n)
    ax.set_ylim(n, 0)


def grid(s: Snapshot) -> dict[str, bytes]:
    """ViT: the patches conv1 cuts, numbered as tokens.  ResNet: layer4's cells and one cell's receptive field."""
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    g = s.recipe("image_grid").result
    _, crop = sample_crop(s)
    n, cells = crop.shape[0], g["grid"]
    cell = n / cells
    with plt.rc_context(STYLE):
        if g["kind"] == "patches":
            fig, ax = plt.subplots(figsize=(WIDTH, WIDTH), layout="constrained")
            _grid_lines(ax, crop, cells, cell)
            ax.set_title(f"{s.model.name}: {cells} × {cells} patches of {g['patch']} × {g['patch']} pixels\n"
                         f"tokens 1 to {cells * cells}; token 0 is the class token")
            return drawn(fig)
        fig, (ax, right) = plt.subplots(1, 2, figsize=(WIDTH, 4.3), layout="constrained")
        _grid_lines(ax, crop, cells, cell)
        ax.set_title(f"{s.model.name}: layer4's {cells} × {cells} cells,\n{g['stride']} pixels apart; tokens 1 to "
                     f"{cells * cells}\nof the attention pool (token 0: their mean)")
        c = cells // 2
        centre = (c + 0.5) * cell
        half = g["field"] / 2
        right.imshow(crop, interpolation="none", extent=(0, n, n, 0))
        right.add_patch(Rectangle((c * cell, c * cell), cell, cell, fill=False, edgecolor="white", linewidth=2))
        right.add_patch(Rectangle((centre - half, centre - half), g["field"], g["field"], fill=False,
                                  edgecolor="#d62728", linewidth=2, linestyle="--"))
        pad = max(0.0, half - centre) + 0.04 * n
        right.set_xlim(-pad, n + pad)
        right.set_ylim(n + pad, -pad)
        right.set_title(f"white: cell ({c}, {c}); red: the {g['field']} × {g['field']}\npixels its receptive field "
                        f"spans\n(outside the image: zero padding)")
        return drawn(fig)


# --- fine-tuned checkpoints ------------------------------------------------------------------------------------------

def fine_tuned_depth(ft) -> dict[str, bytes]:
    """Relative change ‖ΔW‖/‖W‖ by depth in both towers of a fine-tuned checkpoint (a gen.fine_tuned.FineTuned),
    one tower above the other; positions holding a reshaped, added or removed tensor are marked."""
    plt = _pyplot()
    towers = (("image", ft.depth_image), ("text", ft.depth_text))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 7.5), layout="constrained")
        for ax, (tower, points) in zip(axes, towers):
            xs = range(len(points))
            ys = [p.relative if p.relative is not None else float("nan") for p in points]
            (line,) = ax.plot(xs, ys, "-", marker="o", markersize=3.5, color="#1f77b4",
                              label="‖ΔW‖ / ‖W‖ over same-shape tensors")
            line.set_gid(f"fine-tuned-{tower}")
            marked = [i for i, p in enumerate(points) if p.replaced]
            if marked:
                top = max([y for y in ys if y == y] + [0.0]) or 1.0
                ax.scatter(marked, [top] * len(marked), marker="x", color="#d62728", s=40, zorder=3,
                           label="holds a reshaped, added or removed tensor")
            step = max(1, -(-len(points) // 16))  # at most 16 labels: they stay SMALL and apart
            ax.set_xticks(list(xs)[::step], [p.label for p in points][::step], rotation=90 if len(points) > 8 else 0)
            ax.set_ylabel("relative change")
            ax.set_title(f"{tower} tower: input, blocks, output")
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, frameon=False)
        base = "its seeded random base" if ft.base.mode == "random" else "its base"
        fig.suptitle(f"{ft.name} ({ft.model}) against {base}: change by depth")
        return drawn(fig)


def gradient_series(s: Snapshot) -> dict[str, list[tuple[str, float | None]]]:
    """tower -> [(block, gradient norm or None when frozen)] in depth order, as drawn in training-gradients.svg."""
    blocks = s.recipe("training_gradients").result["blocks"]
    return {tower: [(b["block"], b["grad_norm"]) for b in blocks if b["tower"] == tower] for tower in ("image", "text")}


def gradients(s: Snapshot) -> dict[str, bytes]:
    """Gradient norm by depth after one backward pass, one tower above the other; frozen blocks drawn as grey
    crosses on the axis."""
    plt = _pyplot()
    series = gradient_series(s)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 8.0), layout="constrained")
        for ax, (tower, points) in zip(axes, series.items()):
            live = [(i, v) for i, (_, v) in enumerate(points) if v]  # a log axis has no place for 0
            (line,) = ax.plot([i for i, _ in live], [v for _, v in live], "-o", markersize=3.5, label="gradient norm")
            line.set_gid(f"gradients-{tower}")
            for value, colour, label in ((None, "#888888", "frozen: no gradient"), (0.0, "#ff7f0e", "zero gradient")):
                at = [i for i, (_, v) in enumerate(points) if v == value and (v is None) == (value is None)]
                if at:
                    ax.plot(at, [0.02] * len(at), "x", color=colour, transform=ax.get_xaxis_transform(), label=label)
            if live:
                ax.set_yscale("log")
                # plain "1e-03" labels: a mathtext exponent is printed at 0.7 of the font size, too small on paper
                from matplotlib.ticker import FuncFormatter, NullFormatter

                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}"))
                ax.yaxis.set_minor_formatter(NullFormatter())
            labels = [b.removeprefix("visual.").replace("transformer.resblocks.", "block ") for b, _ in points]
            step = max(1, -(-len(labels) // 16))  # at most 16 labels: they stay SMALL and apart
            ax.set_xticks(range(0, len(points), step), labels[::step], rotation=90)
            ax.set_ylabel("L2 norm of the gradients")
            ax.set_title(f"{tower} tower")
            ax.grid(alpha=0.3)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=3, frameon=False)
        fig.suptitle(f"{s.model.name}: gradient norm by depth after one backward pass ({s.weights.mode} weights)")
        return drawn(fig)

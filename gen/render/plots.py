"""Plots drawn from captured numbers (matplotlib, SVG, byte-stable for the same Snapshot)."""
from __future__ import annotations

import io

from gen.snapshot import Snapshot


def _pyplot():
    """matplotlib, imported when a figure is drawn: a build whose figures are all cached never loads it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt

STYLE = {
    "svg.hashsalt": "understanding-clip",   # stable element ids
    "svg.fonttype": "path",
    "figure.facecolor": "white",            # a light card, legible on both palettes
    "axes.facecolor": "white",
    "font.size": 10,
}


def _svg(fig, dpi: float | None = None) -> bytes:
    """`dpi` sets the resolution of raster images inside the SVG (default: the figure's)."""
    plt = _pyplot()
    out = io.BytesIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "Understanding CLIP"},
                dpi=dpi or "figure")
    plt.close(fig)
    return out.getvalue()


def pca_svg(s: Snapshot) -> bytes:
    plt = _pyplot()
    result = s.recipe("pca").result
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7, 5))
        for kind, marker, colour in (("image", "o", "#1f77b4"), ("text", "s", "#d62728")):
            idx = [i for i, k in enumerate(result["kinds"]) if k == kind]
            ax.scatter([result["points"][i][0] for i in idx], [result["points"][i][1] for i in idx],
                       marker=marker, color=colour, label=f"{kind} embeddings", s=40)
            for i in idx:
                ax.annotate(result["labels"][i], result["points"][i], fontsize=7, xytext=(4, 3),
                            textcoords="offset points")
        ev = result["explained"]
        ax.set_xlabel(f"PC 1 ({ev[0]:.1%} of variance)")
        ax.set_ylabel(f"PC 2 ({ev[1]:.1%} of variance)")
        ax.set_title(f"{s.model.name}: image and text embeddings ({s.weights.mode} weights)")
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
        return _svg(fig)


def gelu_svg(s: Snapshot) -> bytes:
    plt = _pyplot()
    r = s.recipe("activations").result
    with plt.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5.5), sharex=True, height_ratios=[3, 1.3])
        top.plot(r["x"], r["exact"], label="GELU: x·Φ(x)", color="#1f77b4", linewidth=2)
        top.plot(r["x"], r["quick"], label="QuickGELU: x·σ(1.702x)", color="#d62728", linestyle="--", linewidth=2)
        top.legend(fontsize=8)
        top.grid(alpha=0.3)
        top.set_title("QuickGELU and GELU, evaluated with torch at build time")
        bottom.plot(r["x"], [q - e for q, e in zip(r["quick"], r["exact"])], color="#2ca02c")
        bottom.axvline(r["at"], color="grey", linewidth=0.8, linestyle=":")
        bottom.set_ylabel("difference")
        bottom.set_xlabel("x")
        bottom.grid(alpha=0.3)
        return _svg(fig)


# --- Inside the computation: tokenizer, causal mask, attention maps, norms through depth, preprocessing ---------

SPECIAL = {"<|startoftext|>": "<SOT>", "<|endoftext|>": "<EOT>"}


def piece_label(piece: str) -> str:
    """A BPE vocabulary entry as a tick label: special tokens shortened, the end-of-word mark dropped."""
    return SPECIAL.get(piece, piece.replace("</w>", ""))


def sample_crop(s: Snapshot):
    """The sample image exactly as CenterCrop cut it (uint8 [H, W, 3]), from the captured resized image."""
    import base64

    import numpy as np

    r = s.recipe("preprocessing").result
    w, h = r["resized_size"]
    resized = np.frombuffer(base64.b64decode(r["resized_rgb"]), dtype=np.uint8).reshape(h, w, 3)
    left, top, right, bottom = r["box"]
    return resized, resized[top:bottom, left:right]


def causal_mask_svg(s: Snapshot) -> bytes:
    plt = _pyplot()
    r = s.recipe("causal_mask").result
    corner = r["corner"]
    n = len(corner)
    with plt.rc_context(STYLE):
        from matplotlib.colors import ListedColormap

        fig, ax = plt.subplots(figsize=(0.42 * n + 1.2, 0.42 * n + 0.9), layout="constrained")
        ax.imshow([[1 if ok else 0 for ok in row] for row in corner], cmap=ListedColormap(["#e6e6e6", "#3b7dc4"]),
                  vmin=0, vmax=1, interpolation="nearest")
        for i, row in enumerate(corner):
            for j, ok in enumerate(row):
                ax.text(j, i, "0" if ok else "−∞", ha="center", va="center", fontsize=7,
                        color="white" if ok else "#7a7a7a")
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
        ax.tick_params(labelsize=7)
        ax.set_xlabel("key position (attended to)")
        ax.set_ylabel("query position (attending)")
        ax.set_title(f"{s.model.name}: text attn_mask, first {n} of {r['size']} positions", fontsize=9)
        return _svg(fig)


def _panels(count: int, cols: int, size: float = 1.55):
    plt = _pyplot()
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * size + 0.9, rows * (size + 0.25) + 0.5), squeeze=False,
                             layout="constrained")
    flat = [ax for line in axes for ax in line]
    for ax in flat[count:]:
        ax.axis("off")
    return fig, flat[:count]


def attention_image_svg(s: Snapshot) -> bytes:
    """The query token's attention over the grid, one panel per head (and their mean), over the sample image."""
    plt = _pyplot()
    r = s.recipe("attention_image").result
    _, crop = sample_crop(s)
    n = crop.shape[0]
    maps = [("mean of the heads", r["mean_map"])] + [(f"head {h}", m) for h, m in enumerate(r["maps"])]
    top = max(v for _, m in maps for row in m for v in row)
    with plt.rc_context(STYLE):
        fig, axes = _panels(len(maps), min(len(maps), 6 if len(maps) <= 24 else 8), 1.55 if len(maps) <= 24 else 1.2)
        for ax, (label, m) in zip(axes, maps):
            ax.imshow(crop, extent=(0, n, n, 0), interpolation="antialiased")
            shown = ax.imshow(m, extent=(0, n, n, 0), cmap="inferno", alpha=0.6, vmin=0, vmax=top,
                              interpolation="nearest")
            ax.set_title(label, fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(shown, ax=axes, shrink=0.6, label="attention weight")
        fig.suptitle(f"{s.model.name}: attention of the {r['query']} over the {r['grid']} × {r['grid']} grid "
                     f"in {r['block']} ({s.weights.mode} weights)", fontsize=9)
        return _svg(fig, dpi=60)  # each panel's image: photo and weights composited, small enough for many heads


def attention_text_svg(s: Snapshot) -> bytes:
    """Each prompt's end-of-text row in the last text block: heads down, tokens across."""
    plt = _pyplot()
    r = s.recipe("attention_text").result
    prompts = r["prompts"]
    top = max(v for p in prompts for row in p["weights"] for v in row)
    heads = r["heads"]
    with plt.rc_context(STYLE):
        widest = max(len(p["pieces"]) for p in prompts)
        fig, axes = plt.subplots(len(prompts), 1, squeeze=False, layout="constrained",
                                 figsize=(max(4.5, 0.62 * widest + 2.2), len(prompts) * (0.2 * heads + 1.1) + 0.4))
        for ax, p in zip((a for line in axes for a in line), prompts):
            shown = ax.imshow(p["weights"], cmap="Blues", vmin=0, vmax=top, aspect="auto", interpolation="nearest")
            if heads * len(p["pieces"]) <= 200:
                for h, row in enumerate(p["weights"]):
                    for j, v in enumerate(row):
                        ax.text(j, h, f"{v:.2f}", ha="center", va="center", fontsize=6,
                                color="white" if v > 0.6 * top else "#08306b")
            ax.set_xticks(range(len(p["pieces"])), [piece_label(x) for x in p["pieces"]], fontsize=7)
            ax.set_yticks(range(heads), [f"head {h}" for h in range(heads)], fontsize=6)
            ax.set_title(f"“{p['prompt']}”: EOT at position {p['eot']}", fontsize=8)
        fig.colorbar(shown, ax=axes, shrink=0.7, label="attention weight")
        fig.suptitle(f"{s.model.name}: attention of the end-of-text token in {r['block']} "
                     f"({s.weights.mode} weights)", fontsize=9)
        return _svg(fig)


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
    """tower -> (block labels, [(key, label, style, one value per block)]), as drawn in depth.svg."""
    out = {}
    for tower, recipe, kind in (("image", "depth_image", s.model.kind), ("text", "depth_text", "text")):
        blocks = s.recipe(recipe).result["blocks"]
        labels = [b["block"] if "block" in b else str(i) for i, b in enumerate(blocks)]
        out[tower] = (labels, [(key, label, style, [b[key] for b in blocks]) for key, label, style in DEPTH_SERIES[kind]])
    return out


def depth_svg(s: Snapshot) -> bytes:
    plt = _pyplot()
    series = depth_series(s)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), width_ratios=[1.4 if s.model.kind == "resnet" else 1, 1],
                                 layout="constrained")
        for ax, (tower, (labels, lines)) in zip(axes, series.items()):
            for key, label, style, ys in lines:
                (line,) = ax.plot(range(len(ys)), ys, style, marker="o", markersize=3.5, label=label)
                line.set_gid(f"depth-{tower}-{key}")
            ax.set_xticks(range(len(labels)), labels, rotation=90 if s.model.kind == "resnet" and tower == "image" else 0,
                          fontsize=7)
            ax.set_xlabel("bottleneck" if tower == "image" and s.model.kind == "resnet" else "block")
            ax.set_ylabel("mean L2 norm per position" if tower == "image" and s.model.kind == "resnet"
                          else "mean L2 norm per token")
            ax.set_title(f"{'image' if tower == 'image' else 'text'} tower", fontsize=9)
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        fig.suptitle(f"{s.model.name}: norms through depth, one forward pass ({s.weights.mode} weights)", fontsize=10)
        return _svg(fig)


def preprocessing_svg(s: Snapshot) -> bytes:
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    r = s.recipe("preprocessing").result
    resized, crop = sample_crop(s)
    left, top, right, bottom = r["box"]
    (w0, h0), (w1, h1) = r["original"], r["resized_size"]
    with plt.rc_context(STYLE):
        fig, (a, b) = plt.subplots(1, 2, figsize=(8, 4.4), width_ratios=[w1 / h1, crop.shape[1] / crop.shape[0]],
                                   layout="constrained")
        a.imshow(resized, interpolation="none")  # embedded in the SVG pixel for pixel
        a.add_patch(Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False, edgecolor="#d62728",
                              linewidth=2, linestyle="--"))
        a.set_title(f"Resize: {w0} × {h0} → {w1} × {h1}\nred: the CenterCrop window {r['box']}", fontsize=8)
        b.imshow(crop, interpolation="none")
        b.set_title(f"CenterCrop: {crop.shape[1]} × {crop.shape[0]}\nthen ToTensor and Normalize", fontsize=8)
        for ax in (a, b):
            ax.tick_params(labelsize=7)
        fig.suptitle(f"{s.model.name}: the sample image through preprocess", fontsize=10)
        return _svg(fig)


def grid_svg(s: Snapshot) -> bytes:
    """ViT: the patches conv1 cuts, numbered as tokens.  ResNet: layer4's cells and one cell's receptive field."""
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    g = s.recipe("image_grid").result
    _, crop = sample_crop(s)
    n, grid = crop.shape[0], g["grid"]
    cell = n / grid
    with plt.rc_context(STYLE):
        if g["kind"] == "patches":
            fig, ax = plt.subplots(figsize=(6, 6), layout="constrained")
            axes = [ax]
        else:
            fig, axes = plt.subplots(1, 2, figsize=(11, 5.5), layout="constrained")
        ax = axes[0]
        ax.imshow(crop, interpolation="none", extent=(0, n, n, 0))
        for k in range(grid + 1):
            ax.axhline(k * cell, color="white", linewidth=0.8)
            ax.axvline(k * cell, color="white", linewidth=0.8)
        for i in range(grid):
            for j in range(grid):
                if grid <= 14 or j == 0:
                    number = i * grid + j + 1  # token 0 is the class token (ViT) or the mean (attention pool)
                    ax.text((j + 0.5) * cell, (i + 0.5) * cell, str(number), ha="center", va="center",
                            fontsize=7 if grid <= 8 else 5, color="white",
                            bbox={"facecolor": "black", "alpha": 0.45, "pad": 1, "linewidth": 0})
        ax.set_xlim(0, n)
        ax.set_ylim(n, 0)
        ax.tick_params(labelsize=7)
        if g["kind"] == "patches":
            ax.set_title(f"{s.model.name}: {grid} × {grid} patches of {g['patch']} × {g['patch']} pixels\n"
                         f"tokens 1 to {grid * grid}; token 0 is the class token", fontsize=9)
        else:
            ax.set_title(f"{s.model.name}: layer4's {grid} × {grid} cells, {g['stride']} pixels apart\n"
                         f"tokens 1 to {grid * grid} of the attention pool; its token 0 is their mean", fontsize=9)
            ax = axes[1]
            c = grid // 2
            centre = (c + 0.5) * cell
            half = g["field"] / 2
            ax.imshow(crop, interpolation="none", extent=(0, n, n, 0))
            ax.add_patch(Rectangle((c * cell, c * cell), cell, cell, fill=False, edgecolor="white", linewidth=2))
            ax.add_patch(Rectangle((centre - half, centre - half), g["field"], g["field"], fill=False,
                                   edgecolor="#d62728", linewidth=2, linestyle="--"))
            pad = max(0.0, half - centre) + 0.04 * n
            ax.set_xlim(-pad, n + pad)
            ax.set_ylim(n + pad, -pad)
            ax.tick_params(labelsize=7)
            ax.set_title(f"white: cell ({c}, {c}); red: the {g['field']} × {g['field']} pixels\n"
                         f"its receptive field spans (outside the image: zero padding)", fontsize=9)
        return _svg(fig)


def gradient_series(s: Snapshot) -> dict[str, list[tuple[str, float | None]]]:
    """tower -> [(block, gradient norm or None when frozen)] in depth order, as drawn in training-gradients.svg."""
    blocks = s.recipe("training_gradients").result["blocks"]
    return {tower: [(b["block"], b["grad_norm"]) for b in blocks if b["tower"] == tower] for tower in ("image", "text")}


def gradients_svg(s: Snapshot) -> bytes:
    """Gradient norm by depth after one backward pass; frozen blocks drawn as grey crosses on the axis."""
    plt = _pyplot()
    series = gradient_series(s)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained",
                                 width_ratios=[max(len(series["image"]), 4), max(len(series["text"]), 4)])
        for ax, (tower, points) in zip(axes, series.items()):
            live = [(i, v) for i, (_, v) in enumerate(points) if v]  # a log axis has no place for 0
            (line,) = ax.plot([i for i, _ in live], [v for _, v in live], "-o", markersize=3.5, label="gradient norm")
            line.set_gid(f"gradients-{tower}")
            for value, colour, label in ((None, "#888888", "frozen: no gradient"), (0.0, "#ff7f0e", "zero gradient")):
                at = [i for i, (_, v) in enumerate(points) if v == value and (v is None) == (value is None)]
                if at:
                    ax.plot(at, [0.02] * len(at), "x", color=colour, transform=ax.get_xaxis_transform(), label=label)
            ax.set_yscale("log")
            labels = [b.removeprefix("visual.").replace("transformer.resblocks.", "block ") for b, _ in points]
            ax.set_xticks(range(len(points)), labels, rotation=90, fontsize=7)
            ax.set_ylabel("L2 norm of the block's gradients")
            ax.set_title(f"{tower} tower", fontsize=9)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        fig.suptitle(f"{s.model.name}: gradient norm by depth after one backward pass ({s.weights.mode} weights)",
                     fontsize=10)
        return _svg(fig)

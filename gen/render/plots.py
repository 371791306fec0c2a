"""Plots drawn from captured numbers (matplotlib, SVG, byte-stable for the same Snapshot)."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gen.snapshot import Snapshot  # noqa: E402

STYLE = {
    "svg.hashsalt": "understanding-clip",   # stable element ids
    "svg.fonttype": "path",
    "figure.facecolor": "white",            # a light card, legible on both palettes
    "axes.facecolor": "white",
    "font.size": 10,
}


def _svg(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "Understanding CLIP"})
    plt.close(fig)
    return out.getvalue()


def pca_svg(s: Snapshot) -> bytes:
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


def for_model(s: Snapshot) -> dict[str, bytes]:
    return {f"figures/{s.model.slug}/pca.svg": pca_svg(s)}


def activations(s: Snapshot) -> dict[str, bytes]:
    return {"figures/quickgelu-vs-gelu.svg": gelu_svg(s)}

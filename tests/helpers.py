# Plain helpers shared by the tests: the tiny CLIP configuration, provenance normalisation, HTML text, subprocess runs.
from __future__ import annotations

import dataclasses
import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from gen import archs
from gen.snapshot import Snapshot
from gen.weights import WeightsPlan

REPO = Path(__file__).resolve().parent.parent
GOLDENS = Path(__file__).resolve().parent / "goldens"
GOLDEN_COMMAND = "UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_goldens.py"

# A CLIP small enough to capture in seconds.  Vocabulary and context stay at CLIP's values because
# clip's real BPE tokenizer produces the text input.
TINY_ARCH = archs.ArchConfig(
    embed_dim=16, image_resolution=32, vision_layers=2, vision_width=64, vision_patch_size=16,
    context_length=77, vocab_size=49408, transformer_width=64, transformer_heads=1, transformer_layers=2,
)
TINY_PLAN = WeightsPlan("tiny-vit", "random", None, None, 0)
# A tiny modified ResNet (stem width 8: four attention-pool heads of 64) whose layer4 has two bottlenecks, so that
# unfreeze_last=1 leaves one of them frozen; captured like TINY_ARCH by capture_tiny_resnet.
TINY_RESNET_ARCH = archs.ArchConfig(
    embed_dim=16, image_resolution=64, vision_layers=(1, 1, 1, 2), vision_width=8, vision_patch_size=None,
    context_length=77, vocab_size=49408, transformer_width=64, transformer_heads=1, transformer_layers=1,
)
TINY_RESNET_PLAN = WeightsPlan("tiny-rn", "random", None, None, 0)
# Two image-caption pairs (photographs the requirements ship) and one distractor: a training step on them has a
# 2 x 2 logits matrix, so its loss is not trivially zero.
TINY_SAMPLES = [("matplotlib", "grace_hopper.jpg", "a portrait of an officer"), ("skimage", "chelsea.png", "a photo of a cat")]
TINY_PROMPTS = [caption for *_, caption in TINY_SAMPLES] + ["a photo of a hand"]
SOURCE_DATE_EPOCH = "1000000000"
SOURCE_DATE_ISO = "2001-09-09T01:46:40+00:00"  # what SOURCE_DATE_EPOCH above is in UTC

# Fields of the provenance block that name versions or moments, not the model.
PROVENANCE_PLACEHOLDERS = {
    "clip_version": "<clip version>",
    "torch": "<torch version>",
    "python": "<python version>",
    "graphviz": "<graphviz version>",
    "generator": "<generator version>",
    "captured_at": "YYYY-MM-DDThh:mm:ss+00:00",  # ISO-shaped: templates slice it (year, date)
}


def tiny_extra(cache: Path, **more) -> dict:
    """An `extra.clip_docs` mapping for the tiny tests: one documented model, no comparison, random weights."""
    from gen.config import _sample_data

    samples = [{"image": str(_sample_data(name, package)), "caption": caption} for package, name, caption in TINY_SAMPLES]
    if "images" not in more:
        more = {"samples": samples, **more}
    if "prompts" not in more:
        more = {"distractors": TINY_PROMPTS[len(TINY_SAMPLES):], **more}
    # unfreeze_last=1: of the tiny towers' two blocks one trains and one stays frozen in the training step
    return {"models": ["ViT-B/32"], "compare": [], "weights": "random", "cache": str(cache), "unfreeze_last": 1,
            **more}


def capture_tiny(cfg) -> Snapshot:
    from gen.capture import take_snapshot

    return take_snapshot(TINY_PLAN, cfg, "full", arch=TINY_ARCH)


def capture_tiny_resnet(cfg) -> Snapshot:
    from gen.capture import take_snapshot

    return take_snapshot(TINY_RESNET_PLAN, cfg, "full", arch=TINY_RESNET_ARCH)


def render_tiny(cfg, snapshot: Snapshot) -> dict[str, bytes]:
    """All files gen.build.generate makes for `cfg`, with `snapshot` standing in for every capture.

    generate() stamps each Snapshot with this build's Graphviz and generator versions; in the pages they
    are replaced by the placeholders of `normalise`, so goldens do not change with every commit.
    """
    import pytest

    import gen.capture
    from gen import build
    from gen.capture_facts import generator_version
    from gen.render.dot import Dot
    from gen.store import Store

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gen.capture, "take_snapshot", lambda plan, cfg, scope="full", arch=None: snapshot)
        files = build.generate(cfg)
    facts = {generator_version(): PROVENANCE_PLACEHOLDERS["generator"],
             Dot(Store(cfg.cache)).version: PROVENANCE_PLACEHOLDERS["graphviz"]}
    out = {}
    for path, data in files.items():
        if path.endswith(".md"):
            text = data.decode("utf-8")
            for fact, placeholder in facts.items():
                text = text.replace(fact, placeholder)
            data = text.encode("utf-8")
        out[path] = data
    return out


def normalise(s: Snapshot) -> Snapshot:
    """The Snapshot with versions, generator and capture time replaced by placeholders."""
    return dataclasses.replace(s, provenance=dataclasses.replace(s.provenance, **PROVENANCE_PLACEHOLDERS))


def strip_svg(markdown: str) -> str:
    """Inline SVG depends on the Graphviz version: keep the page, drop the drawing."""
    return re.sub(r"<svg\b.*?</svg>", "<svg><!-- inline SVG removed for the golden --></svg>", markdown, flags=re.S)


def html_text(page: str) -> str:
    """Visible text of an HTML page: no scripts, no tags, entities decoded, whitespace collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page)).strip()


def code_blocks(page: str) -> list[tuple[str, str]]:
    """(title, text) of every highlighted code block of an HTML page built by Material."""
    blocks = []
    for m in re.finditer(r'<div class="highlight">(.*?)</code></pre></div>', page, flags=re.S):
        inner = m.group(1)
        title = re.search(r'<span class="filename">(.*?)</span>', inner)
        body = re.sub(r"<[^>]+>", "", inner[inner.find("<code>"):])
        blocks.append((html.unescape(title.group(1)) if title else "", html.unescape(body)))
    return blocks


def table_rows(page: str) -> list[list[str]]:
    """Cells of every table row of an HTML page, as text."""
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        rows.append([html_text(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, flags=re.S)])
    return rows


def env_without_clip_docs(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIP_DOCS_")}
    env.update(DISABLE_MKDOCS_2_WARNING="true", NO_MKDOCS_2_WARNING="1", **extra)
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


def broken_links(site: Path, skip: tuple[str, ...] = ("404.html",)) -> dict[str, list[str]]:
    """Relative links of a built site (href, src, SVG xlink:href) whose file or anchor does not exist, in
    every HTML page and every SVG file (a diagram opened on its own must not carry page-relative links).

    Returns {"page -> link": reason}.  MkDocs' own check does not look inside inline SVG, so this one does.
    """
    from urllib.parse import unquote, urlsplit

    ids: dict[Path, set[str]] = {}

    def ids_of(page: Path) -> set[str]:
        if page not in ids:
            ids[page] = set(re.findall(r'\b(?:id|name)="([^"]*)"', page.read_text(encoding="utf-8", errors="replace")))
        return ids[page]

    broken: dict[str, list[str]] = {}
    for page in sorted([*site.rglob("*.html"), *site.rglob("*.svg")]):
        rel_page = page.relative_to(site).as_posix()
        if rel_page in skip:
            continue
        for url in re.findall(r'\s(?:href|xlink:href|src)="([^"]*)"', page.read_text(encoding="utf-8")):
            url = html.unescape(url)
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) or url.startswith("//"):
                continue  # external
            parts = urlsplit(url)
            if parts.path.startswith("/"):
                broken.setdefault("absolute link (breaks sub-path hosting)", []).append(f"{rel_page} -> {url}")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.setdefault("missing file", []).append(f"{rel_page} -> {url}")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in ids_of(target):
                broken.setdefault("missing anchor", []).append(f"{rel_page} -> {url}")
    return {reason: sorted(set(links)) for reason, links in broken.items()}


BANNER_SWITCHES = ("DISABLE_MKDOCS_2_WARNING", "NO_MKDOCS_2_WARNING")  # only plain `mkdocs` needs them


def mkdocs_build(root: Path, *python_flags: str, tool: str = "properdocs", site: str = "site"):
    """A strict build of the default site with `tool` (ProperDocs, as the README's command, or MkDocs)."""
    env = env_without_clip_docs(CLIP_DOCS_WEIGHTS="random", CLIP_DOCS_CACHE=str(root / "cache"))
    if tool == "properdocs":
        env = {k: v for k, v in env.items() if k not in BANNER_SWITCHES}
    started = time.monotonic()
    proc = run([*python_flags, "-m", tool, "build", "--strict", "-f", str(REPO / "mkdocs.yml"),
                "-d", str(root / site)], env, timeout=600)
    return proc, time.monotonic() - started


def earlier_output(out: Path, files: dict[str, bytes] | None = None, kind: str = "markdown") -> Path:
    """A folder as an earlier `python -m gen --out` (or --snapshot-out, kind "snapshots") left it."""
    from gen.build import write_tree

    write_tree(files or {"stale.md": b"from an older build"}, out, kind)
    return out


def project_folder(root: Path) -> Path:
    """A folder the generator did not write: a project with its history and a thesis in it."""
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "thesis.tex").write_text("\\documentclass{article}\n")
    return root

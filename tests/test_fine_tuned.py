# Fine-tuned checkpoints against their base: self-made pairs in both formats, the pages, the cache, bad input.
from __future__ import annotations

import dataclasses
import json
import re

import pytest
import torch

from fixtures_checkpoints import TINY_RESNET, finetuned, save_jit, save_state_dict, tiny_model
from gen import archs, config
from gen.fine_tuned import FineTuned
from gen.fine_tuned_plan import collect
from gen.store import Store
from helpers import normalise, render_tiny, run, tiny_extra
from test_bad_input import assert_cli_error, run_cli

# Four image blocks, so that "the last two" leaves two untouched.
ARCH = archs.ArchConfig(embed_dim=16, image_resolution=32, vision_layers=4, vision_width=64, vision_patch_size=16,
                        context_length=77, vocab_size=49408, transformer_width=64, transformer_heads=1,
                        transformer_layers=2)
TRAINED = ("visual.transformer.resblocks.2.", "visual.transformer.resblocks.3.")
REPLACED = {"visual.proj", "text_projection"}
WIDTH = 256


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A base and its fine-tune (last two image blocks trained, both projections replaced 256 wide), each as a
    state dict and as a TorchScript archive; and the base again as an archive (a pair that changes nothing)."""
    folder = tmp_path_factory.mktemp("fine-tuned")
    base = tiny_model(ARCH)
    out = {"base.pt": folder / "base.pt", "base.jit": folder / "base.jit"}
    base_state = save_state_dict(base, out["base.pt"])
    save_jit(base, out["base.jit"], ARCH.image_resolution)
    tuned = tiny_model(ARCH)
    torch.manual_seed(3)
    with torch.no_grad():
        for name, p in tuned.named_parameters():
            if name.startswith(TRAINED):
                p.add_(torch.randn_like(p) * 0.01)
    trained = {name for name, _ in tuned.named_parameters() if name.startswith(TRAINED)}
    finetuned(tuned, WIDTH, text=True)
    out["tuned.pt"], out["tuned.jit"] = folder / "tuned.pt", folder / "tuned.jit"
    save_state_dict(tuned, out["tuned.pt"])
    save_jit(tuned, out["tuned.jit"], ARCH.image_resolution)
    return {"paths": out, "trained": trained, "tensors": len(base_state), "folder": folder}


def pair(name: str, base, checkpoint) -> dict:
    return {"name": name, "model": "ViT-B/32", "base": str(base), "checkpoint": str(checkpoint)}


def compare(tmp_path, *pairs: dict) -> list[FineTuned]:
    cfg = config.load(tiny_extra(tmp_path / "cache", fine_tuned=list(pairs)), base_dir=tmp_path, env={})
    return collect(cfg, Store(cfg.cache), arch=ARCH)


@pytest.mark.parametrize("fmt", ["pt", "jit"])
def test_changed_pair_names_exactly_the_changed_tensors(files, tmp_path, fmt):
    p = files["paths"]
    (ft,) = compare(tmp_path, pair("HandCLIP", p[f"base.{fmt}"], p[f"tuned.{fmt}"]))
    assert {c.name for c in ft.changed} == files["trained"]
    assert {r.name: r.tuned_shape[-1] for r in ft.reshaped} == {name: WIDTH for name in REPLACED}
    assert ft.tensors == files["tensors"]
    assert ft.identical == files["tensors"] - len(files["trained"]) - len(REPLACED)
    assert ft.added == () and ft.removed == ()
    assert ft.tuned.format == ("jit" if fmt == "jit" else "state_dict") == ft.base.format
    assert all(0 < c.relative and -1 <= c.cosine < 1 for c in ft.changed)
    blocks = {d.label: d for d in ft.depth_image}
    assert [label for label, d in blocks.items() if d.changed] == ["2", "3", "output"]
    assert blocks["2"].relative > 0 and blocks["0"].relative == 0 and blocks["output"].replaced == 1
    assert [d.label for d in ft.depth_text if d.changed] == ["output"]
    assert (ft.before.image_width, ft.after.image_width, ft.after.text_width) == (ARCH.embed_dim, WIDTH, WIDTH)
    assert ft.before.cosine is not None and ft.after.cosine is not None  # each model's towers meet
    assert ft.image_moved is None and ft.text_moved is None  # 16 against 256 dimensions: not comparable
    assert FineTuned.from_json(ft.to_json()) == ft


def test_unchanged_pair_across_formats(files, tmp_path):
    """The base as a state dict against the same model as a TorchScript archive: nothing changed."""
    p = files["paths"]
    (ft,) = compare(tmp_path, pair("Same", p["base.pt"], p["base.jit"]))
    assert ft.changed == () and ft.reshaped == () and ft.identical == ft.tensors == files["tensors"]
    assert all(d.changed == 0 for d in ft.depth_image + ft.depth_text)
    assert ft.before.cosine == ft.after.cosine
    assert ft.image_moved == pytest.approx([1.0] * len(ft.images), abs=1e-6)
    assert ft.text_moved == pytest.approx([1.0] * len(ft.prompts), abs=1e-6)


def test_checkpoint_of_only_the_trained_tensors(files, tmp_path):
    """A fine-tune that saved only what it trained: the rest is reported as removed and taken from the base."""
    partial = {k: v for k, v in torch.load(files["paths"]["tuned.pt"]).items() if k in files["trained"] | REPLACED}
    torch.save(partial, tmp_path / "partial.pt")
    (ft,) = compare(tmp_path, pair("Partial", files["paths"]["base.pt"], tmp_path / "partial.pt"))
    assert {c.name for c in ft.changed} == files["trained"] and {r.name for r in ft.reshaped} == REPLACED
    assert len(ft.removed) == files["tensors"] - len(partial) and ft.identical == 0 and ft.added == ()


def test_resnet_pair_reports_batchnorm_statistics_as_buffers(tmp_path):
    """A ResNet whose last stage trained (running statistics included) and whose attention-pool output was replaced."""
    base = tiny_model(TINY_RESNET)
    save_state_dict(base, tmp_path / "base.pt")
    tuned = tiny_model(TINY_RESNET)
    with torch.no_grad():
        for name, p in tuned.named_parameters():
            if name.startswith("visual.layer4."):
                p.add_(0.01)
        tuned.visual.layer4[0].bn1.running_mean.add_(0.5)
    finetuned(tuned, WIDTH)
    save_state_dict(tuned, tmp_path / "tuned.pt")
    cfg = config.load(tiny_extra(tmp_path / "cache", models=["RN50"], fine_tuned=[
        {"name": "RN", "model": "RN50", "base": str(tmp_path / "base.pt"), "checkpoint": str(tmp_path / "tuned.pt")}]),
        base_dir=tmp_path, env={})
    (ft,) = collect(cfg, Store(cfg.cache), arch=TINY_RESNET)
    layer4 = {name for name, _ in tuned.named_parameters() if name.startswith("visual.layer4.")}
    assert {c.name for c in ft.changed if c.parameter} == layer4
    assert [c.name for c in ft.changed if not c.parameter] == ["visual.layer4.0.bn1.running_mean"]
    assert {r.name for r in ft.reshaped} == {"visual.attnpool.c_proj.weight", "visual.attnpool.c_proj.bias"}
    assert [p.label for p in ft.depth_image if p.changed] == ["layer4.0", "output"]
    assert ft.after.cosine is None and ft.image_moved is None  # 256-wide images, 16-wide texts
    assert ft.text_moved == pytest.approx([1.0] * len(ft.prompts), abs=1e-6)


# --- the pages ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(files, tiny_snapshot, tmp_path_factory):
    """The tiny site with three comparisons: the changed pair, the unchanged one, and the changed file against
    `base: pretrained`, which in random mode is the seeded model. The tiny Snapshot stands in for ViT-B/32 so that
    the pages can link its parameter ledger."""
    import gen.capture.fine_tuned as capture

    p = files["paths"]
    cache = tmp_path_factory.mktemp("fine-tuned-site")
    entries = [pair("HandCLIP", p["base.pt"], p["tuned.pt"]), pair("Same weights", p["base.pt"], p["base.jit"]),
               {"name": "From random", "model": "ViT-B/32", "checkpoint": str(p["tuned.jit"])}]
    cfg = config.load(tiny_extra(cache, fine_tuned=entries), base_dir=files["folder"], env={})
    snap = normalise(tiny_snapshot)
    snap = dataclasses.replace(snap, model=dataclasses.replace(snap.model, name="ViT-B/32"))
    with pytest.MonkeyPatch.context() as mp:
        take = capture.take
        mp.setattr(capture, "take", lambda *args, arch=None: take(*args, arch=ARCH))
        out = render_tiny(cfg, snap)
    return {"files": out, "cfg": cfg, "snapshot": snap}


def section(page: str, heading: str) -> str:
    return page.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def named(text: str) -> set[str]:
    """Tensor names in the first column of a Markdown table."""
    return {m[1] for m in re.finditer(r"^\| (?:\[)?`([a-z_][\w.]*)`", text, flags=re.M)}


def test_page_names_exactly_the_changed_tensors_and_counts_the_identical(site, files):
    page = site["files"]["fine-tuned/handclip/index.md"].decode()
    assert named(section(page, "Changed tensors")) == files["trained"]
    assert named(section(page, "Reshaped, added and removed")) == REPLACED
    identical = files["tensors"] - len(files["trained"]) - len(REPLACED)
    assert f"{identical} of the {files['tensors']} tensors hold exactly the values of the base" in page
    assert "cannot be compared" in section(page, "How far each embedding moved")
    assert f"{WIDTH}-dimensional image embeddings" in page
    assert "figures/fine-tuned/handclip/change-by-depth.svg" in site["files"]
    assert site["files"]["figures/fine-tuned/handclip/change-by-depth.svg"].startswith(b"<?xml")


def test_changed_tensors_link_the_ledger_rows_that_exist(site):
    """Tensors the documented model's ledger lists link to their row; the others are plain names."""
    page = site["files"]["fine-tuned/handclip/index.md"].decode()
    ledger = site["files"]["models/tiny-vit/parameters/index.md"].decode()
    links = dict(re.findall(r"\[`([\w.]+)`\]\(([^)]+)\)", page))
    known = {p.name for p in site["snapshot"].parameters}
    assert links and set(links) <= known
    assert "visual.proj" in links and "visual.transformer.resblocks.3.ln_1.weight" not in links
    for name, href in links.items():
        path, _, anchor = href.partition("#")
        assert path == "../../models/tiny-vit/parameters/index.md", href
        assert f'id="{anchor}"' in ledger, f"no row {anchor} in the ledger"


def test_unchanged_page_and_random_base(site):
    same = site["files"]["fine-tuned/same-weights/index.md"].decode()
    assert "No tensor of the same shape in both files holds different values." in same
    assert "Random base" not in same
    rows = section(same, "How far each embedding moved")
    assert rows.count("| 1.000000 |") == len(site["cfg"].images) + len(site["cfg"].prompts)
    random = site["files"]["fine-tuned/from-random/index.md"].decode()
    assert "Random base: these are not the changes fine-tuning made" in random
    assert "torch.manual_seed(0)" in random


def test_navigation_and_provenance(site, files):
    summary = site["files"]["SUMMARY.md"].decode()
    assert "* [Fine-tuned](fine-tuned/index.md)" in summary
    for slug in ("handclip", "same-weights", "from-random"):
        assert f"(fine-tuned/{slug}/index.md)" in summary
    assert "fine-tuned/index.md" in site["files"]
    provenance = site["files"]["provenance/index.md"].decode()
    for name in ("base.pt", "tuned.pt", "base.jit"):
        digest = config.file_sha256(files["paths"][name])
        assert f"`{digest}`" in provenance, f"SHA-256 of {name} missing"


def test_warm_comparison_does_not_import_torch(site):
    """The site fixture cached every comparison; reading them back needs no torch."""
    cfg = site["cfg"]
    extra = tiny_extra(cfg.cache, fine_tuned=[{"name": p.name, "model": p.model, "checkpoint": str(p.checkpoint),
                                               **({"base": str(p.base)} if p.base else {})} for p in cfg.fine_tuned])
    code = ("import json, sys; from gen import config; from gen.fine_tuned_plan import collect; from gen.store import Store; "
            f"cfg = config.load(json.loads({json.dumps(json.dumps(extra))}), env={{}}); "
            "found = collect(cfg, Store(cfg.cache)); assert 'torch' not in sys.modules, 'torch imported'; print(len(found))")
    proc = run(["-c", code], env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1000000000"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "3"


# --- bad input: one message, no traceback --------------------------------------------------------------------------

def test_checkpoint_of_another_architecture(files, tmp_path):
    """The tiny checkpoint given as a ViT-B/32 fine-tune is refused before the base model loads."""
    out = tmp_path / "out"
    proc = run_cli(tmp_path, {"models": ["ViT-B/32"], "compare": [], "weights": "random", "jobs": 1,
                              "fine_tuned": [pair("HandCLIP", "pretrained", files["paths"]["tuned.pt"])]}, out)
    # loading had begun, so the log has its INFO lines (and clip's import warning); one error, no traceback
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in ("fine_tuned entry 'HandCLIP'", "not a ViT-B/32", "`model:`", "`checkpoint:`"):
        assert needle in errors[0]
    assert not out.exists()


@pytest.mark.parametrize("entries, needles", [
    ([{"name": "HandCLIP", "model": "ViT-B/32", "checkpoint": "missing.pt"}],
     ("fine_tuned[0].checkpoint", "missing.pt", "does not exist")),
    ([{"name": "HandCLIP", "model": "ViT-B/32", "checkpoint": "{ckpt}"},
      {"name": "HandCLIP", "model": "ViT-B/32", "checkpoint": "{ckpt}"}],
     ("'HandCLIP' is used twice", "a name of its own")),
    ([{"name": "HandCLIP", "model": "ViT-B/99", "checkpoint": "{ckpt}"}],
     ("'ViT-B/99'", "fine_tuned[0].model", "available models")),
], ids=["missing file", "name used twice", "unknown model"])
def test_bad_fine_tuned_entries(files, tmp_path, entries, needles):
    ckpt = str(files["paths"]["tuned.pt"])
    entries = [{k: v.replace("{ckpt}", ckpt) for k, v in e.items()} for e in entries]
    out = tmp_path / "out"
    proc = run_cli(tmp_path, {"models": ["ViT-B/32"], "compare": [], "weights": "random", "fine_tuned": entries}, out)
    assert_cli_error(proc, *needles)
    assert not out.exists()


def test_checkpoint_that_is_not_one(files, tmp_path):
    (tmp_path / "notes.pt").write_text("not a checkpoint")
    out = tmp_path / "out"
    proc = run_cli(tmp_path, {"models": ["ViT-B/32"], "compare": [], "weights": "random", "jobs": 1,
                              "fine_tuned": [pair("HandCLIP", files["paths"]["base.pt"], tmp_path / "notes.pt")]}, out)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    (error,) = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert "fine_tuned entry 'HandCLIP', `checkpoint:`" in error and "not a PyTorch checkpoint" in error
    assert "CLIP_DOCS_WEIGHTS=random" not in error, "random weights would not help here"

# Pretrained mode: planning, downloading (no network: a fake opener) and loading tiny checkpoints of both formats.
from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import os
import subprocess
import sys
import urllib.error
import warnings
from pathlib import Path

import clip
import pytest
import torch
from PIL import Image

from gen import archs, download, weights
from gen.capture import load as loader
from gen.config import Config
from gen.errors import LoadError
from gen.store import Store
from gen.weights import WeightsPlan

from fixtures_checkpoints import (TINY_RESNET, TINY_VIT, finetuned, save_jit, save_state_dict, tiny_model,
                                  truncated_copy)

REPO = Path(__file__).resolve().parent.parent
LOAD_LOG = "mkdocs.plugins.gen.capture.load"
WEIGHTS_LOG = "mkdocs.plugins.gen.weights"


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """One tiny ViT saved both ways, with the tensors that went in."""
    folder = tmp_path_factory.mktemp("checkpoints")
    model = tiny_model()
    return {
        "state_dict": (folder / "tiny-sd.pt", save_state_dict(model, folder / "tiny-sd.pt")),
        "jit": (folder / "tiny-jit.pt", save_jit(model, folder / "tiny-jit.pt", TINY_VIT.image_resolution)),
    }


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any download a test did not arrange fails the test, and no test reaches the network."""
    def refuse(url, timeout=None):
        raise AssertionError(f"unexpected download of {url}")
    monkeypatch.setattr(download, "urlopen", refuse)


class FakeResponse(io.BytesIO):
    def __init__(self, data: bytes, length: int | None = None):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data) if length is None else length)}


def serve(monkeypatch, data: bytes, length: int | None = None, calls: list | None = None):
    def opener(url, timeout=None):
        if calls is not None:
            calls.append((url, timeout))
        return FakeResponse(data, length)
    monkeypatch.setattr(download, "urlopen", opener)


def offline(monkeypatch, calls: list | None = None):
    def opener(url, timeout=None):
        if calls is not None:
            calls.append((url, timeout))
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))
    monkeypatch.setattr(download, "urlopen", opener)


def publish(monkeypatch, name: str, data: bytes) -> str:
    """Make `data` the published checkpoint of `name`: its SHA-256 goes into the download URL."""
    digest = hashlib.sha256(data).hexdigest()
    monkeypatch.setitem(download.MODEL_URLS, name, f"https://example.invalid/clip/models/{digest}/{download.file_name(name)}")
    return digest


def plan_of(cfg: Config, name: str) -> WeightsPlan:
    """weights.plan with the build cache of `cfg` (which remembers checkpoints' SHA-256)."""
    return weights.plan(cfg, name, Store(cfg.cache))


def cfg_for(tmp_path: Path, weights_mode: str, **more) -> Config:
    return dataclasses.replace(Config(), weights=weights_mode, clip_cache=tmp_path / "clip-cache",
                               cache=tmp_path / "docs-cache", **more)


def pretrained(path: Path, name: str = "ViT-B/32") -> WeightsPlan:
    return WeightsPlan(name, "pretrained", path, None, None)


def assert_same_tensors(model: torch.nn.Module, saved: dict[str, torch.Tensor]) -> None:
    got = model.state_dict()
    assert set(got) == set(saved)
    for key, tensor in saved.items():
        assert got[key].shape == tensor.shape, key
        if tensor.is_floating_point():
            assert got[key].dtype == torch.float32, key
            assert torch.equal(got[key], tensor.float()), key
        else:  # BatchNorm's num_batches_tracked
            assert torch.equal(got[key], tensor), key


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


# ---------------------------------------------------------------- tables


def test_download_table_is_clips():
    assert download.MODEL_URLS == clip.clip._MODELS
    for name, url in clip.clip._MODELS.items():
        assert download.expected_sha256(name) == url.split("/")[-2]
        assert weights.CHECKPOINT_FILES[name] == download.file_name(name) == url.rsplit("/", 1)[-1]


def test_planning_and_downloading_do_not_import_torch():
    code = ("import sys, gen.weights, gen.download; "
            "assert 'torch' not in sys.modules and 'clip' not in sys.modules, sorted(sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


# ---------------------------------------------------------------- loading, both formats


@pytest.mark.parametrize("fmt", ["state_dict", "jit"])
def test_checkpoint_loads_with_its_tensors_and_derived_arch(files, fmt, tmp_path):
    path, saved = files[fmt]
    cfg = cfg_for(tmp_path, "pretrained", checkpoints={"ViT-B/32": path})
    plan = plan_of(cfg, "ViT-B/32")
    assert (plan.mode, plan.checkpoint, plan.file_name) == ("pretrained", path, path.name)
    assert plan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and not plan.official

    loaded = loader.load(plan, TINY_VIT)
    assert loaded.format == fmt
    assert loaded.arch == TINY_VIT == loader.derive_arch(saved)
    assert loaded.reshaped == ()
    assert loaded.stored_dtypes == ("torch.float32",)
    assert type(loaded.model) is clip.model.CLIP and not loaded.model.training
    assert_same_tensors(loaded.model, saved)
    assert "visual.transformer.resblocks.1.attn" in dict(loaded.model.named_modules())
    image = loaded.preprocess(Image.new("RGB", (50, 40), "white"))
    assert tuple(image.shape) == (3, 32, 32)
    with torch.no_grad():
        logits, _ = loaded.model(image.unsqueeze(0), clip.tokenize(["a hand"]))
    assert tuple(logits.shape) == (1, 1)


@pytest.mark.parametrize("fmt", ["state_dict", "jit"])
def test_same_model_as_clip_load(fmt, tmp_path):
    """With float16 files, as OpenAI ships them, the model equals clip.load's, parameter for parameter.

    (clip.load rounds a float32 file's weights through float16; this loader keeps them as stored.)
    """
    model, path = tiny_model(seed=2), tmp_path / f"half-{fmt}.pt"
    if fmt == "jit":
        save_jit(model, path, TINY_VIT.image_resolution, half=True)
    else:
        torch.save(model.half().state_dict(), path)
    ours = loader.load(pretrained(path), TINY_VIT)
    assert ours.stored_dtypes == ("torch.float16",) and ours.format == fmt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, _ = clip.load(str(path), device="cpu", jit=False)
    theirs_state = theirs.float().state_dict()
    assert list(ours.model.state_dict()) == list(theirs_state)
    for key, tensor in ours.model.state_dict().items():
        assert torch.equal(tensor, theirs_state[key]), key
    assert repr(ours.model) == repr(theirs)


def test_half_precision_state_dict_with_openai_extra_entries(tmp_path):
    """OpenAI's weights are float16, and their state dicts carry input_resolution, context_length, vocab_size."""
    model = tiny_model(seed=3)
    clip.model.convert_weights(model)
    state = dict(model.state_dict(), input_resolution=torch.tensor(32), context_length=torch.tensor(77),
                 vocab_size=torch.tensor(49408))
    torch.save(state, tmp_path / "half.pt")
    loaded = loader.load(pretrained(tmp_path / "half.pt"), TINY_VIT)
    assert loaded.arch == TINY_VIT
    assert "torch.float16" in loaded.stored_dtypes
    assert_same_tensors(loaded.model, {k: v for k, v in state.items() if k not in loader.NON_PARAMETER_KEYS})


def test_wrapped_state_dict_from_a_training_script(tmp_path):
    model = tiny_model(seed=4)
    saved = model.state_dict()
    torch.save({"epoch": 3, "model_state_dict": {f"module.{k}": v for k, v in saved.items()}}, tmp_path / "train.pt")
    loaded = loader.load(pretrained(tmp_path / "train.pt"), TINY_VIT)
    assert_same_tensors(loaded.model, saved)


def test_resnet_state_dict(tmp_path):
    model = tiny_model(TINY_RESNET, seed=5)
    saved = save_state_dict(model, tmp_path / "rn.pt")
    loaded = loader.load(pretrained(tmp_path / "rn.pt", "RN50"), TINY_RESNET)
    assert loaded.arch == TINY_RESNET and loaded.arch.kind == "resnet"
    assert_same_tensors(loaded.model, saved)
    assert loader.load_checkpoint(tmp_path / "rn.pt", "RN50", None).arch == TINY_RESNET  # no identity check


# ---------------------------------------------------------------- fine-tuned projections


def test_finetuned_image_projection_is_documented_as_it_is(tmp_path, caplog):
    model = finetuned(tiny_model(seed=6), 256)
    saved = save_state_dict(model, tmp_path / "ft.pt")
    with pytest.raises(RuntimeError, match="size mismatch"):
        clip.model.build_model(dict(saved))  # what clip.load would do with this file
    caplog.set_level(logging.INFO, logger=LOAD_LOG)
    loaded = loader.load(pretrained(tmp_path / "ft.pt"), TINY_VIT)
    assert tuple(loaded.model.visual.proj.shape) == (64, 256)
    assert tuple(loaded.model.text_projection.shape) == (64, 16)
    assert loaded.arch == TINY_VIT  # embed_dim comes from text_projection, as in build_model
    assert loaded.reshaped == (("visual.proj", (64, 16), (64, 256)),)
    assert loaded.model.visual.output_dim == 256
    assert_same_tensors(loaded.model, saved)
    with torch.no_grad():
        assert tuple(loaded.model.encode_image(torch.zeros(1, 3, 32, 32)).shape) == (1, 256)
    logged = [r.getMessage() for r in caplog.records if r.name == LOAD_LOG and r.levelno == logging.INFO]
    assert any("visual.proj [64, 16] -> [64, 256]" in m and str(tmp_path / "ft.pt") in m for m in logged), logged


def test_finetuned_checkpoint_with_towers_apart_renders_a_whole_site(tmp_path):
    """Captured and rendered: the pages say the towers no longer meet instead of failing on the missing plots."""
    from gen import config
    from gen.capture import take_snapshot
    from gen.config import file_sha256
    from helpers import render_tiny, tiny_extra

    save_state_dict(finetuned(tiny_model(seed=6), 256), tmp_path / "ft.pt")
    cfg = config.load(tiny_extra(tmp_path / "cache", jobs=1), base_dir=tmp_path, env={})
    plan = WeightsPlan("ViT-B/32", "pretrained", tmp_path / "ft.pt", file_sha256(tmp_path / "ft.pt"), None)
    snap = take_snapshot(plan, cfg, "full", arch=TINY_VIT)
    assert "pca" not in snap.recipes and "logits" not in snap.recipes
    files = render_tiny(cfg, snap)
    slug = snap.model.slug
    assert f"figures/{slug}/pca.svg" not in files and f"figures/{slug}/attention-image.svg" in files
    similarity = files[f"models/{slug}/similarity/index.md"].decode()
    assert "have 256 dimensions" in similarity and "text embeddings 16" in similarity
    assert "pca.svg" not in similarity


def test_finetuned_projections_of_another_width_against_the_table(tmp_path):
    """Both projections 256 wide: only embed_dim differs from the expected architecture, so it loads."""
    saved = save_state_dict(finetuned(tiny_model(seed=8), 256, text=True), tmp_path / "ft2.pt")
    loaded = loader.load(pretrained(tmp_path / "ft2.pt"), TINY_VIT)
    assert loaded.arch == dataclasses.replace(TINY_VIT, embed_dim=256)
    assert loaded.reshaped == ()
    assert_same_tensors(loaded.model, saved)


def test_finetuned_resnet_projection_rebuilds_the_linear(tmp_path):
    saved = save_state_dict(finetuned(tiny_model(TINY_RESNET, seed=9), 256), tmp_path / "rnft.pt")
    loaded = loader.load(pretrained(tmp_path / "rnft.pt", "RN50"), TINY_RESNET)
    c_proj = loaded.model.visual.attnpool.c_proj
    assert (c_proj.in_features, c_proj.out_features) == (256, 256) and "out_features=256" in repr(c_proj)
    assert [k for k, _, _ in loaded.reshaped] == ["visual.attnpool.c_proj.weight", "visual.attnpool.c_proj.bias"]
    assert_same_tensors(loaded.model, saved)


# ---------------------------------------------------------------- files that must not load


def test_corrupt_file(tmp_path):
    path = tmp_path / "ViT-B-32.pt"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(LoadError) as err:
        loader.load(pretrained(path), TINY_VIT)
    message = str(err.value)
    assert str(path) in message and "not a PyTorch checkpoint" in message
    assert "CLIP_DOCS_WEIGHTS=random" in message and "download it again" in message
    assert "\n" not in message


@pytest.mark.parametrize("fmt", ["state_dict", "jit"])
def test_truncated_file(files, fmt, tmp_path):
    path = truncated_copy(files[fmt][0], tmp_path / f"half-{fmt}.pt")
    with pytest.raises(LoadError) as err:
        loader.load(pretrained(path), TINY_VIT)
    message = str(err.value)
    assert str(path) in message and "cut short" in message and "CLIP_DOCS_WEIGHTS=random" in message
    assert "\n" not in message


@pytest.mark.parametrize("fmt", ["state_dict", "jit"])
def test_a_checkpoint_holding_nan_names_the_tensor(fmt, tmp_path):
    """A bit-flipped or diverged file used to fail deep inside a recipe (or show 'nan' on every page)."""
    model = tiny_model()
    with torch.no_grad():
        model.visual.transformer.resblocks[0].mlp.c_fc.weight[0, :3] = float("nan")
    path = tmp_path / f"diverged-{fmt}.pt"
    if fmt == "jit":
        save_jit(model, path, TINY_VIT.image_resolution)
    else:
        save_state_dict(model, path)
    with pytest.raises(LoadError) as err:
        loader.load(pretrained(path), TINY_VIT)
    message = str(err.value)
    assert str(path) in message and "'visual.transformer.resblocks.0.mlp.c_fc.weight'" in message
    assert "non-finite values" in message and "3 of " in message and "CLIP_DOCS_WEIGHTS=random" in message
    assert "\n" not in message


def test_pickled_whole_model_is_refused(tmp_path):
    path = tmp_path / "whole.pt"
    torch.save(tiny_model(), path)
    with pytest.raises(LoadError) as err:
        loader.load(pretrained(path), TINY_VIT)
    assert str(path) in str(err.value) and "model.state_dict()" in str(err.value)


def test_state_dict_of_something_else(tmp_path):
    path = tmp_path / "linear.pt"
    torch.save(torch.nn.Linear(3, 2).state_dict(), path)
    with pytest.raises(LoadError) as err:
        loader.load(pretrained(path), TINY_VIT)
    assert str(path) in str(err.value) and "not those of a CLIP model" in str(err.value)


@pytest.mark.parametrize("fmt", ["state_dict", "jit"])
def test_checkpoint_of_the_wrong_model(files, fmt):
    path, _ = files[fmt]
    with pytest.raises(LoadError) as err:
        loader.load(pretrained(path, "ViT-B/32"))  # no arch: the table's ViT-B/32 is expected
    message = str(err.value)
    assert message.startswith(f"{str(path)!r} is a checkpoint of ViT-like architecture, not ViT-B/32;")
    assert "2 layers x 64 wide, patch 16, 32 px" in message and "CLIP_DOCS_WEIGHTS=random" in message


def test_wrong_model_names_the_variant_it_is():
    with torch.device("meta"):  # shapes only
        rn50 = clip.model.CLIP(**archs.KNOWN["RN50"].as_kwargs()).state_dict()
    derived = loader.derive_arch(rn50)
    assert derived == archs.KNOWN["RN50"]
    with pytest.raises(LoadError, match=r"'/x/rn\.pt' is a checkpoint of RN50-like architecture, not ViT-B/32; .*'RN50'"):
        loader.check_arch(derived, archs.KNOWN["ViT-B/32"], "ViT-B/32", Path("/x/rn.pt"))


def test_missing_and_unexpected_keys_are_named(tmp_path):
    """build(): a state dict that lacks a tensor, or carries one CLIP has not, is refused naming both."""
    state = {k: v.clone() for k, v in tiny_model().state_dict().items()}
    del state["ln_final.bias"]
    state["head.weight"] = torch.zeros(2, 2)
    path = tmp_path / "partial.pt"
    torch.save(state, path)
    with pytest.raises(LoadError) as err:
        loader.load(pretrained(path), TINY_VIT)
    message = str(err.value)
    assert message.startswith(f"{str(path)!r} is not a complete CLIP state dict for ViT-B/32:")
    assert "missing ln_final.bias" in message and "unexpected head.weight" in message
    assert "torch.save(model.state_dict())" in message and "CLIP_DOCS_WEIGHTS=random" in message and "\n" not in message


def test_reshaped_tensor_other_than_a_projection_is_refused(tmp_path):
    """build(): only projections may change shape in a fine-tune; another tensor of a foreign shape is refused."""
    state = {k: v.clone() for k, v in tiny_model().state_dict().items()}
    state["ln_final.bias"] = torch.zeros(TINY_VIT.transformer_width + 1)
    state["visual.ln_post.bias"] = torch.zeros(TINY_VIT.vision_width + 2)
    path = tmp_path / "reshaped.pt"
    torch.save(state, path)
    with pytest.raises(LoadError) as err:
        loader.load(pretrained(path), TINY_VIT)
    message = str(err.value)
    assert message.startswith(f"{str(path)!r} does not fit the CLIP architecture derived from it")
    assert "ln_final.bias is [65] in the file, [64] in the model" in message
    assert "visual.ln_post.bias is [66] in the file, [64] in the model" in message
    assert "projection-only fine-tuned" in message and "CLIP_DOCS_WEIGHTS=random" in message


# ---------------------------------------------------------------- downloading


def test_download_verifies_and_renames(tmp_path, monkeypatch):
    data = b"tiny checkpoint bytes" * 1000
    digest = publish(monkeypatch, "ViT-B/32", data)
    calls = []
    serve(monkeypatch, data, calls=calls)
    dest = tmp_path / "clip" / "ViT-B-32.pt"
    dest.parent.mkdir()
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)
    (dest.parent / f".ViT-B-32.pt.{dead}.k1ll3d00.part").write_bytes(data[:100])  # a download killed before
    assert download.fetch("ViT-B/32", dest) == digest
    assert dest.read_bytes() == data
    assert files_in(dest.parent) == ["ViT-B-32.pt"], "the killed download's temporary file was not swept"
    assert calls == [(download.MODEL_URLS["ViT-B/32"], download.TIMEOUT)] and download.TIMEOUT == 60


def test_download_with_wrong_hash_leaves_nothing(tmp_path, monkeypatch):
    serve(monkeypatch, b"these are not OpenAI's weights")
    dest = tmp_path / "clip" / "ViT-B-32.pt"
    with pytest.raises(LoadError) as err:
        download.fetch("ViT-B/32", dest)
    message = str(err.value)
    assert download.expected_sha256("ViT-B/32") in message
    assert hashlib.sha256(b"these are not OpenAI's weights").hexdigest() in message
    assert str(dest) in message and "CLIP_DOCS_WEIGHTS=random" in message
    assert not dest.parent.exists()  # not even the folder it made


def test_cut_short_download_leaves_nothing(tmp_path, monkeypatch):
    data = b"x" * 1000
    publish(monkeypatch, "ViT-B/32", data)
    serve(monkeypatch, data[:400], length=len(data))
    (tmp_path / "clip").mkdir()
    with pytest.raises(LoadError, match="stopped after 400 of 1000 bytes"):
        download.fetch("ViT-B/32", tmp_path / "clip" / "ViT-B-32.pt")
    assert files_in(tmp_path / "clip") == []


def test_stalled_download_leaves_nothing(tmp_path, monkeypatch):
    class Stalling(FakeResponse):
        def read(self, n=-1):
            raise TimeoutError("timed out")
    monkeypatch.setattr(download, "urlopen", lambda url, timeout=None: Stalling(b"", 10))
    (tmp_path / "clip").mkdir()
    with pytest.raises(LoadError, match="no answer within 60 s"):
        download.fetch("ViT-B/32", tmp_path / "clip" / "ViT-B-32.pt")
    assert files_in(tmp_path / "clip") == []


# ---------------------------------------------------------------- planning


def test_pretrained_offline_stops_at_once(tmp_path, monkeypatch):
    calls = []
    offline(monkeypatch, calls)
    cfg = cfg_for(tmp_path, "pretrained")
    with pytest.raises(LoadError) as err:
        plan_of(cfg, "ViT-B/32")
    message = str(err.value)
    assert f"at {str(cfg.clip_cache / 'ViT-B-32.pt')!r}" in message
    assert "no connection" in message and "CLIP_DOCS_WEIGHTS=random" in message and "\n" not in message
    assert len(calls) == 1 and calls[0][1] == 60
    assert files_in(tmp_path) == []


def test_pretrained_downloads_a_missing_file(tmp_path, monkeypatch):
    data = b"published bytes" * 100
    digest = publish(monkeypatch, "RN50", data)
    serve(monkeypatch, data)
    cfg = cfg_for(tmp_path, "pretrained")
    plan = plan_of(cfg, "RN50")
    assert (plan.mode, plan.checkpoint, plan.sha256, plan.official) == ("pretrained", cfg.clip_cache / "RN50.pt", digest, True)
    assert plan.identity == f"pretrained:{digest}"
    monkeypatch.setattr(download, "urlopen", lambda url, timeout=None: pytest.fail("downloaded twice"))
    assert plan_of(cfg, "RN50") == plan  # second build: the file is there, its hash remembered


def test_pretrained_with_a_missing_local_checkpoint_does_not_download(tmp_path):
    missing = tmp_path / "mine.pt"
    with pytest.raises(LoadError, match=f"{str(missing)!r} does not exist.*CLIP_DOCS_WEIGHTS=random"):
        plan_of(cfg_for(tmp_path, "pretrained", checkpoints={"ViT-B/32": missing}), "ViT-B/32")


def test_auto_with_a_named_checkpoint_missing_stops_instead_of_documenting_random_weights(tmp_path, caplog):
    missing = tmp_path / "mine.pt"
    with pytest.raises(LoadError, match=f"{str(missing)!r} does not exist.*CLIP_DOCS_WEIGHTS=random"):
        plan_of(cfg_for(tmp_path, "auto", checkpoints={"ViT-B/32": missing}), "ViT-B/32")


def test_auto_never_downloads(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger=WEIGHTS_LOG)
    plan = plan_of(cfg_for(tmp_path, "auto", seed=5), "ViT-B/32")
    assert plan == WeightsPlan("ViT-B/32", "random", None, None, 5)
    assert any(r.levelno == logging.WARNING and "random weights" in r.getMessage() for r in caplog.records)


def test_random_mode_ignores_files(tmp_path, files):
    cfg = cfg_for(tmp_path, "random", checkpoints={"ViT-B/32": files["state_dict"][0]})
    assert plan_of(cfg, "ViT-B/32") == WeightsPlan("ViT-B/32", "random", None, None, 0)


def test_cache_file_that_is_not_openais_is_flagged(tmp_path, files, caplog):
    cfg = cfg_for(tmp_path, "auto")
    cfg.clip_cache.mkdir()
    (cfg.clip_cache / "ViT-B-32.pt").write_bytes(files["state_dict"][0].read_bytes())
    caplog.set_level(logging.WARNING, logger=WEIGHTS_LOG)
    plan = plan_of(cfg, "ViT-B/32")
    assert plan.mode == "pretrained" and not plan.official
    assert any("does not have the SHA-256 OpenAI publishes" in r.getMessage() for r in caplog.records)


def test_cache_file_that_is_openais_is_official(tmp_path, monkeypatch, caplog):
    data = b"pretend these are the weights"
    digest = publish(monkeypatch, "ViT-B/16", data)
    cfg = cfg_for(tmp_path, "auto", models=("ViT-B/16",))
    cfg.clip_cache.mkdir()
    (cfg.clip_cache / "ViT-B-16.pt").write_bytes(data)
    caplog.set_level(logging.WARNING, logger=WEIGHTS_LOG)
    plan = plan_of(cfg, "ViT-B/16")
    assert (plan.sha256, plan.official, plan.file_name) == (digest, True, "ViT-B-16.pt")
    assert not caplog.records


def test_comparison_only_model_needs_no_weights(tmp_path, files, monkeypatch):
    """pretrained, models [ViT-B/32] with a local checkpoint, compare [RN50]: RN50's pages show structure only,
    so it is planned without weights and nothing is downloaded (no_network fails the test on any download)."""
    from gen import build, config

    extra = {"models": ["ViT-B/32"], "compare": ["RN50"], "weights": "pretrained", "prompts": ["a dog"],
             "checkpoints": {"ViT-B/32": str(files["state_dict"][0])}, "clip_cache": str(tmp_path / "clip-cache"),
             "cache": str(tmp_path / "cache")}
    cfg = config.load(extra, base_dir=tmp_path, env={})
    plans = {name: plan for name, (plan, _, _) in build.targets(cfg, Store(cfg.cache)).items()}
    assert plans["ViT-B/32"].mode == "pretrained" and plans["ViT-B/32"].checkpoint == files["state_dict"][0]
    assert plans["RN50"] == WeightsPlan("RN50", "random", None, None, 0)
    assert not (tmp_path / "clip-cache").exists()


def test_comparison_only_model_is_not_a_fallback_warning(tmp_path, caplog):
    """auto mode: a comparison-only model without a checkpoint is no reason for the random-weights warning."""
    caplog.set_level(logging.WARNING, logger=WEIGHTS_LOG)
    cfg = cfg_for(tmp_path, "auto", models=("ViT-B/32",), compare=("RN50",))
    assert plan_of(cfg, "RN50") == WeightsPlan("RN50", "random", None, None, 0)
    assert caplog.records == []

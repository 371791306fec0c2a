# The architecture table gen/archs.py against the installed clip package: names, derived configs, checkpoint files, sizes.
from __future__ import annotations

import clip
import pytest
import torch

from gen import archs, weights

# Parameter counts of the nine released CLIP models (sum of numel over model.parameters()),
# as printed by OpenAI's notebook for ViT-B/32 ("Model parameters: 151,277,313") and widely quoted for the others.
PUBLISHED_PARAMS = {
    "RN50": 102_007_137,
    "RN101": 119_688_033,
    "RN50x4": 178_300_601,
    "RN50x16": 290_979_217,
    "RN50x64": 623_258_305,
    "ViT-B/32": 151_277_313,
    "ViT-B/16": 149_620_737,
    "ViT-L/14": 427_616_513,
    "ViT-L/14@336px": 427_944_193,
}

# The slugs DESIGN.md fixes for the site's URLs.
SLUGS = {
    "RN50": "rn50", "RN101": "rn101", "RN50x4": "rn50x4", "RN50x16": "rn50x16", "RN50x64": "rn50x64",
    "ViT-B/32": "vit-b-32", "ViT-B/16": "vit-b-16", "ViT-L/14": "vit-l-14", "ViT-L/14@336px": "vit-l-14-336px",
}


class _Recorded(Exception):
    """Raised by the stand-in CLIP class to stop build_model once it has chosen the architecture."""


def build_model_config(state_dict, monkeypatch) -> archs.ArchConfig:
    """What clip.model.build_model itself derives from a state dict: its call to CLIP(...), recorded."""
    def record(*args, **kwargs):
        raise _Recorded(archs.ArchConfig(*args, **kwargs))

    monkeypatch.setattr(clip.model, "CLIP", record)
    with pytest.raises(_Recorded) as caught:
        clip.model.build_model(dict(state_dict))
    return caught.value.args[0]


def meta_model(name: str):
    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        return clip.model.CLIP(**archs.KNOWN[name].as_kwargs())


def test_names_and_order_match_clip():
    assert list(archs.KNOWN) == clip.available_models()
    assert archs.available_models() == clip.available_models()


@pytest.mark.parametrize("name", list(archs.KNOWN))
def test_config_is_what_build_model_derives(name, monkeypatch):
    state = meta_model(name).state_dict()
    assert build_model_config(state, monkeypatch) == archs.KNOWN[name]


@pytest.mark.parametrize("name", list(archs.KNOWN))
def test_loader_derives_what_build_model_derives(name, monkeypatch):
    from gen.capture.load import derive_arch

    state = meta_model(name).state_dict()
    assert derive_arch(state) == build_model_config(state, monkeypatch)


@pytest.mark.parametrize("name", list(archs.KNOWN))
def test_parameter_count_matches_the_released_model(name):
    model = meta_model(name)
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED_PARAMS[name]


@pytest.mark.parametrize("name", list(archs.KNOWN))
def test_catalog_heads_are_those_the_model_was_built_with(name):
    """The catalog reads heads off the attention modules; CLIP's constructor derives them from the width."""
    from gen.capture.catalog import entry

    arch, found = archs.KNOWN[name], entry(name)
    assert found.heads_image == (arch.vision_width * 32 // 64 if arch.kind == "resnet" else arch.vision_width // 64)
    assert found.heads_text == arch.transformer_heads


def test_checkpoint_files_are_the_download_names():
    assert set(weights.CHECKPOINT_FILES) == set(clip.clip._MODELS)
    for name, url in clip.clip._MODELS.items():
        assert weights.CHECKPOINT_FILES[name] == url.rsplit("/", 1)[-1], name


def test_slugs_are_the_documented_urls():
    assert {name: archs.slug(name) for name in archs.KNOWN} == SLUGS

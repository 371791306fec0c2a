# The Snapshot contract between capture and render: JSON round-trip, complete parameters, raw flags, module order, no addresses.
from __future__ import annotations

import dataclasses
import json
import math

import pytest

from gen import archs
from gen.snapshot import SCHEMA, ModelInfo, ModuleRecord, ParamRecord, Snapshot
from helpers import TINY_ARCH

# The nn.Parameters that CLIP's ViT variants create directly on their own classes (clip/model.py).
RAW_VIT = {"positional_embedding", "text_projection", "logit_scale",
           "visual.class_embedding", "visual.positional_embedding", "visual.proj"}


@pytest.fixture(scope="module")
def tiny_model():
    import clip
    import torch

    torch.manual_seed(0)
    return clip.model.CLIP(**TINY_ARCH.as_kwargs())


def test_json_round_trip_is_exact(tiny_snapshot):
    text = tiny_snapshot.to_json()
    back = Snapshot.from_json(text)
    assert back == tiny_snapshot
    assert back.to_json() == text


def test_round_trip_restores_types(tiny_snapshot):
    back = Snapshot.from_json(tiny_snapshot.to_json())
    assert isinstance(back.model.arch, archs.ArchConfig)
    assert all(isinstance(m, ModuleRecord) for m in back.modules)
    assert all(isinstance(p, ParamRecord) and isinstance(p.shape, tuple) for p in back.parameters)
    conv = back.module("visual.conv1")
    assert isinstance(conv.output_shapes, tuple) and isinstance(conv.output_shapes[0], tuple)


def test_round_trip_keeps_resnet_stage_tuple(tiny_snapshot):
    """`vision_layers` is `int | tuple[int, ...]`: a ResNet's stages must come back as a tuple, not a list."""
    rn = dataclasses.replace(tiny_snapshot, model=ModelInfo("RN50", "rn50", "resnet", archs.KNOWN["RN50"], "torch.float32"))
    back = Snapshot.from_json(rn.to_json())
    assert back.model.arch == archs.KNOWN["RN50"]
    assert back.model.arch.vision_layers == (3, 4, 6, 3)
    assert back.model.arch.kind == "resnet"


def test_other_schema_is_refused(tiny_snapshot):
    data = json.loads(tiny_snapshot.to_json())
    data["schema"] = SCHEMA + 1
    with pytest.raises(ValueError, match="schema"):
        Snapshot.from_json(json.dumps(data))


def test_every_parameter_is_recorded(tiny_snapshot, tiny_model):
    assert [p.name for p in tiny_snapshot.parameters] == [n for n, _ in tiny_model.named_parameters()]
    for p in tiny_snapshot.parameters:
        assert p.count == math.prod(p.shape), p.name
    total = tiny_snapshot.module("").total_params
    assert sum(p.count for p in tiny_snapshot.parameters) == total
    assert total == sum(p.numel() for p in tiny_model.parameters())
    # each parameter is owned by exactly one module, so the own counts add up to the total as well
    assert sum(m.own_params for m in tiny_snapshot.modules) == total


def test_raw_parameters_are_flagged(tiny_snapshot):
    raw = {p.name for p in tiny_snapshot.parameters if p.raw}
    assert raw == RAW_VIT
    attn = tiny_snapshot.param("visual.transformer.resblocks.0.attn.in_proj_weight")
    assert not attn.raw
    assert not tiny_snapshot.param("transformer.resblocks.1.attn.in_proj_weight").raw
    assert not tiny_snapshot.param("visual.ln_pre.weight").raw


def test_modules_follow_named_modules_order(tiny_snapshot, tiny_model):
    assert [m.path for m in tiny_snapshot.modules] == [path for path, _ in tiny_model.named_modules()]
    records = {m.path: m for m in tiny_snapshot.modules}
    for path, module in tiny_model.named_modules():
        expected = tuple(f"{path}.{n}" if path else n for n, _ in module.named_children())
        assert records[path].children == expected, path
        assert records[path].kind == type(module).__name__, path


def test_no_memory_addresses(tiny_snapshot):
    for m in tiny_snapshot.modules:
        assert "0x" not in m.repr, m.path
    for p in tiny_snapshot.parameters:
        assert "0x" not in p.printed, p.name
    for r in tiny_snapshot.recipes.values():
        assert "0x" not in r.stdout, r.name
    assert " at 0x" not in tiny_snapshot.to_json()


def test_forward_shapes_follow_the_architecture(tiny_snapshot):
    """Shapes come from the real forward pass; check them against what the tiny configuration implies."""
    a = TINY_ARCH
    grid = a.image_resolution // a.vision_patch_size
    n_prompts = len(tiny_snapshot.inputs.prompts)
    assert tiny_snapshot.module("visual.conv1").output_shapes[0] == (1, a.vision_width, grid, grid)
    assert tiny_snapshot.module("visual.transformer").input_shapes[0] == (grid * grid + 1, 1, a.vision_width)
    assert tiny_snapshot.module("transformer").input_shapes[0] == (a.context_length, n_prompts, a.transformer_width)
    assert tiny_snapshot.module("visual").output_shapes[0] == (1, a.embed_dim)
    assert tiny_snapshot.module("").output_shapes == ((1, n_prompts), (n_prompts, 1))
    # every module that ran has a FLOP count no larger than the whole model's
    root = tiny_snapshot.module("").flops
    assert root > 0
    assert all(0 <= m.flops <= root for m in tiny_snapshot.modules)

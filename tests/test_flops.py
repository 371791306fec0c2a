# FLOPs that add up: blocks sum to their stack, and every encoder equals its parts plus its plain tensor code.
from __future__ import annotations

import pytest


def by_path(snapshot):
    return {m.path: m for m in snapshot.modules}


def test_blocks_sum_to_the_transformer(tiny_snapshot):
    m = by_path(tiny_snapshot)
    for stack in ("visual.transformer", "transformer"):
        blocks = m[f"{stack}.resblocks"].children
        assert len(blocks) == 2
        assert sum(m[b].flops for b in blocks) == m[stack].flops > 0


def test_attention_matmuls_are_counted(tiny_snapshot):
    """The projections and both attention products (q @ k^T, attn @ v) of nn.MultiheadAttention, counted once."""
    m = by_path(tiny_snapshot)
    attn = m["visual.transformer.resblocks.0.attn"]
    length, batch, width = attn.input_shapes[0]
    out_proj_module = m["visual.transformer.resblocks.0.attn.out_proj"].flops  # its weight is used, the module not called
    in_proj = 2 * length * batch * width * 3 * width
    out_proj = 2 * length * batch * width * width
    matmuls = 2 * 2 * batch * length * length * width
    assert out_proj_module == 0
    assert attn.flops == in_proj + out_proj + matmuls


def test_image_encoder_is_its_modules_plus_the_projection(tiny_snapshot):
    m = by_path(tiny_snapshot)
    children = sum(m[c].flops for c in m["visual"].children)
    width, embed = tiny_snapshot.param("visual.proj").shape
    batch = m["visual.ln_post"].output_shapes[0][0]
    assert m["visual"].flops == children + 2 * batch * width * embed  # x @ proj is tensor code, not a module


def test_model_is_both_towers_plus_plain_tensor_code(tiny_snapshot):
    m = by_path(tiny_snapshot)
    modules = sum(m[c].flops for c in m[""].children)
    prompts = len(tiny_snapshot.inputs.prompts)
    width, embed = tiny_snapshot.param("text_projection").shape
    # outside any module: the EOT features @ text_projection, and image @ text.T for one image
    assert m[""].flops - modules == 2 * prompts * width * embed + 2 * 1 * prompts * embed


def _counts_on(device: str, arch, prompts: int = 2) -> dict[str, int]:
    import clip
    import torch

    from gen.capture.modules import forward_with_records

    with torch.device(device):
        torch.manual_seed(0)
        model = clip.model.CLIP(**arch.as_kwargs()).eval()
        image = torch.zeros(1, 3, arch.image_resolution, arch.image_resolution)
        text = torch.zeros(prompts, arch.context_length, dtype=torch.long)
    return forward_with_records(model, lambda: model(image, text))[1]


@pytest.mark.parametrize("name", ["tiny", "ViT-B/32", "RN50"])
def test_counts_do_not_depend_on_the_device(name):
    """The catalog counts on the meta device, the capture on the CPU: attention takes another path on each
    (bmm on meta, a fused kernel on the CPU), and every module must still get the same count."""
    from gen import archs

    from helpers import TINY_ARCH

    arch = TINY_ARCH if name == "tiny" else archs.KNOWN[name]
    meta, cpu = _counts_on("meta", arch), _counts_on("cpu", arch)
    assert meta.keys() == cpu.keys()
    differ = {path: (meta[path], cpu[path]) for path in meta if meta[path] != cpu[path]}
    assert not differ, f"FLOPs differ between meta and CPU for {name}: {dict(list(differ.items())[:5])}"
    assert meta[""] > 0


def test_attention_pooling_counts_its_attention():
    """AttentionPool2d calls F.multi_head_attention_forward with one query (the mean) over all positions."""
    from gen import archs

    arch = archs.KNOWN["RN50"]
    flops = _counts_on("cpu", arch)
    side = arch.image_resolution // 32
    positions, width = side * side + 1, arch.vision_width * 32
    projections = 2 * width * width * (1 + 2 * positions) + 2 * width * arch.embed_dim  # q (one row), k, v, c_proj
    products = 2 * 2 * 1 * positions * width  # q @ k^T and attn @ v for the one query
    assert flops["visual.attnpool"] == projections + products


def test_an_uncounted_attention_path_fails_the_capture(monkeypatch):
    """If torch routes attention through an operator the counter cannot see, the capture says so."""
    from gen.capture import modules
    from gen.errors import CaptureError

    from helpers import TINY_ARCH

    monkeypatch.setattr(modules, "ATTENTION_PRODUCTS", set())
    with pytest.raises(CaptureError, match="saw no attention product inside 'visual.transformer.resblocks.0.attn'"):
        _counts_on("cpu", TINY_ARCH)

# FLOPs that add up: blocks sum to their stack, and every encoder equals its parts plus its plain tensor code.
from __future__ import annotations


def by_path(snapshot):
    return {m.path: m for m in snapshot.modules}


def test_blocks_sum_to_the_transformer(tiny_snapshot):
    m = by_path(tiny_snapshot)
    for stack in ("visual.transformer", "transformer"):
        blocks = m[f"{stack}.resblocks"].children
        assert len(blocks) == 2
        assert sum(m[b].flops for b in blocks) == m[stack].flops > 0


def test_attention_matmuls_are_counted(tiny_snapshot):
    """torch's counter sees only the projections of nn.MultiheadAttention; q@k^T and attn@v are added."""
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

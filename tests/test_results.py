# Recipe results have declared shapes (gen/results.py): every captured result matches, and a wrong one fails naming
# the recipe and the field.
from __future__ import annotations

import pytest

from gen import results
from gen.errors import CaptureError


def test_every_captured_recipe_has_its_declared_shape(tiny_snapshot):
    captured = dict(tiny_snapshot.recipes)
    assert set(captured) <= set(results.SHAPES)
    for name, recipe in captured.items():
        results.check(name, "tiny", recipe.result)  # raises on any mismatch


def test_templates_read_counts_by_name(tiny_snapshot):
    counts = tiny_snapshot.recipe("parameter_count").result["counts"]
    assert list(counts) == ["model", "visual", "text_blocks", "text_encoder", "logit_scale"]
    assert counts["model"]["total"] == tiny_snapshot.module("").total_params


@pytest.mark.parametrize("result,message", [
    ({"token_shape": [1, 2]}, r"recipe 'embeddings' on tiny did not record 'positional_shape'"),
    ({"token_shape": [1, 2], "positional_shape": "77x512"}, r"recorded 'positional_shape' as str"),
    ({"token_shape": [1, 2], "positional_shape": [77, 512], "extra": 1}, r"undeclared field\(s\) \['extra'\]"),
])
def test_a_result_of_another_shape_fails_naming_the_field(result, message):
    with pytest.raises(CaptureError, match=message):
        results.check("embeddings", "tiny", result)


def test_the_settings_a_recipe_ran_with_are_inputs(tiny_snapshot, tiny_cfg):
    assert tiny_snapshot.inputs.unfreeze_last == tiny_cfg.unfreeze_last
    assert tiny_snapshot.inputs.replacement_width == tiny_cfg.replacement_width
    assert tiny_snapshot.recipe("replace_projection").result["shape"][1] == tiny_snapshot.inputs.replacement_width


def test_heads_are_read_off_the_attention_modules(tiny_snapshot):
    """The block pages take the number of heads from the captured module, cross-checked against the config."""
    arch = tiny_snapshot.model.arch
    for m in tiny_snapshot.modules:
        if m.kind == "MultiheadAttention":
            heads = arch.vision_width // 64 if m.path.startswith("visual.") else arch.transformer_heads  # as CLIP builds it
            width = m.input_shapes[0][2]
            assert m.facts == {"embed_dim": width, "num_heads": heads, "head_dim": width // heads,
                               "batch_first": False}, m.path

# Recipes record by naming variables and labelling lines; the runner reads the rest off the code as it runs.
from __future__ import annotations

import ast
import re

import pytest

from gen.capture import trace


def test_records_header_maps_fields_to_variables():
    assert trace.header_names("#: records: a, b=c\nx = 1\n") == {"a": "a", "b": "c"}
    assert trace.header_names("x = 1\n") == {}
    with pytest.raises(ValueError, match="not expressions"):
        trace.header_names("#: records: shape=x.shape\n")


def test_only_assignments_ending_in_a_comment_are_steps():
    code = "y = 1\nx = f(\n    y)  # the label\n# a comment of its own\nz = 2\na, b = g()  # first name\n"
    found = trace.labelled_assignments(code)
    assert {line: (end, target, label) for line, (end, target, label, _) in found.items()} == {
        2: (3, "x", "the label"), 6: (6, "a", "first name")}


def test_owner_is_the_smallest_module_holding_what_a_line_used():
    import torch
    from torch import nn

    model = nn.Module()
    model.visual = nn.Module()
    model.visual.pool = nn.Linear(2, 2)
    model.visual.pool.extra = nn.Linear(2, 2)
    model.visual.embedding = nn.Parameter(torch.zeros(2))
    paths = {id(m): (p, m) for p, m in model.named_modules()} | {id(t): (p, t) for p, t in model.named_parameters()}
    scope = {"visual": model.visual, "x": torch.zeros(2), "torch": torch}

    def owner(line: str):
        return trace.owner(ast.parse(line, mode="eval").body, scope, paths)
    assert owner("visual.pool(x)") == "visual.pool"
    assert owner("x + visual.embedding.expand(1, -1)") == "visual.embedding"  # a method of a parameter
    assert owner("torch.cat([visual.pool.weight, visual.pool.extra.bias])") == "visual.pool"
    assert owner("x.permute(0)") is None
    assert owner("visual.pool(x) + visual.embedding") == "visual"


def test_a_resnet_forward_step_names_the_part_of_the_model_it_used(tiny_resnet_snapshot):
    steps = tiny_resnet_snapshot.recipe("forward_image").result["steps"]
    modules = [st["module"] for st in steps]
    assert modules[1:4] == ["visual"] * 3, "a stem line uses conv, bn and relu: their common parent"
    assert modules[4:9] == ["visual.avgpool", "visual.layer1", "visual.layer2", "visual.layer3", "visual.layer4"]
    assert "visual.attnpool" in modules and "visual.attnpool.positional_embedding" in modules
    records = {m.path: m for m in tiny_resnet_snapshot.modules}
    for st in steps:  # another path to the same shapes: the capture's own forward hooks
        if st["module"] in records and records[st["module"]].output_shapes and st["module"] not in ("visual", "visual.attnpool"):
            assert tuple(st["shape"]) == records[st["module"]].output_shapes[0], st["label"]


def test_shown_recipe_code_has_no_bookkeeping(tiny_snapshot):
    for name, recipe in tiny_snapshot.recipes.items():
        assert "result[" not in recipe.source and "result.update" not in recipe.source, name
        assert not re.search(r"(?<![\w.])step\(", recipe.source), name  # optimizer.step() is training, not bookkeeping

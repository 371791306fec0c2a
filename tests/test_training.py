# The training step on the tiny configurations: the freeze holds, the step moves what it should, the loss is CLIP's.
from __future__ import annotations

import inspect
import math

import pytest


@pytest.fixture(params=["vit", "resnet"])
def snap(request, tiny_snapshot, tiny_resnet_snapshot):
    return tiny_snapshot if request.param == "vit" else tiny_resnet_snapshot


def results(s):
    return {name.removeprefix("training_"): s.recipe(name).result for name in s.recipes if name.startswith("training_")}


def test_the_batch_has_several_pairs(snap):
    assert len(snap.inputs.captions) >= 2, "a 1 x 1 logits matrix gives a loss of exactly 0"
    assert len(snap.recipe("training_step").result["logits"]) == len(snap.inputs.captions)


def test_frozen_tensors_have_no_gradient_and_do_not_change(snap):
    r = results(snap)
    frozen = set(r["setup"]["frozen"])
    assert frozen and not frozen & set(r["setup"]["trainable"])
    grads = {t["name"]: t for t in r["gradients"]["tensors"]}
    changes = {c["name"]: c for c in r["optimizer"]["changes"]}
    assert set(grads) == set(changes) == frozen | set(r["setup"]["trainable"])
    for name in frozen:
        assert grads[name]["requires_grad"] is False and grads[name]["grad_norm"] is None, name
        assert changes[name]["group"] == "frozen" and not changes[name]["changed"] and changes[name]["relative"] in (0, None)  # None: a tensor of zeros


def test_exactly_the_last_blocks_of_either_tower_the_new_projections_and_the_scale_train(snap):
    su = snap.recipe("training_setup").result
    names = [p.name for p in snap.parameters]  # the model's own parameters, before any replacement

    def in_last_blocks(name, stage, first):
        return name.startswith(stage + ".") and int(name[len(stage) + 1:].split(".")[0]) >= first

    replaced = {name for name in names for new in su["replaced"] if name == new or name.startswith(new + ".")}
    expected = {name for name in names if in_last_blocks(name, su["stage"], su["first"])
                or in_last_blocks(name, su["text_stage"], su["text_first"])} | {"logit_scale"}
    trainable = set(su["trainable"])
    assert trainable - {t for t in trainable for new in su["replaced"] if t == new or t.startswith(new + ".")} \
        == expected - replaced
    assert su["first"] == su["blocks"] - snap.inputs.unfreeze_last
    assert su["text_first"] == su["text_blocks"] - snap.inputs.unfreeze_last
    assert su["text_blocks"] == snap.model.arch.transformer_layers
    assert "token_embedding.weight" in su["frozen"] and "positional_embedding" in su["frozen"]


def test_unfrozen_tensors_get_a_gradient_and_change(snap):
    r = results(snap)
    grads = {t["name"]: t["grad_norm"] for t in r["gradients"]["tensors"]}
    changes = {c["name"]: c for c in r["optimizer"]["changes"]}
    trainable = r["setup"]["trainable"]
    assert all(grads[name] is not None for name in trainable), "every trainable tensor is reached by the loss"
    moved = [name for name in trainable if grads[name] > 0]
    assert moved and all(changes[name]["changed"] for name in moved)
    # a tensor that started at zero has no relative change; every other one moved by a positive share
    assert all(changes[name]["relative"] is None or changes[name]["relative"] > 0 for name in moved)
    first, stage = r["setup"]["first"], r["setup"]["stage"]
    unfrozen_blocks = {name for name in trainable if name.startswith(f"{stage}.")}
    assert unfrozen_blocks and all(int(name[len(stage) + 1:].split(".")[0]) >= first for name in unfrozen_blocks)
    for name in r["setup"]["replaced"]:
        assert any(t.startswith(name) for t in moved), f"the replaced {name} should train"


def test_the_loss_matches_a_hand_computation_from_the_logits(snap):
    st = snap.recipe("training_step").result
    logits = st["logits"]
    n = len(logits)

    def cross_entropy(rows):  # mean over rows of -log softmax(row)[i]
        return sum(math.log(sum(math.exp(v) for v in row)) - row[i] for i, row in enumerate(rows)) / n

    per_image = cross_entropy(logits)
    per_text = cross_entropy([[logits[j][i] for j in range(n)] for i in range(n)])
    assert per_image == pytest.approx(st["loss_image"], rel=1e-5)
    assert per_text == pytest.approx(st["loss_text"], rel=1e-5)
    assert (per_image + per_text) / 2 == pytest.approx(st["loss"], rel=1e-5)


def test_block_norms_add_up_from_the_tensor_norms(snap):
    r = snap.recipe("training_gradients").result
    for block in r["blocks"]:
        members = [t for t in r["tensors"] if t["name"] == block["block"] or t["name"].startswith(block["block"] + ".")]
        assert len(members) == block["tensors"], block["block"]
        assert block["trainable"] == sum(t["requires_grad"] for t in members), block["block"]
        norms = [t["grad_norm"] for t in members if t["grad_norm"] is not None]
        expected = math.sqrt(sum(v * v for v in norms)) if norms else None
        assert block["grad_norm"] == (None if expected is None else pytest.approx(expected, rel=1e-6)), block["block"]
    assert sum(b["tensors"] for b in r["blocks"]) == len(r["tensors"])


def test_weight_decay_leaves_out_gains_biases_and_the_scale(snap):
    r = snap.recipe("training_optimizer").result
    assert "logit_scale" in r["no_decay"] and "logit_scale" not in r["decay"]
    shapes = {t["name"]: t["shape"] for t in snap.recipe("training_gradients").result["tensors"]}
    assert all(len(shapes[name]) >= 2 for name in r["decay"])
    assert all(len(shapes[name]) < 2 or name == "logit_scale" for name in r["no_decay"])
    assert any(name.endswith(".bias") for name in r["no_decay"]) and r["weight_decay"] > 0


def test_the_scale_is_clamped_at_ln_100_which_clip_forward_does_not_do(snap):
    import clip

    r = snap.recipe("training_optimizer").result
    assert r["cap"] == math.log(100)
    assert r["logit_scale_clamped"] == min(max(r["logit_scale_after"], 0.0), r["cap"])
    assert r["logit_scale_after"] != r["logit_scale_before"], "logit_scale trains"
    assert r["forward_clamps"] == ("clamp" in inspect.getsource(clip.model.CLIP.forward))


def test_batch_norm_statistics_move_in_train_and_not_in_eval(tiny_resnet_snapshot, tiny_snapshot):
    bn = tiny_resnet_snapshot.recipe("training_batchnorm").result
    norms = [m.path for m in tiny_resnet_snapshot.modules if m.kind == "BatchNorm2d"]
    assert bn["norms"] == len(norms) > 0
    assert bn["moved_train"] and set(bn["moved_train"]) <= set(norms) and bn["max_change"] > 0
    assert bn["moved_eval"] == []
    vit = tiny_snapshot.recipe("training_batchnorm").result
    assert vit["norms"] == 0 and vit["moved_train"] == [] == vit["moved_eval"]
    assert not [m for m in tiny_snapshot.modules if "BatchNorm" in m.kind]


def test_convert_weights_halves_matrices_and_keeps_norms_and_the_scale(snap):
    r = snap.recipe("training_precision").result
    assert r["half"] and "logit_scale" in r["full"] and not set(r["half"]) & set(r["full"])
    assert r["half_values"] + r["full_values"] == sum(p.count for p in snap.parameters)
    assert all("ln_" not in name for name in r["half"])
    assert 0 < r["unchanged_fraction"] <= 1 and r["probe"] in r["half"]


def test_a_larger_input(tiny_snapshot, tiny_resnet_snapshot):
    vit = tiny_snapshot.recipe("training_resolution").result
    assert vit["new_grid"] > vit["grid"] and vit["new_resolution"] == vit["new_grid"] * vit["patch"]
    shapes = {st["label"]: st["shape"] for st in vit["steps"]}
    width = tiny_snapshot.model.arch.vision_width
    assert shapes["interpolated, larger grid"] == [vit["new_grid"] ** 2 + 1, width]
    assert shapes["encode_image"] == [1, tiny_snapshot.model.arch.embed_dim]
    rn = tiny_resnet_snapshot.recipe("training_resolution").result
    assert rn["error"] and rn["new_grid"] > rn["grid"]
    # the remedy: the attention pool's positional embedding interpolated to the larger grid, the mean's row kept
    shapes = {st["label"]: st["shape"] for st in rn["steps"]}
    embed = tiny_resnet_snapshot.model.arch.vision_width * 32  # what layer4 hands the pool
    assert shapes["interpolated, larger grid"] == [rn["new_grid"] ** 2 + 1, embed]
    assert shapes["layer4"][-2:] == [rn["new_grid"]] * 2
    assert shapes["attnpool, interpolated"] == [1, tiny_resnet_snapshot.model.arch.embed_dim]
    for r in (vit, rn):
        assert -1 <= r["cosine"] <= 1


def test_the_larger_input_is_put_beside_how_alike_the_other_sample_images_are(tiny_files, tiny_snapshot):
    cosines = tiny_snapshot.recipe("pca").result["image_cosines"]
    assert len(cosines) == len(cosines[0]) == len(tiny_snapshot.inputs.images)
    assert all(row[i] == pytest.approx(1, abs=1e-5) for i, row in enumerate(cosines))
    page = " ".join(tiny_files["models/tiny-vit/training/index.md"].decode("utf-8").split())  # lines joined
    others = cosines[0][1:]
    assert (f"the closest of the other {len(others)} sample images has a cosine of {max(others):.4f} with it"
            in page)


@pytest.mark.parametrize("kind", ["vit", "resnet"])
def test_the_training_page_renders(kind, tiny_files, tiny_resnet_files, tiny_resnet_snapshot):
    files, snapshot = (tiny_files, None) if kind == "vit" else (tiny_resnet_files, tiny_resnet_snapshot)
    slug = "tiny-vit" if kind == "vit" else "tiny-rn"
    page = files[f"models/{slug}/training/index.md"].decode("utf-8")
    assert "Random weights" in page
    assert f"figures/{slug}/training-gradients.svg" in page and f"figures/{slug}/training-gradients.svg" in files
    assert files[f"tables/{slug}/training-gradients.csv"].decode().startswith("parameter,shape,requires_grad")
    assert "../training/index.md" in files[f"models/{slug}/fine-tuning/index.md"].decode("utf-8")
    assert "{#resolution}" in page and "{#train-eval}" in page and "{#precision}" in page
    if kind == "resnet":
        bn = snapshot.recipe("training_batchnorm").result
        assert f"**{len(bn['moved_train'])} of {bn['norms']}**" in page
    else:
        assert "This model has no batch norm layers" in page and "changes no value" in page

# Recipes share work (weight-sharing copies, encoder passes made once) without changing a single captured byte.
from __future__ import annotations

import contextlib

import pytest

from gen.errors import CaptureError
from helpers import capture_tiny


def test_sharing_changes_no_byte_of_the_snapshot(tiny_cfg, tiny_snapshot, monkeypatch):
    """The session's tiny Snapshot was captured with sharing; capture again with deep copies and every pass made."""
    from gen.capture import run, shared

    reused, stage_reused = [], []
    real = shared.Passes.installed

    @contextlib.contextmanager
    def counting(self, model, encoders=True, remember=True):
        with real(self, model, encoders, remember):
            yield
        reused.append(self.reused)
        stage_reused.append(self.stages.reused)

    monkeypatch.setattr(shared.Passes, "installed", counting)
    assert capture_tiny(tiny_cfg).to_json() == tiny_snapshot.to_json()
    assert max(reused) > 0, "no encoder pass was reused: the sharing is not exercised"
    assert max(stage_reused) > 0, "no stage pass was reused: the sharing is not exercised"
    import copy

    monkeypatch.setattr(shared.Passes, "copy", lambda self, model: copy.deepcopy(model))
    monkeypatch.setattr(shared.Passes, "installed", lambda self, model, encoders=True, remember=True:
                        contextlib.nullcontext())
    monkeypatch.setattr(shared.Passes, "recording", lambda self, model: contextlib.nullcontext())
    assert capture_tiny(tiny_cfg).to_json() == tiny_snapshot.to_json()


def test_a_light_copy_keeps_the_original_and_in_place_changes_are_caught():
    import torch
    from torch import nn

    from gen.capture import shared

    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2))
    before = [p.detach().clone() for p in model.parameters()]
    twin = shared.light_copy(model)
    assert twin[0].weight.data_ptr() == model[0].weight.data_ptr()  # no second copy of the weights
    with shared.unchanged_weights(model, "flags and swaps"):
        for p in twin.parameters():
            p.requires_grad = False
        twin[1] = nn.Linear(2, 5)
    assert all(p.requires_grad for p in model.parameters()) and model[1].out_features == 2
    with pytest.raises(CaptureError, match="in place on its copy.*own_trainable"):
        with shared.unchanged_weights(model, "a training step"):
            with torch.no_grad():
                twin[0].weight.add_(1.0)
    assert not torch.equal(model[0].weight, before[0])  # why it must fail: the original changed too


def test_a_pass_is_not_reused_under_hooks_or_after_a_change():
    import torch
    from torch import nn

    from gen.capture import shared

    class Tower(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def encode_image(self, x):
            return self.lin(x)

        def encode_text(self, x):
            return self.lin(x)

    model, x = Tower(), torch.ones(1, 3)
    passes = shared.Passes(model)
    seen = []
    with passes.installed(model), torch.no_grad():
        model.encode_image(x)
        model.encode_image(x)
        assert passes.reused == 1
        handle = model.lin.register_forward_hook(lambda m, a, out: seen.append(out))
        model.encode_image(x)
        handle.remove()
        assert seen and passes.reused == 1  # the hook saw a real pass
        model.lin.weight.mul_(2)
        model.encode_image(x)
        assert passes.reused == 1
    assert "encode_image" not in model.__dict__


def test_model_snapshots_do_not_depend_on_the_number_of_processes(tmp_path, monkeypatch):
    """A real (tiny) capture in a build with one process and in one with a second process beside it."""
    import shutil

    import gen.capture
    from gen import build, cache, config
    from gen.store import Store
    from helpers import TINY_ARCH, tiny_extra

    real = gen.capture.take_snapshot
    monkeypatch.setattr(gen.capture, "take_snapshot", lambda plan, cfg, scope="full", arch=None:
                        real(plan, cfg, scope, arch=TINY_ARCH))
    written = {}
    for jobs in (1, 2):
        cfg = config.load(tiny_extra(tmp_path / f"jobs-{jobs}", jobs=jobs), base_dir=tmp_path, env={})
        if jobs == 2:  # the catalog of the first build: the second process then only draws plots
            shutil.copytree(tmp_path / "jobs-1" / "store" / "catalog", tmp_path / "jobs-2" / "store" / "catalog")
        build.generate(cfg)
        store = Store(cfg.cache)
        (plan, scope, path), = build.targets(cfg, store).values()
        written[jobs] = store.read(path)
        assert path.name == cache.snapshot_entry(store, plan, cfg, scope).name
    assert written[1] == written[2]


def _stack():
    """A ResNet-like stage: a Sequential of modules named Bottleneck, with a batch norm inside."""
    from torch import nn

    class Bottleneck(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(2, 2, 1), nn.BatchNorm2d(2)

        def forward(self, x):
            return x + self.bn(self.conv(x))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem, self.layer = nn.Conv2d(2, 2, 1), nn.Sequential(Bottleneck(), Bottleneck())

        def forward(self, x):
            return self.layer(self.stem(x))

    return Net().eval()


def test_a_stage_pass_is_reused_by_copies_until_something_changes():
    import copy

    import torch

    from gen.capture import shared

    torch.manual_seed(0)
    model, x = _stack().requires_grad_(False), torch.randn(1, 2, 4, 4)
    passes = shared.Passes(model)
    with torch.no_grad():
        expected = model(x)
        with passes.installed(model, encoders=False):
            assert torch.equal(model(x), expected) and passes.stages.reused == 0
            assert torch.equal(model(x), expected) and passes.stages.reused == 1
        light, deep = passes.copy(model), copy.deepcopy(model)
        with passes.installed(light, encoders=False):
            assert torch.equal(light(x), expected) and passes.stages.reused == 2
            light.layer[1].conv.weight.requires_grad_(True)
            shared.own_trainable(light, model)  # its own storage now, and still the same values: known by value
            assert light.layer[1].conv.weight.data_ptr() != model.layer[1].conv.weight.data_ptr()
            assert light.layer[0].conv.weight.data_ptr() == model.layer[0].conv.weight.data_ptr()
            assert torch.equal(light(x), model(x)) and passes.stages.reused == 3
            light.layer[1].conv.weight.mul_(2)  # changed: the copy no longer computes what the model does
            assert not torch.equal(light(x), expected) and passes.stages.reused == 3
        other = passes.copy(model)
        with passes.installed(other, encoders=False):
            other.layer[0].bn.train()  # a batch norm in train() writes its (own) statistics: a real pass
            other(x)
            assert passes.stages.reused == 3
        assert torch.equal(model(x), expected)  # the original was never written
    with passes.installed(model, encoders=False), torch.enable_grad():
        model.layer[1].conv.weight.requires_grad_(True)  # a graph is needed for backward: a real pass
        out = model(x)
        assert out.requires_grad and passes.stages.reused == 3
    assert "forward" not in model.layer.__dict__ and "forward" not in deep.layer.__dict__


def test_a_training_step_on_a_light_copy_leaves_the_model_as_it_was():
    import torch

    from gen.capture import shared

    model, x = _stack(), torch.randn(1, 2, 4, 4)
    before = [t.clone() for t in (*model.parameters(), *model.buffers())]
    twin = shared.light_copy(model)
    with shared.unchanged_weights(model, "a training step"):
        twin.layer[1].conv.weight.requires_grad_(True)
        for p in (*twin.stem.parameters(), *twin.layer[0].parameters()):
            p.requires_grad_(False)
        shared.own_trainable(twin, model)
        twin.train()
        twin(x).sum().backward()  # the batch norms in train() write their (own) statistics
        torch.optim.SGD([p for p in twin.parameters() if p.requires_grad], lr=0.1).step()
    assert all(torch.equal(a, b) for a, b in zip(before, (*model.parameters(), *model.buffers())))
    assert not torch.equal(twin.layer[1].conv.weight, model.layer[1].conv.weight)


def test_a_stage_pass_is_not_reused_under_a_hook_inside_it():
    import torch

    from gen.capture import shared

    model, x = _stack(), torch.randn(1, 2, 4, 4)
    passes, seen = shared.Passes(model), []
    with passes.installed(model, encoders=False), torch.no_grad():
        model(x)
        handle = model.layer[1].register_forward_hook(lambda m, a, out: seen.append(out))
        model(x)
        handle.remove()
        assert seen and passes.stages.reused == 0  # the hook saw a real pass
        model(x)
        assert passes.stages.reused == 1


def test_a_copy_is_answered_from_the_memory_but_adds_nothing_to_it():
    import torch

    from gen.capture import shared

    model, x, other = _stack().requires_grad_(False), torch.randn(1, 2, 4, 4), torch.randn(1, 2, 4, 4)
    passes = shared.Passes(model)
    with torch.no_grad():
        with passes.installed(model, encoders=False):
            expected = model(x)  # remembered
        light = passes.copy(model)
        with passes.installed(light, encoders=False, remember=False):
            assert torch.equal(light(x), expected) and passes.stages.reused == 1  # answered
            kept = len(passes.stages.saved)
            light(other)
            light(other)
            assert len(passes.stages.saved) == kept and passes.stages.reused == 1  # computed twice, kept never


def test_only_the_last_chain_that_changes_the_model_may_take_the_model_itself(monkeypatch):
    from gen.capture import run

    given = []
    monkeypatch.setattr(run, "run_chain", lambda chain, ns, *args, **kwargs: given.append(ns["model"]) or [])
    model = _stack()
    type(model).encode_image = type(model).encode_text = type(model).forward  # the encoders' memory wraps these
    chains, mutating = [["changes"], ["reads"], ["changes too"]], {"changes", "changes too"}
    run.run_all(chains, {"model": model}, "stack", mutating)
    assert given[0] is not model and given[1] is model and given[2] is not model
    given.clear()
    run.run_all(chains, {"model": model}, "stack", mutating, last_takes_model=True)
    assert given[0] is not model and given[1] is model and given[2] is model
    given.clear()
    run.run_all([["changes"], ["reads"]], {"model": model}, "stack", mutating, last_takes_model=True)
    assert given[0] is not model, "a chain that changes the model and is not the last runs on a copy"


@pytest.mark.skipif(__import__("platform").libc_ver()[0] != "glibc", reason="malloc_trim is glibc's; elsewhere "
                    "gen.capture.memory.release does nothing by design")
def test_freed_memory_can_go_back_to_the_system_on_glibc():
    from gen.capture import memory

    assert memory._trim() is not None, "glibc's malloc_trim was not found: captures keep their freed heap"
    memory.release()

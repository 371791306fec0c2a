"""Work shared between recipes: copies of the model that share its weights, and encoder passes computed once."""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

import torch
from torch import nn

from gen.capture import stages
from gen.errors import CaptureError

ENCODERS = ("encode_image", "encode_text")


def light_copy(model: nn.Module) -> nn.Module:
    """A copy of `model` whose parameters share storage with the original's; its buffers (batch norms' running
    statistics: small) are its own, since a forward pass in train() writes them.

    On the copy a recipe may set requires_grad, swap a parameter or a submodule for a new one, or train what it
    made trainable (`own_trainable` gives those parameters their own storage before a recipe that writes weights
    in place): the original does not see it.  Changing a shared value in place would reach the original;
    `unchanged_weights` catches that."""
    memo: dict[int, object] = {}
    for param in model.parameters():
        memo[id(param)] = nn.Parameter(param.detach(), requires_grad=param.requires_grad)  # same storage
    for buffer in model.buffers():
        memo[id(buffer)] = buffer.clone()
    return copy.deepcopy(model, memo)


def own_trainable(copied: nn.Module, original: nn.Module) -> None:
    """Give every parameter of `copied` that requires grad and still shares the original's storage its own copy of
    the values (and the gradient it holds), so that an optimiser step on it leaves the original as it was."""
    shared_storage = {t.data_ptr() for t in original.parameters()}
    for module in copied.modules():
        for name, param in list(module._parameters.items()):
            if param is not None and param.requires_grad and param.data_ptr() in shared_storage:
                # a new Parameter: setting .data would keep the version counter it shares with the original's
                owned = nn.Parameter(param.detach().clone())
                owned.grad = param.grad
                setattr(module, name, owned)


@contextlib.contextmanager
def unchanged_weights(model: nn.Module, what: str) -> Iterator[None]:
    """Fail, naming `what`, if a value of `model`'s parameters or buffers is changed in place meanwhile."""
    tensors = [*model.parameters(), *model.buffers()]
    versions = [t._version for t in tensors]  # a detached view shares its base's version counter
    yield
    if [t._version for t in tensors] != versions:
        raise CaptureError(f"{what} changed a weight of the model in place on its copy, whose weights are the "
                           f"model's own; make the weight trainable (requires_grad) in an earlier recipe of the chain "
                           f"and give the recipe that writes it a '#: writes weights in place' header line, so that "
                           f"the weight gets storage of its own first (gen/capture/shared.py own_trainable).")


def _state(model: nn.Module) -> tuple:
    """What an encoder's output depends on besides its input: the modules, their modes, the weights (by identity,
    storage and version)."""
    def tensors(items):
        return tuple((id(t), t.data_ptr(), t.dtype, t._version) for t in items)
    return (tuple((id(m), m.training) for m in model.modules()), tensors(model.parameters()), tensors(model.buffers()))


def _hooked(model: nn.Module) -> bool:
    """Hooks must see a real pass: any hook on the model (or a global one) disables reuse."""
    if nn.modules.module._global_forward_hooks or nn.modules.module._global_forward_pre_hooks:
        return True
    return any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


class Passes:
    """Remembers what `model.encode_image` / `model.encode_text` returned for an input under torch.no_grad(), and
    returns it again (a copy) when called with the same input while the model is as it was when the memory was
    installed (same modules, modes and weights, no hook attached).  Below them, what each stage of blocks
    returned is remembered too (gen.capture.stages), also for light copies of the model.

    A CPU pass is deterministic, so the value is the one a second pass would compute, without computing it."""

    def __init__(self, model: nn.Module) -> None:
        self.saved: dict[tuple, torch.Tensor] = {}
        self.reused = 0
        self.read_only_hooks = False  # True while every hook attached is known to read and change nothing
        self.stages = stages.StagePasses(model)

    @contextlib.contextmanager
    def recording(self, model: nn.Module) -> Iterator[None]:
        """Installed around a pass whose hooks only read (the module records and FLOP counts of
        gen.capture.modules): that pass is made for real, and what the encoders and stages return is remembered."""
        self.read_only_hooks = self.stages.read_only_hooks = True
        try:
            with self.installed(model):
                yield
        finally:
            self.read_only_hooks = self.stages.read_only_hooks = False

    def forget(self) -> None:
        """Drop every remembered pass (before the model's own weights are written, when nothing will ask again)."""
        self.saved.clear()
        self.stages.saved.clear()

    def copy(self, model: nn.Module) -> nn.Module:
        """A light copy of `model` (shared weights); its stages' passes are known as the model's wherever the
        storage is still shared."""
        return light_copy(model)

    @contextlib.contextmanager
    def installed(self, model: nn.Module, encoders: bool = True, remember: bool = True) -> Iterator[None]:
        """model.encode_image and model.encode_text (also as CLIP.forward calls them) go through the memory, and so
        do the model's stages.  Install the encoders' memory only on the one model that outlives the recipes (a
        copy's modules, once freed, could give their addresses to others); make no copy of the model meanwhile.
        With `remember=False` the stages' memory answers but keeps nothing new (for a chain whose inputs no later
        chain gives again)."""
        pristine = _state(model)
        names = ENCODERS if encoders else ()
        for name in names:
            object.__setattr__(model, name, self._wrap(model, name, getattr(model, name), pristine))
        try:
            with self.stages.installed(model, remember=remember):
                yield
        finally:
            for name in names:
                model.__dict__.pop(name, None)

    def _wrap(self, model: nn.Module, name: str, compute, pristine: tuple):
        def encode(x, *args, **kwargs):
            hooked = _hooked(model)
            if (args or kwargs or torch.is_grad_enabled() or not isinstance(x, torch.Tensor)
                    or (hooked and not self.read_only_hooks) or _state(model) != pristine):
                return compute(x, *args, **kwargs)
            key = (name, pristine, stages.digest(x))
            if key in self.saved and not hooked:
                self.reused += 1
                return self.saved[key].clone()
            out = compute(x)
            if isinstance(out, torch.Tensor) and _state(model) == pristine and stages.digest(x) == key[2]:
                self.saved[key] = out.clone()
            return out
        return encode

"""Stage passes computed once: what a stack of blocks (a ResNet stage, a transformer, a transformer block)
returned for an input is returned again, on the model or on a copy of it, while the stack's weights, modes and
input are the same."""
from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

import torch
from torch import nn
from torch.utils import _python_dispatch

# Modules whose output depends on train() / eval(); a batch norm in train() also writes its statistics.
MODE_SENSITIVE = (nn.modules.batchnorm._BatchNorm, nn.Dropout, nn.MultiheadAttention)


def is_stage(module: nn.Module) -> bool:
    """A transformer (its stack of residual blocks) and each of its blocks, or a ResNet stage: a Sequential of
    bottlenecks (its bottlenecks' outputs are too large to keep one by one)."""
    if type(module).__name__ in ("Transformer", "ResidualAttentionBlock"):
        return True
    return (isinstance(module, nn.Sequential) and len(module) > 0
            and all(type(child).__name__ == "Bottleneck" for child in module))


def tensors(module: nn.Module) -> list[torch.Tensor]:
    """Everything a module's output can depend on besides its input: parameters, buffers and tensor attributes
    (the text transformer's causal mask), of the module and all below it, in a fixed order."""
    found = []
    for m in module.modules():
        found += [t for t in (*m._parameters.values(), *m._buffers.values()) if t is not None]
        found += [v for _, v in sorted(vars(m).items()) if isinstance(v, torch.Tensor)]
    return found


def digest(x: torch.Tensor) -> tuple:
    return tuple(x.shape), str(x.dtype), hashlib.sha256(x.detach().contiguous().cpu().numpy().tobytes()).hexdigest()


def _hooked_inside(stage: nn.Module) -> bool:
    """A hook below the stage (or a global one, or a dispatch mode such as a FLOP counter) must see a real pass."""
    if nn.modules.module._global_forward_hooks or nn.modules.module._global_forward_pre_hooks:
        return True
    if _python_dispatch._get_current_dispatch_mode() is not None:
        return True
    return any(m._forward_hooks or m._forward_pre_hooks for m in stage.modules() if m is not stage)


SMALL = 1 << 16  # a tensor of at most this many values (a batch norm's statistics, a causal mask) is known by value


class StagePasses:
    """A small tensor (a bias, a gain, a batch norm's statistics, a causal mask) is known by its value; a larger
    one by the original model's tensor whose storage it shares (itself, or its view in a light copy).  The
    original's tensors are held here, so no other tensor can take their storage while the memory lives, and their
    version counters tell an in-place change."""

    def __init__(self, model: nn.Module) -> None:
        self.pinned = tensors(model)
        self.by_storage = {t.data_ptr(): t for t in self.pinned}
        self.saved: dict[tuple, torch.Tensor] = {}
        self.reused = 0
        self.read_only_hooks = False

    def _identity(self, t: torch.Tensor):
        if t.numel() <= SMALL:
            return digest(t)
        original = self.by_storage.get(t.data_ptr())
        if (original is not None and original.shape == t.shape and original.stride() == t.stride()
                and original.dtype == t.dtype):
            return id(original), original._version
        return None

    def key(self, stage: nn.Module, x) -> tuple | None:
        """What the stage's output depends on, or None when it must be computed and not remembered."""
        if not isinstance(x, torch.Tensor) or x.requires_grad:
            return None
        found = tensors(stage)
        if torch.is_grad_enabled() and any(t.requires_grad for t in found):
            return None  # the pass builds a graph for backward
        modules = list(stage.modules())
        if any(m.training and (isinstance(m, nn.modules.batchnorm._BatchNorm)
                               or (isinstance(m, nn.Dropout) and m.p > 0)) for m in modules):
            return None  # running statistics written, or a random mask drawn
        ids = [self._identity(t) for t in found]
        if any(i is None for i in ids):
            return None
        modes = tuple(m.training for m in modules if isinstance(m, MODE_SENSITIVE))
        return type(stage).__name__, len(modules), tuple(ids), modes, digest(x)

    @contextlib.contextmanager
    def installed(self, model: nn.Module, remember: bool = True) -> Iterator[None]:
        """Every stage of `model` goes through the memory; copying the model meanwhile would copy the wrappers.
        With `remember=False` the memory answers but keeps nothing new (a copy's inputs are seldom seen again)."""
        stages = [m for m in model.modules() if is_stage(m)]
        for stage in stages:
            object.__setattr__(stage, "forward", self._wrap(stage, stage.forward, remember))
        try:
            yield
        finally:
            for stage in stages:
                stage.__dict__.pop("forward", None)

    def _wrap(self, stage: nn.Module, compute, remember: bool):
        def forward(x, *args, **kwargs):
            key = None if args or kwargs else self.key(stage, x)
            if key is None:
                return compute(x, *args, **kwargs)
            hooked = _hooked_inside(stage)
            if hooked and not self.read_only_hooks:
                return compute(x)
            if key in self.saved and not hooked:
                self.reused += 1
                return self.saved[key].clone()
            out = compute(x)
            if remember and isinstance(out, torch.Tensor) and not out.requires_grad and self.key(stage, x) == key:
                self.saved[key] = out.clone()
            return out
        return forward

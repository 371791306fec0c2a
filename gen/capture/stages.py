"""Stage passes computed once: what a stack of blocks (a ResNet stage, a transformer, a transformer block)
returned for an input is returned again, on the model or on a copy of it, while the stack's weights, modes and input are the same."""
from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

import torch
from torch import nn
from torch.utils import _python_dispatch
from torch.utils.weak import WeakIdKeyDictionary

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


class StagePasses:
    """Tensors are known by the original model's tensor they stand for: itself, or its copy in a light or deep
    copy made through `copy_of`, as long as neither has been changed in place since.  The original's tensors are
    held here, so no other tensor can take their identity while the memory lives."""

    def __init__(self, model: nn.Module) -> None:
        self.origin = WeakIdKeyDictionary()  # tensor -> (original, its version then, the original's version then)
        self.pinned = tensors(model)
        for t in self.pinned:
            self.origin[t] = (t, None, None)
        self.saved: dict[tuple, torch.Tensor] = {}
        self.reused = 0
        self.read_only_hooks = False

    def adopt(self, copied: dict[int, object]) -> None:
        """Know the tensors of a copy by the original's: `copied` is the memo copy.deepcopy filled."""
        for t in self.pinned:
            twin = copied.get(id(t))
            if isinstance(twin, torch.Tensor) and twin is not t:
                self.origin[twin] = (t, twin._version, t._version)

    def _identity(self, t: torch.Tensor):
        entry = self.origin.get(t)
        if entry is None:
            return None
        original, own_version, original_version = entry
        if own_version is not None and (t._version != own_version or original._version != original_version):
            return None  # one of them changed in place since the copy
        return id(original), original._version

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
    def installed(self, model: nn.Module) -> Iterator[None]:
        """Every stage of `model` goes through the memory; copying the model meanwhile would copy the wrappers."""
        stages = [m for m in model.modules() if is_stage(m)]
        for stage in stages:
            object.__setattr__(stage, "forward", self._wrap(stage, stage.forward))
        try:
            yield
        finally:
            for stage in stages:
                stage.__dict__.pop("forward", None)

    def _wrap(self, stage: nn.Module, compute):
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
            if isinstance(out, torch.Tensor) and not out.requires_grad and self.key(stage, x) == key:
                self.saved[key] = out.clone()
            return out
        return forward

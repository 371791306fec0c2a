"""Walk a model's modules and parameters; record shapes and FLOPs from one real forward pass."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
import torch.fx
from torch import nn
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

from gen.errors import CaptureError
from gen.snapshot import ModuleRecord, ParamRecord


def _shapes(value) -> list[tuple[int, ...]]:
    if isinstance(value, torch.Tensor):
        return [tuple(value.shape)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _shapes(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _shapes(v)]
    return []


@contextlib.contextmanager
def recording(model: nn.Module) -> Iterator[dict]:
    """Hook every module; yield {path: {"in": shapes, "out": shapes, "order": i}} filled by a forward."""
    seen: dict[str, dict] = {}
    handles = []
    was_training = model.training

    def hook_for(path: str):
        def hook(module, args, kwargs, output):
            if path not in seen:  # the first call is the one documented
                seen[path] = {"in": _shapes(args) + _shapes(kwargs), "out": _shapes(output), "order": len(seen)}
        return hook

    try:
        for path, module in model.named_modules():
            handles.append(module.register_forward_hook(hook_for(path), with_kwargs=True))
        model.eval()
        yield seen
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)


# torch's counter knows the fused attention kernels of CUDA, not the one CPU runs; count that one the same way.
_CPU_ATTENTION = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu


def _cpu_attention_flops(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs) -> int:
    return sdpa_flop_count(query_shape, key_shape, value_shape)


# the operators that compute q @ k^T and attn @ v, whichever path attention takes on this device
ATTENTION_PRODUCTS = {"aten.bmm", "aten.baddbmm", "aten._scaled_dot_product_flash_attention_for_cpu",
                      "aten._scaled_dot_product_flash_attention", "aten._scaled_dot_product_efficient_attention"}
ATTENTION_MODULES = ("MultiheadAttention", "AttentionPool2d")


class _Root(nn.Module):
    """Names the model "root" in the counter's module paths, whichever of its methods `run` calls."""

    def __init__(self, model: nn.Module, run):
        super().__init__()
        self.model, self._run = model, run

    def forward(self):
        return self._run()


def _check_attention_counted(model: nn.Module, seen: dict, counts: dict) -> None:
    """Every attention that ran must show its matrix products in the count; otherwise fail, naming it."""
    for path, module in model.named_modules():
        if type(module).__name__ in ATTENTION_MODULES and path in seen:
            ops = {str(op) for op, n in counts.get(f"_Root.model.{path}", {}).items() if n}
            if not ops & ATTENTION_PRODUCTS:
                raise CaptureError(
                    f"torch's FlopCounterMode saw no attention product inside {path!r} (it saw {sorted(ops)}); "
                    f"this torch runs attention through an operator the generator does not count yet. "
                    f"Add it to gen/capture/modules.py ATTENTION_PRODUCTS with a formula."
                )


def forward_with_records(model: nn.Module, run):
    """Call `run()` (a forward pass of `model`) once; return (per-module shapes, per-module FLOPs).

    FLOPs are torch's `FlopCounterMode` counts (2 per multiply-add), attributed to every module on the
    call stack; the model's own entry ("") is everything the pass computed, modules or plain tensor code.
    """
    counting = FlopCounterMode(display=False, custom_mapping={_CPU_ATTENTION: _cpu_attention_flops})
    with recording(model) as seen, torch.no_grad(), counting as counter:
        try:
            _Root(model, run)()
        except Exception as err:
            done = sorted(seen, key=lambda p: seen[p]["order"])
            last = done[-1] if done else "(none)"
            raise CaptureError(
                f"forward pass failed after {last!r} ({len(done)} modules captured): {err}"
            ) from err
    counts = counter.get_flop_counts()
    _check_attention_counted(model, seen, counts)
    flops = {}
    for path, _ in model.named_modules():
        key = f"_Root.model.{path}" if path else "Global"  # everything counted, whichever method ran
        flops[path] = int(sum(counts.get(key, {}).values()))
    return seen, flops


# attributes worth reading off a module, by class name: what its printout leaves out or prose relies on
FACTS = {
    "MultiheadAttention": ("embed_dim", "num_heads", "head_dim", "batch_first"),
    "AttentionPool2d": ("num_heads",),
    "Conv2d": ("in_channels", "out_channels", "kernel_size", "stride", "padding"),
    "AvgPool2d": ("kernel_size", "stride"),
    "Linear": ("in_features", "out_features"),
}


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def module_facts(module: nn.Module) -> dict:
    return {name: _plain(getattr(module, name)) for name in FACTS.get(type(module).__name__, ())}


FLOW_KINDS = ("ResidualAttentionBlock", "Bottleneck")  # blocks whose dataflow is drawn from their traced code


class _BlockTracer(torch.fx.Tracer):
    """Traces one block's own forward code; every module inside it (bar Sequential containers) stays one call."""

    def __init__(self, block: nn.Module):
        super().__init__()
        self.block = block

    def is_leaf_module(self, module: nn.Module, qualname: str) -> bool:
        return module is not self.block and not isinstance(module, nn.Sequential)


def block_flow(block: nn.Module) -> tuple[dict, ...]:
    """The operations of a block's forward in the order they run, each naming the nodes it reads.

    Indexing (`attn(...)[0]`) is folded into the node it reads from. A causal mask is set aside while tracing:
    it only feeds attention, and its slicing by the input's length cannot be traced symbolically."""
    mask = getattr(block, "attn_mask", None)
    try:
        if mask is not None:
            block.attn_mask = None
        graph = _BlockTracer(block).trace(block)
    finally:
        if mask is not None:
            block.attn_mask = mask
    alias: dict[str, str] = {}
    nodes = []
    for n in graph.nodes:
        inputs = [alias.get(a.name, a.name) for a in n.all_input_nodes]
        if n.op == "call_function" and getattr(n.target, "__name__", "") == "getitem":
            alias[n.name] = inputs[0]
            continue
        name = getattr(n.target, "__name__", str(n.target))
        op = {"placeholder": "input", "output": "output", "call_module": "module"}.get(n.op, "function")
        if op == "function" and name in ("add", "iadd"):
            op = "add"
        nodes.append({"node": n.name, "op": op, "target": str(n.target) if op == "module" else name,
                      "inputs": list(dict.fromkeys(inputs))})
    return tuple(nodes)


def _traced(path: str, module: nn.Module) -> tuple[dict, ...]:
    if type(module).__name__ not in FLOW_KINDS:
        return ()
    try:
        return block_flow(module)
    except Exception as err:
        raise CaptureError(f"torch.fx could not trace the forward code of {path!r} ({type(module).__name__}): "
                           f"{type(err).__name__}: {err}. The clip package's block code changed; extend "
                           f"gen/capture/modules.py block_flow for it.") from err


def module_records(model: nn.Module, seen: dict, flops: dict) -> tuple[ModuleRecord, ...]:
    records = []
    for path, module in model.named_modules():
        children = tuple(f"{path}.{name}" if path else name for name, _ in module.named_children())
        shapes = seen.get(path, {"in": [], "out": []})
        records.append(ModuleRecord(
            path=path,
            kind=type(module).__name__,
            repr=repr(module),
            children=children,
            own_params=sum(p.numel() for p in module.parameters(recurse=False)),
            total_params=sum(p.numel() for p in module.parameters()),
            input_shapes=tuple(tuple(s) for s in shapes["in"]),
            output_shapes=tuple(tuple(s) for s in shapes["out"]),
            flops=flops.get(path, 0),
            facts=module_facts(module),
            flow=_traced(path, module),
        ))
    return tuple(records)


def _is_raw(owner: nn.Module) -> bool:
    """A parameter set directly on one of CLIP's own composite classes, not inside a torch layer."""
    return type(owner).__module__.startswith("clip") and not isinstance(owner, nn.LayerNorm)


def param_records(model: nn.Module) -> tuple[ParamRecord, ...]:
    owners = dict(model.named_modules())
    records = []
    for name, param in model.named_parameters():
        owner_path = name.rpartition(".")[0]
        data = param.detach().double()
        records.append(ParamRecord(
            name=name,
            module=owner_path,
            shape=tuple(param.shape),
            count=param.numel(),
            dtype=str(param.dtype),
            requires_grad=param.requires_grad,
            raw=_is_raw(owners[owner_path]),
            printed=str(param),
            mean=float(data.mean()),
            std=float(data.std()) if param.numel() > 1 else None,
            min=float(param.detach().min()),  # the same value as in float64: no rounding in picking an element
            max=float(param.detach().max()),
        ))
    return tuple(records)

"""Load a CLIP model for capture: a pretrained checkpoint, or the seeded architecture.

A checkpoint file is untrusted input, read the way clip.load reads it, in two steps:

1. `torch.jit.load` first, for TorchScript (JIT) archives, the format OpenAI publishes.
   torch.jit.load runs code stored in the file (the archive's TorchScript is compiled and
   executed by torch), so a JIT archive is only as safe as its source: OpenAI's files are
   checked against the SHA-256 in their download URL; any other JIT archive runs as it is.
2. When torch.jit.load refuses the file (RuntimeError), `torch.load(..., map_location="cpu",
   weights_only=True)` for a state dict: tensors and plain containers only, no code runs, and a
   file holding other pickled objects is refused.

Either way only the tensors are kept. The model is rebuilt as a regular `clip.model.CLIP` from
the architecture the tensors imply (`derive_arch`, which mirrors `clip.model.build_model`), so
hooks and `named_modules()` work, then made float32 and put in eval mode.  A fine-tuned
checkpoint whose projections differ from OpenAI's (a 256-wide `visual.proj`, say) is documented
as it is: those raw parameters are rebuilt with the checkpoint's shapes before loading.
"""
from __future__ import annotations

import logging
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import clip
import torch
from torch import nn

from gen import archs, download
from gen.errors import LoadError
from gen.weights import WeightsPlan

log = logging.getLogger(f"mkdocs.plugins.{__name__}")

JIT_NOTE = "torch.jit.load runs code stored in the file, so use JIT archives only from sources you trust"
RANDOM_FIX = "or build without weights with CLIP_DOCS_WEIGHTS=random"
# Entries of an OpenAI JIT archive's state dict that are not parameters (clip.model.build_model drops them).
NON_PARAMETER_KEYS = ("input_resolution", "context_length", "vocab_size")
# The fields that tell CLIP variants apart; embed_dim (the projection width) may differ in a fine-tune.
IDENTITY_FIELDS = ("kind", "vision_layers", "vision_width", "vision_patch_size", "image_resolution",
                   "transformer_width", "transformer_layers")
# Modules whose own raw nn.Parameters a fine-tune may replace with another shape.
RAW_OWNERS = (clip.model.CLIP, clip.model.VisionTransformer, clip.model.ModifiedResNet, clip.model.AttentionPool2d)
# ResNet image projection: an nn.Linear, rebuilt whole so that its repr shows the checkpoint's width.
LINEAR_PROJECTIONS = ("visual.attnpool.c_proj",)


@dataclass(frozen=True)
class Loaded:
    model: nn.Module                   # clip.model.CLIP, float32, eval mode, on the CPU
    preprocess: Callable               # clip.clip._transform(arch.image_resolution)
    arch: archs.ArchConfig             # derived from the checkpoint; the table's (or the given) one in random mode
    format: str                        # "jit" | "state_dict" | "random"
    stored_dtypes: tuple[str, ...]     # dtypes of the checkpoint's tensors, ("torch.float16",) for OpenAI's
    reshaped: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...]  # (name, derived shape, checkpoint shape)


def load(plan: WeightsPlan, arch: archs.ArchConfig | None = None) -> Loaded:
    """Load what `plan` says: a seeded `arch` (random mode) or its checkpoint (pretrained mode).

    `arch` overrides the known architecture of `plan.model` (tests use a tiny one).  In pretrained
    mode it is the architecture the checkpoint must have; the returned `arch` is derived from the file.
    """
    expected = arch or archs.KNOWN[plan.model]
    if plan.mode == "random":
        torch.manual_seed(plan.seed)
        model = clip.model.CLIP(**expected.as_kwargs())
        return Loaded(model.float().eval(), clip.clip._transform(expected.image_resolution), expected,
                      "random", (), ())
    return load_checkpoint(Path(plan.checkpoint), plan.model, expected)


def load_checkpoint(path: Path, name: str, expected: archs.ArchConfig | None) -> Loaded:
    """Read `path` (JIT archive or state dict), check it is a `name`, rebuild it as clip.model.CLIP.

    `expected=None` skips the architecture check.
    """
    log.info("Loading %s from %s", name, path)
    state_dict, fmt = read_state_dict(path, name)
    derived = _derive(state_dict, path, name)
    if expected is not None:
        check_arch(derived, expected, name, path)
    model, reshaped = build(state_dict, derived, path, name)
    dtypes = tuple(sorted({str(t.dtype) for t in state_dict.values() if torch.is_tensor(t) and t.is_floating_point()}))
    return Loaded(model.float().eval(), clip.clip._transform(derived.image_resolution), derived, fmt, dtypes,
                  tuple(reshaped))


def read_state_dict(path: Path, name: str = "CLIP") -> tuple[dict[str, torch.Tensor], str]:
    """The tensors of a checkpoint and its format ("jit" | "state_dict"), read as clip.load reads them."""
    if not path.is_file():
        raise LoadError(f"No checkpoint for {name}: {str(path)!r} does not exist or is not a file. Put the weights "
                        f"file there (or name one under extra.clip_docs.checkpoints), {RANDOM_FIX}.")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*torch\.jit\.load.* is deprecated", category=FutureWarning)
            archive = torch.jit.load(str(path), map_location="cpu")
    except Exception as err:  # clip.load catches RuntimeError, which is what torch raises for a non-JIT file
        jit_error = err
    else:
        log.info("%s: %s is a TorchScript (JIT) archive, read with torch.jit.load (%s); "
                 "the model is rebuilt from its tensors.", name, path, JIT_NOTE)
        state_dict = dict(archive.state_dict())
        del archive
        return _finite(state_dict, path, name), "jit"
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as err:
        raise LoadError(_unreadable(path, name, err, jit_error)) from err
    return _finite(_unwrap(obj, path, name), path, name), "state_dict"


def _finite(state_dict: dict[str, torch.Tensor], path: Path, name: str) -> dict[str, torch.Tensor]:
    """The state dict, if every floating-point tensor in it is finite: a NaN would only surface as a failing recipe
    (or as 'nan' all over the pages of a fine-tuned comparison)."""
    for key, tensor in state_dict.items():
        if torch.is_tensor(tensor) and tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            bad = int((~torch.isfinite(tensor)).sum())
            raise LoadError(f"The checkpoint {str(path)!r} for {name} holds non-finite values (NaN or infinity) in "
                            f"{key!r}: {bad:,} of {tensor.numel():,}. The file is damaged, or it was saved after "
                            f"training diverged; give a checkpoint saved before that, {RANDOM_FIX}.")
    return state_dict


def derive_arch(state_dict: Mapping[str, torch.Tensor]) -> archs.ArchConfig:
    """The clip.model.CLIP arguments a state dict implies, derived exactly as clip.model.build_model does."""
    vit = "visual.proj" in state_dict
    if vit:
        vision_width = state_dict["visual.conv1.weight"].shape[0]
        vision_layers = len([k for k in state_dict.keys() if k.startswith("visual.") and k.endswith(".attn.in_proj_weight")])
        vision_patch_size = state_dict["visual.conv1.weight"].shape[-1]
        grid_size = round((state_dict["visual.positional_embedding"].shape[0] - 1) ** 0.5)
        image_resolution = vision_patch_size * grid_size
    else:
        counts = [len(set(k.split(".")[2] for k in state_dict if k.startswith(f"visual.layer{b}"))) for b in [1, 2, 3, 4]]
        vision_layers = tuple(counts)
        vision_width = state_dict["visual.layer1.0.conv1.weight"].shape[0]
        output_width = round((state_dict["visual.attnpool.positional_embedding"].shape[0] - 1) ** 0.5)
        vision_patch_size = None
        if output_width ** 2 + 1 != state_dict["visual.attnpool.positional_embedding"].shape[0]:
            raise ValueError("visual.attnpool.positional_embedding does not hold a square grid plus one token")
        image_resolution = output_width * 32

    embed_dim = state_dict["text_projection"].shape[1]
    context_length = state_dict["positional_embedding"].shape[0]
    vocab_size = state_dict["token_embedding.weight"].shape[0]
    transformer_width = state_dict["ln_final.weight"].shape[0]
    transformer_heads = transformer_width // 64
    transformer_layers = len(set(k.split(".")[2] for k in state_dict if k.startswith("transformer.resblocks")))
    return archs.ArchConfig(embed_dim, image_resolution, vision_layers, vision_width, vision_patch_size,
                            context_length, vocab_size, transformer_width, transformer_heads, transformer_layers)


def check_arch(derived: archs.ArchConfig, expected: archs.ArchConfig, name: str, path: Path) -> None:
    """Raise LoadError when `derived` is another variant than `expected`; projection widths may differ."""
    differs = [f for f in IDENTITY_FIELDS if getattr(derived, f) != getattr(expected, f)]
    if differs:
        like = next((known for known, a in archs.KNOWN.items()
                     if all(getattr(a, f) == getattr(derived, f) for f in IDENTITY_FIELDS)), None)
        belongs = (f"list it under {like!r} instead, " if like else "")
        raise LoadError(
            f"{str(path)!r} is a checkpoint of {like or ('ViT' if derived.kind == 'vit' else 'ResNet')}-like "
            f"architecture, not {name}; it has {describe(derived)}, {name} has {describe(expected)} "
            f"(differing: {', '.join(differs)}). Point extra.clip_docs.checkpoints[{name!r}] at a checkpoint "
            f"of {name}, {belongs}{RANDOM_FIX}."
        )
    others = [f"{f} {getattr(derived, f)} (not {getattr(expected, f)})"
              for f in ("embed_dim", "context_length", "vocab_size") if getattr(derived, f) != getattr(expected, f)]
    if others:
        log.info("%s: %s differs from OpenAI's %s in %s; documenting it as it is (a fine-tuned checkpoint?).",
                 name, path, name, ", ".join(others))


def describe(arch: archs.ArchConfig) -> str:
    """A one-line summary of the fields that identify a variant."""
    if arch.kind == "vit":
        vision = f"a ViT of {arch.vision_layers} layers x {arch.vision_width} wide, patch {arch.vision_patch_size}"
    else:
        vision = f"a ResNet of {tuple(arch.vision_layers)} blocks, stem width {arch.vision_width}"
    return (f"{vision}, {arch.image_resolution} px, and a text transformer of "
            f"{arch.transformer_layers} layers x {arch.transformer_width} wide")


def build(state_dict: Mapping[str, torch.Tensor], arch: archs.ArchConfig, path: Path, name: str = "CLIP"):
    """A clip.model.CLIP built from `arch` holding the tensors of `state_dict`; returns (model, reshaped).

    Raw projection parameters whose checkpoint shape differs from the built one (a fine-tune's
    `visual.proj`, `text_projection`, the ResNet's `visual.attnpool.c_proj`) are rebuilt with the
    checkpoint's shape first; any other difference is a LoadError.
    """
    state = {k: v for k, v in state_dict.items() if k not in NON_PARAMETER_KEYS}
    model = clip.model.CLIP(**arch.as_kwargs())
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    if missing or unexpected:
        raise LoadError(
            f"{str(path)!r} is not a complete CLIP state dict for {name}: "
            + "; ".join(part for part in (_few("missing", missing), _few("unexpected", unexpected)) if part)
            + f". Give a checkpoint of the whole CLIP model (torch.save(model.state_dict())), {RANDOM_FIX}."
        )
    reshaped, refused = [], []
    for key, tensor in state.items():
        built, found = tuple(own[key].shape), tuple(tensor.shape)
        if built == found:
            continue
        owner_path, _, attr = key.rpartition(".")
        owner = model.get_submodule(owner_path)
        if isinstance(owner, RAW_OWNERS) and attr in owner._parameters:
            setattr(owner, attr, nn.Parameter(torch.empty(found, dtype=own[key].dtype)))
            if attr == "proj" and hasattr(owner, "output_dim"):
                owner.output_dim = found[-1]  # VisionTransformer keeps its projection width
        elif owner_path in LINEAR_PROJECTIONS and isinstance(owner, nn.Linear) and len(found) in (1, 2):
            weight = state[f"{owner_path}.weight"].shape
            if tuple(owner.weight.shape) != tuple(weight):
                parent_path, _, child = owner_path.rpartition(".")
                setattr(model.get_submodule(parent_path), child,
                        nn.Linear(weight[1], weight[0], bias=owner.bias is not None))
                model.visual.output_dim = weight[0]  # ModifiedResNet keeps its projection width
        else:
            refused.append(f"{key} is {list(found)} in the file, {list(built)} in the model")
            continue
        reshaped.append((key, built, found))
    if refused:
        raise LoadError(
            f"{str(path)!r} does not fit the CLIP architecture derived from it ({describe(arch)}): "
            f"{'; '.join(refused[:4])}{'; ...' if len(refused) > 4 else ''}. Give an unmodified or "
            f"projection-only fine-tuned CLIP checkpoint, {RANDOM_FIX}."
        )
    if reshaped:
        log.info("%s: %s has projections shaped unlike the derived architecture; they are rebuilt with the "
                 "checkpoint's shapes and documented as they are: %s", name, path,
                 ", ".join(f"{k} {list(b)} -> {list(f)}" for k, b, f in reshaped))
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise LoadError(f"{str(path)!r} could not be loaded into CLIP {name}: {_first_line(err)}. "
                        f"Give a CLIP checkpoint, {RANDOM_FIX}.") from err
    return model, reshaped


def _derive(state_dict: Mapping[str, Any], path: Path, name: str) -> archs.ArchConfig:
    try:
        return derive_arch(state_dict)
    except (KeyError, IndexError, AttributeError, ValueError, TypeError) as err:
        missing = f"it has no {err.args[0]!r} entry" if isinstance(err, KeyError) else _first_line(err)
        raise LoadError(
            f"{str(path)!r} holds tensors, but not those of a CLIP model ({missing}). Give a CLIP checkpoint "
            f"for {name} (OpenAI's file or a state dict saved with torch.save(model.state_dict())), {RANDOM_FIX}."
        ) from err


def _unwrap(obj: Any, path: Path, name: str) -> dict[str, torch.Tensor]:
    """The state dict inside what torch.load returned: plain, under a common key, or with DataParallel's prefix."""
    if not isinstance(obj, Mapping):
        raise LoadError(f"{str(path)!r} holds a {type(obj).__name__}, not a state dict. Give a CLIP checkpoint "
                        f"for {name} (a state dict saved with torch.save(model.state_dict())), {RANDOM_FIX}.")
    state = obj
    if "text_projection" not in state and "module.text_projection" not in state:
        for key in ("state_dict", "model_state_dict", "model"):
            if isinstance(obj.get(key), Mapping):
                log.info("%s: using the state dict stored under %r in %s", name, key, path)
                state = obj[key]
                break
    if "text_projection" not in state and state and all(str(k).startswith("module.") for k in state):
        log.info("%s: removing the 'module.' prefix (torch DataParallel) from the keys of %s", name, path)
        state = {k[len("module."):]: v for k, v in state.items()}
    return dict(state)


def _unreadable(path: Path, name: str, err: BaseException, jit_error: BaseException) -> str:
    """One message for a file neither torch.jit.load nor torch.load could read: what it is, and the fix."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(4)
    names = _zip_names(path)
    if size == 0:
        what = "is empty"
    elif head == b"PK\x03\x04" and names is None:
        what = ("is cut short: it begins like a PyTorch checkpoint (a zip archive) but its end is missing "
                "(an interrupted download or copy?)")
    elif names is not None and any(n.endswith("/constants.pkl") or "/code/" in n for n in names):
        what = f"is a TorchScript (JIT) archive that torch.jit.load could not read ({_first_line(jit_error)}; {JIT_NOTE})"
    elif names is not None and any(n.endswith("/data.pkl") for n in names):
        if "weights only" in str(err).lower() or "weights_only" in str(err):
            what = ("holds pickled Python objects besides tensors (a whole model saved with torch.save(model)?); "
                    "reading them could run code from the file, so it is refused: save model.state_dict() instead")
        else:
            what = f"is a torch.save file that torch.load could not read ({_first_line(err)})"
    elif names is not None:
        what = "is a zip archive, but not a PyTorch checkpoint"
    else:
        what = ("is not a PyTorch checkpoint: neither a TorchScript (JIT) archive nor a state dict torch.load can "
                "read (a corrupt or cut-short file?)")
    again = ""
    if name in download.MODEL_URLS and path.name == download.file_name(name):
        again = (f" (if this is {path.name} from clip's cache, delete it and build with CLIP_DOCS_WEIGHTS=pretrained "
                 f"to download it again)")
    return (f"Could not load {name} from {str(path)!r}: the file {what}. Replace it with a CLIP checkpoint: "
            f"OpenAI's JIT archive{again} or a state dict saved with torch.save(model.state_dict()); {RANDOM_FIX}.")


def _zip_names(path: Path) -> list[str] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0].rstrip(". ") if text else type(err).__name__


def _few(label: str, keys: list[str]) -> str:
    if not keys:
        return ""
    shown = ", ".join(keys[:4]) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
    return f"{label} {shown}"

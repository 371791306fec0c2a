"""The Snapshot: everything captured from one CLIP model, as plain data with a JSON round-trip.

This is the contract between capture (torch) and render (no torch).  Bump SCHEMA whenever a
field changes meaning; the cache key includes it.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from gen.archs import ArchConfig

SCHEMA = 4  # 2: Snapshot.sources; 3: FLOPs counted once on every device, catalog FLOPs per module; 4: block flows
READABLE = {1, 2, 3, 4}  # older Snapshots load with defaults for the fields they lack (e.g. as baselines)

Shape = tuple[int, ...]


@dataclass(frozen=True)
class ModelInfo:
    name: str                  # "ViT-B/32", as clip.available_models() spells it
    slug: str                  # "vit-b-32", the URL segment
    kind: str                  # "vit" | "resnet"
    arch: ArchConfig
    dtype: str                 # "torch.float32"


@dataclass(frozen=True)
class WeightsInfo:
    mode: str                  # "pretrained" | "random"
    source: str                # checkpoint path, or "clip.model.CLIP(...) seeded"
    sha256: str | None         # of the checkpoint file; None in random mode
    seed: int | None           # random mode only
    official: bool = False     # pretrained: the file OpenAI released for this model (SHA-256 as published)


@dataclass(frozen=True)
class Provenance:
    clip_distribution: str     # "clip-anytorch"
    clip_version: str
    torch: str
    python: str
    graphviz: str              # `dot -V`, filled at render time when empty
    generator: str             # git describe of this project
    captured_at: str           # ISO 8601, SOURCE_DATE_EPOCH honoured


@dataclass(frozen=True)
class ModuleRecord:
    path: str                  # "visual.transformer.resblocks.0" ("" is the model itself)
    kind: str                  # "ResidualAttentionBlock"
    repr: str                  # what print(module) shows
    children: tuple[str, ...]  # direct children's full paths
    own_params: int            # parameters registered directly on this module
    total_params: int          # including all descendants
    input_shapes: tuple[Shape, ...]   # from the captured forward pass; () if not called
    output_shapes: tuple[Shape, ...]
    flops: int                 # floating-point operations in the forward pass (2 per multiply-add)
    facts: dict[str, Any] = field(default_factory=dict)  # attributes read off the module: num_heads, kernel_size, ...
    # a residual block's forward code as traced by torch.fx: what runs, in order, and what feeds what; e.g.
    # {"node": "add", "op": "add", "target": "add", "inputs": ["x", "attn"]}; () for other modules
    flow: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ParamRecord:
    name: str                  # "visual.transformer.resblocks.0.attn.in_proj_weight"
    module: str                # owning module path: "visual.transformer.resblocks.0.attn"
    shape: Shape
    count: int
    dtype: str
    requires_grad: bool
    raw: bool                  # an nn.Parameter set directly on a composite module (proj, logit_scale, ...)
    printed: str               # print(parameter), torch's own summarised format
    mean: float
    std: float | None          # None for a single-element parameter
    min: float
    max: float


# ParamRecord fields whose values come from the weights (the rest is structure)
PARAM_WEIGHT_FIELDS = ("printed", "mean", "std", "min", "max")


@dataclass(frozen=True)
class Recipe:
    name: str                  # file stem under gen/capture/recipes/
    source: str                # the code that ran, as shown on the site
    stdout: str                # what it printed
    result: dict[str, Any]     # structured values it recorded
    weight_dependent: tuple[str, ...] = ()  # result fields (and "stdout") whose values come from the weights


@dataclass(frozen=True)
class Inputs:
    images: tuple[str, ...]    # file names of the sample images
    image_sha256: tuple[str, ...]
    prompts: tuple[str, ...]   # every text read: the captions, then the distractors
    unfreeze_last: int = 2     # the fine-tuning recipes ran with these settings
    replacement_width: int = 256
    captions: tuple[str, ...] = ()     # captions[i] describes images[i]; () in Snapshots older than the pairs
    distractors: tuple[str, ...] = ()  # prompts that caption no image


@dataclass(frozen=True)
class CatalogEntry:
    """One variant's architecture facts, captured without weights on the meta device."""
    name: str
    slug: str
    kind: str
    arch: ArchConfig
    params_total: int
    params_image: int          # model.visual
    params_text_encoder: int   # embeddings, text blocks, ln_final, text_projection
    params_text_blocks: int    # model.transformer only
    flops_image: int           # encode_image on one image at native resolution
    flops_text: int            # encode_text on one prompt of context_length tokens
    heads_image: int           # num_heads of the image tower's attention (a ResNet's: its attention pool)
    heads_text: int            # num_heads of the text transformer's attention
    modules: tuple[tuple[str, str, int, int], ...]   # (path, class, parameters, FLOPs: image pass or text pass)
    parameters: tuple[tuple[str, Shape], ...]        # (name, shape)


@dataclass(frozen=True)
class Catalog:
    schema: int
    entries: tuple[CatalogEntry, ...]

    def entry(self, name: str) -> CatalogEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(f"{name!r} is not in the catalog")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Catalog":
        return decode_versioned(cls, text, SCHEMA, "catalog")


@dataclass(frozen=True)
class Snapshot:
    schema: int
    scope: str                 # "full" (page family) | "structure" (comparison only)
    model: ModelInfo
    weights: WeightsInfo
    provenance: Provenance
    inputs: Inputs
    modules: tuple[ModuleRecord, ...]
    parameters: tuple[ParamRecord, ...]
    recipes: dict[str, Recipe] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # class name -> source of the documented CLIP classes

    # --- lookups used by render (indexed once; templates call them thousands of times) -----
    @functools.cached_property
    def _modules_by_path(self) -> dict[str, ModuleRecord]:
        return {m.path: m for m in self.modules}

    @functools.cached_property
    def _params_by_name(self) -> dict[str, ParamRecord]:
        return {p.name: p for p in self.parameters}

    def module(self, path: str) -> ModuleRecord:
        try:
            return self._modules_by_path[path]
        except KeyError:
            raise KeyError(f"no module {path!r} in the {self.model.name} snapshot") from None

    def params_under(self, prefix: str) -> list[ParamRecord]:
        if not prefix:
            return list(self.parameters)
        return [p for p in self.parameters if p.name.startswith(prefix + ".")]

    def param(self, name: str) -> ParamRecord:
        try:
            return self._params_by_name[name]
        except KeyError:
            raise KeyError(f"no parameter {name!r} in the {self.model.name} snapshot") from None

    def recipe(self, name: str) -> Recipe:
        try:
            return self.recipes[name]
        except KeyError:
            raise KeyError(f"recipe {name!r} was not captured for {self.model.name}") from None

    # --- JSON -----------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Snapshot":
        data = json.loads(text)
        if data.get("schema") not in READABLE:
            raise ValueError(f"snapshot schema {data.get('schema')!r}, this version reads {sorted(READABLE)}")
        return _decode(cls, data)


@functools.cache
def _fields(tp: type) -> tuple[dict, tuple]:
    """A dataclass's resolved type hints and fields, worked out once per class."""
    return typing.get_type_hints(tp), dataclasses.fields(tp)


def decode_versioned(cls, text: str, schema: int, what: str):
    """A dataclass from JSON that must carry `schema`; ValueError naming `what` otherwise."""
    data = json.loads(text)
    if data.get("schema") != schema:
        raise ValueError(f"{what} schema {data.get('schema')!r}, expected {schema}")
    return _decode(cls, data)


def _decode(tp: Any, value: Any) -> Any:
    """Rebuild frozen dataclasses and tuples from json.loads output, following the type hints."""
    if dataclasses.is_dataclass(tp):
        hints, fields = _fields(tp)
        return tp(**{f.name: _decode(hints[f.name], value[f.name]) for f in fields
                     if f.name in value or (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)})
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        non_none = [a for a in args if a is not type(None)]
        if isinstance(value, list):
            return _decode(next(a for a in non_none if typing.get_origin(a) is tuple), value)
        return value
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in value)
        return tuple(_decode(a, v) for a, v in zip(args, value))
    if origin is dict and args and dataclasses.is_dataclass(args[1]):
        return {k: _decode(args[1], v) for k, v in value.items()}
    return value

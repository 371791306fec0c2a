"""Which weight-dependent values a page reads: Snapshot views that note every such read while a template renders.

A page's weights banner is derived from this, not declared: values are marked where they are captured
(a recipe's `#: weight-dependent:` fields, a parameter's statistics and printout), and any page that reads
one carries the banner.
"""
from __future__ import annotations

from gen.snapshot import PARAM_WEIGHT_FIELDS, ParamRecord, Recipe, Snapshot


class Reads:
    """What one page read: every part of a Snapshot (`data`), and the weight-dependent values among them
    (`seen`: (model, what) pairs, in reading order)."""

    def __init__(self):
        self.seen: list[tuple[str, str]] = []
        self.data: set[str] = set()  # "ViT-B/32: recipes.logits", "ViT-B/32: parameters", ...

    def note(self, model: str, what: str) -> None:
        if (model, what) not in self.seen:
            self.seen.append((model, what))


class _Result(dict):
    """A recipe's result dict that notes reads of its weight-dependent fields."""

    def __init__(self, recipe: Recipe, model: str, reads: Reads):
        super().__init__(recipe.result)
        self._declared, self._where, self._reads = set(recipe.weight_dependent), (model, recipe.name), reads

    def _note(self, key) -> None:
        if key in self._declared:
            self._reads.note(self._where[0], f"{self._where[1]}.{key}")

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def values(self):
        for key in self._declared:
            self._note(key)
        return super().values()

    def items(self):
        for key in self._declared:
            self._note(key)
        return super().items()


class _Recipe:
    def __init__(self, recipe: Recipe, model: str, reads: Reads):
        self._recipe, self._model, self._reads = recipe, model, reads
        self.result = _Result(recipe, model, reads)

    @property
    def stdout(self) -> str:
        if "stdout" in self._recipe.weight_dependent:
            self._reads.note(self._model, f"{self._recipe.name}.stdout")
        return self._recipe.stdout

    def __getattr__(self, name):
        return getattr(self._recipe, name)


class _Param:
    def __init__(self, record: ParamRecord, model: str, reads: Reads):
        self._record, self._model, self._reads = record, model, reads

    def __getattr__(self, name):
        if name in PARAM_WEIGHT_FIELDS:
            self._reads.note(self._model, f"{self._record.name}.{name}")
        return getattr(self._record, name)


class TrackedSnapshot:
    """A Snapshot as templates see it: the same lookups, with weight-dependent reads noted in `reads`."""

    def __init__(self, snapshot: Snapshot, reads: Reads):
        self._s, self._reads = snapshot, reads
        self._model = snapshot.model.name

    def _uses(self, part: str) -> None:
        self._reads.data.add(f"{self._model}: {part}")

    def __getattr__(self, name):
        self._uses({"module": "modules", "children": "modules"}.get(name, name))
        return getattr(self._s, name)

    def recipe(self, name: str) -> _Recipe:
        self._uses(f"recipes.{name}")
        return _Recipe(self._s.recipe(name), self._model, self._reads)

    def param(self, name: str) -> _Param:
        self._uses("parameters")
        return _Param(self._s.param(name), self._model, self._reads)

    def params_under(self, prefix: str) -> list[_Param]:
        self._uses("parameters")
        return [_Param(p, self._model, self._reads) for p in self._s.params_under(prefix)]

    @property
    def parameters(self) -> list[_Param]:
        self._uses("parameters")
        return [_Param(p, self._model, self._reads) for p in self._s.parameters]

    def shows_figure(self, recipes: list[str]) -> str:
        """Called by a figure macro: a plot drawn from these recipes shows all their weight-dependent fields."""
        for name in recipes:
            self._uses(f"recipes.{name}")
            recipe = self._s.recipes.get(name)
            for field in recipe.weight_dependent if recipe else ():
                self._reads.note(self._model, f"{name}.{field}")
        return ""


# what a reader calls each kind of weight-dependent value. A key ending in "." matches a recipe's fields, a dotted
# key one field, a bare key a parameter field or a field of any recipe. The first matching kind wins.
KINDS = [
    (("printed", "embeddings.stdout", "projections.stdout"), "tensor values"),
    (("mean", "std", "min", "max"), "parameter statistics"),
    (("logit_scale", "logit_scale_exp", "logits.scale"), "logit scale"),
    (("logits.",), "similarities"),
    (("attention_image.", "attention_text."), "attention maps"),
    (("depth_image.", "depth_text.", "residual_stream."), "activation norms"),
    (("causal_mask.",), "output differences"),
    (("pca.",), "embedding plot"),
]


def _matches(key: str, what: str) -> bool:
    if key.endswith("."):
        return what.startswith(key)
    return what == key if "." in key else what.endswith("." + key)


def describe(reads: Reads) -> str:
    """'tensor values, parameter statistics and attention maps': the kinds of weight-dependent values read."""
    found = set()
    for _, what in reads.seen:
        found.add(next((kind for keys, kind in KINDS if any(_matches(k, what) for k in keys)), "other values"))
    ordered = [kind for _, kind in KINDS if kind in found] + (["other values"] if "other values" in found else [])
    return ordered[0] if len(ordered) == 1 else ", ".join(ordered[:-1]) + " and " + ordered[-1]


def track(value, reads: Reads):
    """Wrap a Snapshot (or a list of them) for a template; anything else passes through."""
    if isinstance(value, Snapshot):
        return TrackedSnapshot(value, reads)
    if isinstance(value, list) and value and all(isinstance(v, Snapshot) for v in value):
        return [TrackedSnapshot(v, reads) for v in value]
    return value

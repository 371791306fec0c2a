"""Run recipe files against a model: keep the code, what it printed, and what it recorded."""
from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

from gen import results
from gen.capture import trace
from gen.errors import CaptureError
from gen.snapshot import Recipe

RECIPES = Path(__file__).parent / "recipes"


def recipe_file(name: str, kind: str | None = None) -> Path:
    """`name_<kind>.py` when the image encoder needs its own version (e.g. `forward_image_resnet.py`)."""
    special = RECIPES / f"{name}_{kind}.py"
    return special if kind and special.is_file() else RECIPES / f"{name}.py"


WRITES_WEIGHTS = "#: writes weights in place"  # header line of a recipe that changes parameter values in place
WEIGHT_DEPENDENT = "#: weight-dependent:"  # header line naming the result fields (and stdout) that come from weights


def weight_dependent(name: str, kind: str | None = None) -> tuple[str, ...]:
    """What a recipe declares in its `#: weight-dependent: a, b, stdout` header line; () if none."""
    for line in recipe_file(name, kind).read_text().splitlines():
        if line.startswith(WEIGHT_DEPENDENT):
            return tuple(f.strip() for f in line.removeprefix(WEIGHT_DEPENDENT).split(",") if f.strip())
    return ()


def _check_declared(name: str, declared: tuple[str, ...], result: dict, model_name: str) -> None:
    for fieldname in declared:
        if fieldname != "stdout" and fieldname not in result:
            raise CaptureError(
                f"recipe {name!r} on {model_name} declares {fieldname!r} as weight-dependent, but its result "
                f"has no such field (it has {sorted(result)}); fix the '#: weight-dependent:' line of the recipe."
            )


def source(name: str, kind: str | None = None) -> str:
    """The code shown on the site: the recipe file without its `#:` header lines."""
    text = recipe_file(name, kind).read_text()
    return "\n".join(line for line in text.splitlines() if not line.startswith("#:")).strip("\n") + "\n"


def _plain(value):
    """Keep only JSON types; floats stay exact, non-finite ones become None; tensors and sizes become lists."""
    if hasattr(value, "tolist") and callable(value.tolist):  # a tensor or numpy value: nested lists or a number
        return _plain(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"recipe result holds a {type(value).__name__}; store plain numbers, strings and lists")


def _recorded(name: str, names: dict[str, str], ns: dict, steps: list | None) -> dict:
    """The variables a recipe's `#: records:` line names; `steps` is the traced steps of a `#: steps` recipe."""
    scope = {**ns, "steps": steps} if steps is not None else ns
    missing = [v for v in names.values() if v not in scope]
    if missing:
        raise CaptureError(f"recipe {name!r} names {missing} in its '#: records:' line, but its code defines no "
                           f"such variable")
    return {field: scope[variable] for field, variable in names.items()}


def run_chain(names: list[str], namespace: dict, model_name: str, kind: str | None = None,
              before_writing=None) -> list[Recipe]:
    """Run recipes one after another in one namespace (later ones see earlier ones' changes);
    `before_writing(namespace)` runs before each recipe whose header says it writes weights in place."""
    ns = dict(namespace)
    recipes = []
    for name in names:
        out = io.StringIO()
        code = source(name, kind)
        path = recipe_file(name, kind)
        text = path.read_text()
        if before_writing is not None and WRITES_WEIGHTS in text.splitlines():
            before_writing(ns)
        recorded = trace.header_names(text)
        steps: list | None = [] if trace.traces_steps(text) else None
        try:
            with contextlib.redirect_stdout(out):
                tracing = trace.steps(code, str(path), ns["model"], steps) if steps is not None \
                    else contextlib.nullcontext()
                with tracing:
                    exec(compile(code, str(path), "exec"), ns)
            result = _plain(_recorded(name, recorded, ns, steps))
            json.dumps(result)
        except Exception as err:
            raise CaptureError(
                f"recipe {name!r} failed on {model_name}: {type(err).__name__}: {err}\n"
                f"Code is:\n{code}\nOutput is:\n{out.getvalue()}"
            ) from err
        declared = weight_dependent(name, kind)
        _check_declared(name, declared, result, model_name)
        results.check(name, model_name, result)
        recipes.append(Recipe(name=name, source=code, stdout=out.getvalue(), result=result,
                              weight_dependent=declared))
    ns.clear()  # recipes' functions refer to their namespace: let a copied model go now, not at a later collection
    return recipes


def run_all(chains: list[list[str]], namespace: dict, model_name: str, mutating: set[str],
            kind: str | None = None, passes=None, last_takes_model: bool = False) -> dict[str, Recipe]:
    """Chains that change the model run on a light copy (gen.capture.shared.light_copy): frozen weights stay the
    model's own, what is trainable gets storage of its own (with its gradient) before a recipe that writes weights
    in place runs, and a chain that changed a shared weight in place fails.  The others share the original, and a
    pass it has made on an input (here, or in the pass `passes` remembers already) is not made again
    (gen.capture.shared.Passes).  With `last_takes_model` (the caller uses the model no more afterwards), a last
    chain that changes the model runs on the model itself: nothing is copied for it, and what `passes` remembers is
    dropped before a recipe of it writes weights."""
    from gen.capture import shared

    model = namespace["model"]
    passes = passes or shared.Passes(model)
    results: dict[str, Recipe] = {}
    for index, chain in enumerate(chains):
        ns = dict(namespace)
        if not mutating & set(chain):
            with passes.installed(model):
                recipes = run_chain(chain, ns, model_name, kind)
        elif last_takes_model and index == len(chains) - 1:
            # before the model's own weights are written, its remembered passes go: stale, and asked for no more
            with passes.installed(model, encoders=False, remember=False):
                recipes = run_chain(chain, ns, model_name, kind, before_writing=lambda _: passes.forget())
        else:
            ns["model"] = passes.copy(model)

            def own(done: dict) -> None:  # what is trainable gets its own storage before a recipe writes it
                shared.own_trainable(done["model"], model)
            # a copy's passes are answered from what the model's passes left, and add nothing: its inputs (a larger
            # image, a model in train()) are not given again
            with shared.unchanged_weights(model, f"recipe chain {chain}"), \
                    passes.installed(ns["model"], encoders=False, remember=False):
                recipes = run_chain(chain, ns, model_name, kind, before_writing=own)
        for recipe in recipes:
            results[recipe.name] = recipe
    return results

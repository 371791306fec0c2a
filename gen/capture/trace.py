"""What a recipe records, read off the code as it runs: named variables, and the shape after each labelled line.

A recipe names the variables it records in a `#: records: a, b` header line (`field=variable` records a variable
under another name), so its code needs no bookkeeping.
A recipe with the header `#: steps` also records a step for every assignment whose line ends in a comment:
the comment is the label, the assigned tensor's shape is captured after the line ran, and the module is the
smallest module of the model that holds everything the line used (a parameter's own path if it used one).
"""
from __future__ import annotations

import ast
import contextlib
import io
import sys
import tokenize

RECORDS = "#: records:"
STEPS = "#: steps"


def header_names(text: str) -> dict[str, str]:
    """{field: variable} from a recipe's `#: records: a, b, field=variable` line; {} if it has none."""
    for line in text.splitlines():
        if line.startswith(RECORDS):
            items = [n.strip() for n in line.removeprefix(RECORDS).split(",") if n.strip()]
            found = {item.partition("=")[0].strip(): (item.partition("=")[2] or item).strip() for item in items}
            odd = [f"{k}={v}" for k, v in found.items() if not (k.isidentifier() and v.isidentifier())]
            if odd:
                raise ValueError(f"'#: records:' names variables, not expressions: {odd}")
            return found
    return {}


def traces_steps(text: str) -> bool:
    return any(line.strip() == STEPS for line in text.splitlines())


def labelled_assignments(code: str) -> dict[int, tuple[int, str, str, ast.expr]]:
    """{first line: (last line, target name, label, value)} for each assignment whose last line ends in a comment."""
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    out = {}
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Assign) and node.end_lineno in comments:
            target = node.targets[0]
            if isinstance(target, ast.Tuple) and target.elts:
                target = target.elts[0]
            if isinstance(target, ast.Name):
                out[node.lineno] = (node.end_lineno, target.id, comments[node.end_lineno], node.value)
    return out


def _chains(value: ast.expr) -> list[ast.expr]:
    """The outermost names and attribute chains an expression reads (`visual.conv1`, not `visual`)."""
    found, inner = [], set()
    for node in ast.walk(value):
        if isinstance(node, ast.Attribute):
            inner.add(id(node.value))
    for node in ast.walk(value):
        if isinstance(node, (ast.Attribute, ast.Name)) and id(node) not in inner:
            found.append(node)
    return found


def _model_part(chain: ast.expr, scope: dict, paths: dict[int, tuple]) -> str | None:
    """The module or parameter a chain reads (`visual.class_embedding.expand` reads `visual.class_embedding`)."""
    while isinstance(chain, (ast.Attribute, ast.Name)):
        try:
            obj = eval(compile(ast.Expression(chain), "<chain>", "eval"), scope)  # attribute reads only
        except Exception:
            obj = None
        found = paths.get(id(obj))
        if obj is not None and found and found[1] is obj and found[0]:
            return found[0]
        if not isinstance(chain, ast.Attribute):
            return None
        chain = chain.value
    return None


def owner(value: ast.expr, scope: dict, paths: dict[int, tuple]) -> str | None:
    """The smallest module (or the one parameter) of the model that holds everything `value` read."""
    used = []
    for chain in _chains(value):
        found = _model_part(chain, scope, paths)
        if found:
            used.append(found.split("."))
    if not used:
        return None
    common = used[0]
    for parts in used[1:]:
        n = 0
        while n < min(len(common), len(parts)) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    return ".".join(common) or None


@contextlib.contextmanager
def steps(code: str, filename: str, model, into: list):
    """Record a step into `into` after each labelled assignment of the code compiled from `filename` runs."""
    import torch

    lines = labelled_assignments(code)
    # id -> (path, the object): holding the objects keeps their ids from being reused by new tensors while the
    # recipe runs (a recipe may replace a parameter), and the identity check below rejects any other object
    paths = {id(m): (p, m) for p, m in model.named_modules()} | {id(t): (p, t) for p, t in model.named_parameters()}
    pending: list = []

    def flush(frame) -> None:
        first = pending.pop()
        _, target, label, value = lines[first]
        found = frame.f_locals.get(target)
        if isinstance(found, torch.Tensor):
            into.append({"label": label, "shape": list(found.shape),
                         "module": owner(value, {**frame.f_globals, **frame.f_locals}, paths)})

    def local(frame, event, arg):
        if pending and (event == "return" or (event == "line" and not
                                               pending[0] <= frame.f_lineno <= lines[pending[0]][0])):
            flush(frame)
        if event == "line" and frame.f_lineno in lines and not pending:
            pending.append(frame.f_lineno)
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename == filename else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        yield into
    finally:
        sys.settrace(previous)

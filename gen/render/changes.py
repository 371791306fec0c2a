"""What changed between an earlier Snapshot (the baseline) and this build's, for the "What changed" page."""
from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass

from gen.snapshot import Snapshot

STAT_TOLERANCE = 1e-6  # relative change in a mean or std below this is noise


@dataclass(frozen=True)
class Changes:
    model: str
    baseline_label: str
    modules_added: tuple[str, ...]
    modules_removed: tuple[str, ...]
    modules_retyped: tuple[tuple[str, str, str], ...]
    shapes_changed: tuple[tuple[str, str, str], ...]          # (module, old output shape, new)
    params_added: tuple[tuple[str, tuple], ...]
    params_removed: tuple[tuple[str, tuple], ...]
    params_reshaped: tuple[tuple[str, tuple, tuple], ...]
    count_change: tuple[int, int]                              # (old total, new total)
    stats_moved: tuple[tuple[str, float, float, float | None, float | None], ...]  # name, mean old/new, std old/new
    provenance: tuple[tuple[str, str, str], ...]               # field, old, new
    weights: tuple[tuple[str, str, str], ...]
    sources: tuple[tuple[str, str], ...]                       # class, unified diff

    @property
    def nothing(self) -> bool:
        return not any((self.modules_added, self.modules_removed, self.modules_retyped, self.shapes_changed,
                        self.params_added, self.params_removed, self.params_reshaped, self.stats_moved,
                        self.provenance, self.weights, self.sources)) and self.count_change[0] == self.count_change[1]


def _moved(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a != b
    return abs(a - b) > STAT_TOLERANCE * max(abs(a), abs(b), 1e-12)


def compare(old: Snapshot, new: Snapshot, label: str) -> Changes:
    mo = {m.path: m for m in old.modules}
    mn = {m.path: m for m in new.modules}
    po = {p.name: p for p in old.parameters}
    pn = {p.name: p for p in new.parameters}
    prov_o, prov_n = dataclasses.asdict(old.provenance), dataclasses.asdict(new.provenance)
    w_o, w_n = dataclasses.asdict(old.weights), dataclasses.asdict(new.weights)
    sources = []
    for cls in sorted(set(old.sources) | set(new.sources)):
        a, b = old.sources.get(cls, ""), new.sources.get(cls, "")
        if a != b:
            text = "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True),
                                                f"{cls} (baseline)", f"{cls} (this build)"))
            sources.append((cls, text))
    return Changes(
        model=new.model.name,
        baseline_label=label,
        modules_added=tuple(p for p in mn if p not in mo),
        modules_removed=tuple(p for p in mo if p not in mn),
        modules_retyped=tuple((p, mo[p].kind, mn[p].kind) for p in mn if p in mo and mo[p].kind != mn[p].kind),
        shapes_changed=tuple((p, str(list(mo[p].output_shapes)), str(list(mn[p].output_shapes)))
                             for p in mn if p in mo and mo[p].output_shapes != mn[p].output_shapes),
        params_added=tuple((n, pn[n].shape) for n in pn if n not in po),
        params_removed=tuple((n, po[n].shape) for n in po if n not in pn),
        params_reshaped=tuple((n, po[n].shape, pn[n].shape) for n in pn if n in po and po[n].shape != pn[n].shape),
        count_change=(old.module("").total_params, new.module("").total_params),
        stats_moved=tuple((n, po[n].mean, pn[n].mean, po[n].std, pn[n].std) for n in pn
                          if n in po and po[n].shape == pn[n].shape
                          and (_moved(po[n].mean, pn[n].mean) or _moved(po[n].std, pn[n].std))),
        provenance=tuple((k, str(prov_o[k]), str(prov_n[k])) for k in prov_n
                         if k not in ("captured_at", "graphviz") and prov_o.get(k) != prov_n[k]),
        weights=tuple((k, str(w_o[k]), str(w_n[k])) for k in w_n if w_o.get(k) != w_n[k]),
        sources=tuple(sources),
    )

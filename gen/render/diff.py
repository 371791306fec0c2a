"""Per-module and per-parameter differences between two variants, from the catalog."""
from __future__ import annotations

from dataclasses import dataclass

from gen.snapshot import CatalogEntry


@dataclass(frozen=True)
class Diff:
    a: CatalogEntry
    b: CatalogEntry
    modules_added: tuple[tuple[str, str, int], ...]       # only in b
    modules_removed: tuple[tuple[str, str, int], ...]     # only in a
    modules_retyped: tuple[tuple[str, str, str], ...]     # (path, class in a, class in b)
    modules_resized: tuple[tuple[str, int, int], ...]     # (path, params in a, params in b)
    params_added: tuple[tuple[str, tuple], ...]
    params_removed: tuple[tuple[str, tuple], ...]
    params_reshaped: tuple[tuple[str, tuple, tuple], ...]
    unchanged_params: int                                  # tensors with the same name and shape


def diff(a: CatalogEntry, b: CatalogEntry) -> Diff:
    ma = {p: (k, n) for p, k, n, _ in a.modules}
    mb = {p: (k, n) for p, k, n, _ in b.modules}
    pa = dict(a.parameters)
    pb = dict(b.parameters)
    return Diff(
        a=a, b=b,
        modules_added=tuple((p, *mb[p]) for p in mb if p not in ma),
        modules_removed=tuple((p, *ma[p]) for p in ma if p not in mb),
        modules_retyped=tuple((p, ma[p][0], mb[p][0]) for p in ma if p in mb and ma[p][0] != mb[p][0]),
        modules_resized=tuple((p, ma[p][1], mb[p][1]) for p in ma if p in mb and ma[p][0] == mb[p][0] and ma[p][1] != mb[p][1]),
        params_added=tuple((n, pb[n]) for n in pb if n not in pa),
        params_removed=tuple((n, pa[n]) for n in pa if n not in pb),
        params_reshaped=tuple((n, pa[n], pb[n]) for n in pa if n in pb and pa[n] != pb[n]),
        unchanged_params=sum(1 for n in pa if n in pb and pa[n] == pb[n]),
    )

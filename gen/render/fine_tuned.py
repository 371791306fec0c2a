"""The fine-tuned pages: /fine-tuned/ (the list) and /fine-tuned/<slug>/ (a checkpoint against its base)."""
from __future__ import annotations

import dataclasses

from gen.fine_tuned import FineTuned
from gen.render import inside
from gen.render import pages as P
from gen.render.urls import relative
from gen.snapshot import Snapshot

SECTION = "fine-tuned/index.md"


def page_path(ft: FineTuned) -> str:
    return f"fine-tuned/{ft.slug}/index.md"


def ledger(ft: FineTuned, page: str, documented: list[Snapshot], linker) -> dict:
    """Links to the parameter ledger of the base model, when that model is documented: `ledger` (tensor name ->
    its row) and `ledger_page`; empty otherwise, and the page names tensors without links."""
    s = next((d for d in documented if d.model.name == ft.model), None)
    if s is None:
        return {"ledger": {}, "ledger_page": None}
    to = linker(s, page)
    return {"ledger": {p.name: to.param(p.name) for p in s.parameters},
            "ledger_page": relative(page, P.parameters_page(s))}


def provenance(ft: FineTuned, documented: list[Snapshot]):
    """The comparison's provenance with this build's generator version (a cached comparison may be older)."""
    return dataclasses.replace(ft.provenance, generator=documented[0].provenance.generator) if documented else ft.provenance


def pages(compared: list[FineTuned], documented: list[Snapshot], linker) -> list[P.Page]:
    """The registry entries: the section page and one page per comparison (none without comparisons).
    `linker(snapshot, page)` gives ledger links (gen.render.site.Linker)."""
    if not compared:
        return []
    out = [P.Page(SECTION, "fine_tuned_index.md.j2", "Fine-tuned",
                  context={"compared": compared, "prov": provenance(compared[0], documented)})]
    for ft in compared:
        page = page_path(ft)
        out.append(P.Page(page, "fine_tuned.md.j2", ft.name, SECTION,
                          context={"ft": ft, **ledger(ft, page, documented, linker), "files": file_names(ft),
                                   "prov": provenance(ft, documented)}))
    return out


def file_names(ft: FineTuned) -> dict[str, str]:
    return {"changed": f"tables/fine-tuned/{ft.slug}/changed.csv",
            "depth": f"tables/fine-tuned/{ft.slug}/depth.csv",
            "figure": f"figures/fine-tuned/{ft.slug}/change-by-depth.svg"}


def files(compared: list[FineTuned], store=None) -> dict[str, bytes]:
    """Each comparison's figure and CSV files (figures kept in `store`, the build cache, if given)."""
    out: dict[str, bytes] = {}
    for ft in compared:
        out.update(inside.fine_tuned_files(ft, file_names(ft), store))
    return out

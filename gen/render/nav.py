"""The navigation, as a literate-nav SUMMARY.md written from the page registry."""
from __future__ import annotations

from collections import defaultdict

from gen.errors import RenderError
from gen.render.pages import Page


def _label(title: str) -> str:
    return title.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def summary(pages: list[Page]) -> str:
    """One nested list item per page under its parent; a page with children opens its section."""
    known = {p.path for p in pages}
    children: dict[str | None, list[Page]] = defaultdict(list)
    for p in pages:
        if p.parent is not None and p.parent not in known:
            raise RenderError(f"page {p.path!r} sits under {p.parent!r}, which is not in the page registry")
        children[p.parent].append(p)
    lines: list[str] = []

    def walk(parent: str | None, depth: int) -> None:
        for p in children[parent]:
            lines.append(f"{'    ' * depth}* [{_label(p.title)}]({p.path})")
            walk(p.path, depth + 1)
    walk(None, 0)
    return "\n".join(lines) + "\n"

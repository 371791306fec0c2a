"""How numbers and shapes are written everywhere on the site: pages, tables and diagrams alike."""
from __future__ import annotations


def num(value: int | float) -> str:
    """Thousands separators: 1234567 -> '1,234,567'."""
    return f"{value:,}"


def shape(value) -> str:
    """A tensor shape as the site writes it: (50, 1, 768) -> '[50, 1, 768]'."""
    return "[" + ", ".join(str(v) for v in value) + "]"

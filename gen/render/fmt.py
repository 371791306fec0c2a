"""How numbers and shapes are written everywhere on the site: pages, tables and diagrams alike."""
from __future__ import annotations

import math


def num(value: int | float) -> str:
    """Thousands separators: 1234567 -> '1,234,567'."""
    return f"{value:,}"


def shape(value) -> str:
    """A tensor shape as the site writes it: (50, 1, 768) -> '[50, 1, 768]'."""
    return "[" + ", ".join(str(v) for v in value) + "]"


def pct(part: int | float, whole: int | float, digits: int = 2) -> str:
    """A share as a percentage; a non-zero share too small for `digits` shows as '<0.001%', never as 0."""
    if not whole:
        return "n/a"
    share = 100 * part / whole
    if part and abs(share) < 0.5 * 10 ** -digits:
        return f"<{10 ** -digits:.{digits}f}%"
    return f"{share:.{digits}f}%"


def sci(value: float | None, digits: int = 4) -> str:
    """`digits` significant digits, trailing zeros kept so every cell of a column shows the same precision
    ('2.380', not '2.38'); an exact whole number stays whole (a batch norm's initial gain of 1, a zero bias)."""
    if value is None:
        return "n/a"
    if math.isfinite(value) and value == int(value) and abs(value) < 10 ** digits:
        return str(int(value))
    text = f"{value:#.{digits}g}"  # '#': keep trailing zeros (and a bare point, dropped below: '1235.' -> '1235')
    return text.replace(".e", "e") if "e" in text else text.rstrip(".")

# Golden comparison that survives another CPU: text and structure exact, floats within a stated tolerance.
"""How a golden is compared with today's output.

Captured floats come from float32 kernels whose summation order depends on the CPU's vector width, the
thread count and the BLAS build, so their last bits differ from one machine to the next (a PCA point
0.2818983495 here, 0.2818984091 there).  A golden therefore pins:

- text, structure, integers and shapes exactly;
- floats within REL_TOL of each other, or within ABS_TOL when the difference is float32 noise around
  zero (a row-sum error of 2.4e-07 on one machine is 1.8e-07 on another);
- a float printed in text within the same tolerance, widened by half a unit of its last printed digit
  (a value on a rounding boundary may print as 0.253 on one machine and 0.254 on another).

Rounding drift across the machines tried (AVX-512 and AVX2 kernels, 1 and 2 threads, the machine that
wrote the goldens) stays below 7e-6 relative where the difference exceeds ABS_TOL, so REL_TOL leaves a
margin of more than ten; any real change of a captured value (another seed, another input, another
recipe) moves it by far more.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

REL_TOL = 1e-4   # relative: about 840 float32 ulps, 15x the worst drift seen between machines
ABS_TOL = 1e-6   # absolute, for values that are float32 noise around zero (the bound pages print)

# A number standing alone: not part of a word, a dotted path (resblocks.0) or a hex digest.
NUMBER = re.compile(r"(?<![\w.])-?(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?(?!\w)")
MASK = "\x00"


@dataclass(frozen=True)
class Mismatch:
    where: str
    golden: object
    now: object
    why: str

    def __str__(self) -> str:
        return f"{self.where}: golden {self.golden!r}, now {self.now!r} ({self.why})"


def floats_close(a: float, b: float, slack: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL) + slack


def _is_integer_literal(token: str) -> bool:
    return not any(c in token for c in ".eE")


def _half_unit(token: str) -> float:
    """Half a unit of the last printed digit: 0.253 -> 0.0005, 2.4e-07 -> 5e-09."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def compare_numbers(golden: str, now: str, where: str) -> Mismatch | None:
    if golden == now:
        return None
    if _is_integer_literal(golden) and _is_integer_literal(now):
        return Mismatch(where, golden, now, "integers must be equal")
    a, b = float(golden.replace(",", "")), float(now.replace(",", ""))
    if floats_close(a, b, _half_unit(golden) + _half_unit(now)):
        return None
    return Mismatch(where, golden, now, f"differs by {abs(a - b):.3g}, beyond rel {REL_TOL:g} / abs {ABS_TOL:g}")


def compare_text(golden: str, now: str, where: str = "text") -> list[Mismatch]:
    """Text with its numbers masked must be identical; the numbers must agree pair by pair."""
    golden_numbers, now_numbers = NUMBER.findall(golden), NUMBER.findall(now)
    if NUMBER.sub(MASK, golden) != NUMBER.sub(MASK, now) or len(golden_numbers) != len(now_numbers):
        return [Mismatch(where, "", "", "the text differs, not only its numbers")]
    out = []
    line_starts = [m.start() for m in NUMBER.finditer(golden)]
    for start, g, n in zip(line_starts, golden_numbers, now_numbers):
        bad = compare_numbers(g, n, f"{where}, line {golden.count(chr(10), 0, start) + 1}")
        if bad:
            out.append(bad)
    return out


def compare_json(golden, now, where: str = "$") -> list[Mismatch]:
    """Walk two JSON values: keys, lengths, strings' text, integers and booleans exact; floats close."""
    if isinstance(golden, dict) and isinstance(now, dict):
        if list(golden) != list(now):
            return [Mismatch(where, sorted(golden), sorted(now), "different keys or key order")]
        return [m for key in golden for m in compare_json(golden[key], now[key], f"{where}.{key}")]
    if isinstance(golden, list) and isinstance(now, list):
        if len(golden) != len(now):
            return [Mismatch(where, len(golden), len(now), "lists of different length")]
        return [m for i, (g, n) in enumerate(zip(golden, now)) for m in compare_json(g, n, f"{where}[{i}]")]
    if type(golden) is float and type(now) is float:
        return [] if floats_close(golden, now) else [
            Mismatch(where, golden, now, f"beyond rel {REL_TOL:g} / abs {ABS_TOL:g}")]
    if isinstance(golden, str) and isinstance(now, str):  # printed output: the numbers in it are floats too
        return compare_text(golden, now, where)
    if type(golden) is not type(now) or golden != now:
        return [Mismatch(where, golden, now, "must be equal")]
    return []


def compare_json_text(golden: str, now: str) -> list[Mismatch]:
    return compare_json(json.loads(golden), json.loads(now))

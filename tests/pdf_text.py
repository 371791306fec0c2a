# The size of every piece of text in a PDF, read from its content streams (no PDF library needed): the font size
# set with Tf times the vertical scale of the text and transformation matrices in force where the text is shown.
from __future__ import annotations

import math
import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj\s*<<(.*?)>>\s*stream\r?\n", re.S)
TOKEN = re.compile(rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>|\[|\]|/[^\s/\[\]()<>{}%]+|[-+]?(?:\d+\.?\d*|\.\d+)"
                   rb"|[A-Za-z'\"*]+")
SHOW = {b"Tj", b"TJ", b"'", b'"'}


def _mul(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _streams(pdf: bytes):
    """(dictionary, decoded data) of every content stream and form XObject (not fonts, not images)."""
    for m in OBJECT.finditer(pdf):
        head = m[2]
        if b"/Length1" in head or b"/FontFile" in head or (b"/Subtype" in head and b"/Form" not in head):
            continue
        end = pdf.index(b"endstream", m.end())
        data = pdf[m.end():end]
        if b"/FlateDecode" in head:
            try:
                data = zlib.decompressobj().decompress(data)
            except zlib.error:
                continue
        yield head, data


def text_sizes(pdf: bytes) -> list[float]:
    """The height in points of every text string shown, in the PDF's own units (before any scaling)."""
    sizes = []
    for head, data in _streams(pdf):
        matrix = re.search(rb"/Matrix\s*\[([^\]]*)\]", head)
        ctm = tuple(float(v) for v in matrix[1].split()) if matrix else (1, 0, 0, 1, 0, 0)
        stack, tm, font, args = [], (1, 0, 0, 1, 0, 0), 0.0, []
        for tok in TOKEN.findall(data):
            if tok[:1] in b"([</" or tok[:1].isdigit() or tok[:1] in b"-+.":
                args.append(tok)
                continue
            nums = [float(a) for a in args if a[:1].isdigit() or a[:1] in b"-+."]
            if tok == b"q":
                stack.append(ctm)
            elif tok == b"Q" and stack:
                ctm = stack.pop()
            elif tok == b"cm" and len(nums) >= 6:
                ctm = _mul(tuple(nums[-6:]), ctm)
            elif tok == b"BT":
                tm = (1, 0, 0, 1, 0, 0)
            elif tok == b"Tm" and len(nums) >= 6:
                tm = tuple(nums[-6:])
            elif tok == b"Tf" and nums:
                font = nums[-1]
            elif tok in SHOW and font:
                _, _, c, d, _, _ = _mul(tm, ctm)
                sizes.append(abs(font) * math.hypot(c, d))
            if tok not in (b"[", b"]"):
                args = []
        # the page's own flip or scale (cairo: "1 0 0 -1 0 H cm") changes no size; forms carry theirs in /Matrix
    return sizes


def media_box(pdf: bytes) -> tuple[float, float]:
    m = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    x0, y0, x1, y1 = (float(v) for v in m.groups())
    return x1 - x0, y1 - y0

"""The Graphviz runner: `dot` on a few threads, with a time bound, outputs cached and sealed by their source;
the PDF comes from a print layout sized for a page of an A4 article."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from gen.errors import GraphvizError
from gen.render.diagrams import STYLE

TIMEOUT_S = 60
OUTPUT_VERSION = 5  # bump when post-processing of dot's output changes (2: stable PDF dates, 3: one run, 4: sealed,
                    # 5: PDF from a print layout)
INSTALL_HINT = ("Install Graphviz so that `dot` is on PATH: Debian/Ubuntu `sudo apt-get install graphviz`, "
                "Fedora `sudo dnf install graphviz`, macOS `brew install graphviz`.")


class Dot:
    """Runs Graphviz per diagram for the SVG and, from a print layout, the PDF, on a few threads while pages keep
    rendering.

    Outputs are entries of the build cache (`store`, a gen.store.Store) under the DOT source and `dot -V`: a
    damaged one is drawn again, never published."""

    FORMATS = ("svg", "pdf")

    def __init__(self, store, workers: int | None = None):
        self.exe = shutil.which("dot")
        if not self.exe:
            raise GraphvizError(f"Graphviz's `dot` was not found on PATH. {INSTALL_HINT}")
        out = subprocess.run([self.exe, "-V"], capture_output=True, text=True, timeout=TIMEOUT_S)
        self.version = (out.stderr or out.stdout).strip()
        self.store = store
        self.workers = workers or os.cpu_count() or 1
        self.runs = 0          # `dot` invocations in this build (0 when every figure was cached)
        self.seconds = 0.0     # time spent in them, summed over threads
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _cached(self, source: str) -> dict[str, Path]:
        facts = [OUTPUT_VERSION, self.version, source]
        return {fmt: self.store.entry("figures", facts, "diagram", f".{fmt}") for fmt in self.FORMATS}

    def start(self, name: str, source: str) -> Future:
        """A future of {"svg": bytes, "pdf": bytes}; already done when the diagram is in the cache."""
        paths = self._cached(source)
        found = {fmt: self.store.read(p) for fmt, p in paths.items()}
        if all(data is not None for data in found.values()):
            done: Future = Future()
            done.set_result(found)
            return done
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="dot")
        return self._pool.submit(self._run, name, source, paths)

    def render(self, name: str, source: str) -> dict[str, bytes]:
        return self.start(name, source).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _dot(self, name: str, source: str, fmt: str) -> bytes:
        started = time.monotonic()
        try:
            out = subprocess.run([self.exe, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise GraphvizError(f"Graphviz took longer than {TIMEOUT_S} s on diagram {name!r}.") from None
        finally:
            with self._lock:
                self.runs += 1
                self.seconds += time.monotonic() - started
        if out.returncode != 0:
            raise GraphvizError(f"Graphviz failed on diagram {name!r}: {out.stderr.decode(errors='replace').strip()}")
        return out.stdout

    def _print_pdf(self, name: str, source: str) -> bytes:
        """The PDF drawn from a print layout of the diagram (see print_layout): the first that keeps every label
        at PRINT_SMALLEST points or more on a page of text, else the one with the largest labels."""
        best: tuple[float, bytes] | None = None
        for wrap_at, flip in PRINT_TRIES:
            pdf = self._dot(name, print_layout(source, wrap_at, flip), "pdf")
            size = PRINT_FONT * page_scale(pdf)
            if best is None or size > best[0]:
                best = (size, pdf)
            if size >= PRINT_SMALLEST:
                break
        return best[1]

    def _run(self, name: str, source: str, paths: dict[str, Path]) -> dict[str, bytes]:
        data = {"svg": self._dot(name, source, "svg"), "pdf": _stable_pdf(self._print_pdf(name, source))}
        for fmt, path in paths.items():
            self.store.write(path, data[fmt])
        return data


# Print: a PDF is laid out for an A4 article (10 pt, `\documentclass[a4paper]{article}`), whose text block
# pdflatex reports as 345 pt wide and 598 pt high; scaled to fit it, no label is smaller than PRINT_SMALLEST.
TEXT_WIDTH_PT, TEXT_HEIGHT_PT = 345.0, 598.0
PRINT_SMALLEST = 6.5
PRINT_FONT = 12
PRINT_STYLE = {  # replaces STYLE's graph, node and edge lines: one font size, tight boxes and spacing
    "graph": f'bgcolor="white" fontname="Helvetica" fontsize={PRINT_FONT} rankdir=TB nodesep=0.1 ranksep=0.12 pad=0.03',
    "node": f'shape=box style="rounded,filled" fontname="Helvetica" fontsize={PRINT_FONT} height=0.2 '
            f'margin="0.06,0.02" fillcolor="#eef3fb" color="#4a6fa5"',
    "edge": f'fontname="Helvetica" fontsize={PRINT_FONT} arrowsize=0.6 color="#555555" fontcolor="#333333"',
}
PRINT_TRIES = ((26, False), (20, False), (16, False), (26, True))  # (wrap labels at, turn TB <-> LR)


def print_layout(source: str, wrap_at: int, flip: bool) -> str:
    """The DOT source of a diagram's print version: PRINT_STYLE, labels wrapped at `wrap_at` characters and,
    with `flip`, the other rank direction (a tall hierarchy laid out wide, or the reverse)."""
    import textwrap

    for kind in ("graph", "node", "edge"):
        source = source.replace(f"{kind} [{STYLE[kind]}]", f"{kind} [{PRINT_STYLE[kind]}]", 1)
    if flip:
        lr = "  graph [rankdir=LR];\n"
        source = source.replace(lr, "") if lr in source else source.replace("rankdir=TB", "rankdir=LR", 1)

    def wrap(m: re.Match) -> str:
        lines = [part for line in m[1].split("\\n")
                 for part in textwrap.wrap(line, wrap_at, break_long_words=False, break_on_hyphens=False) or [""]]
        return 'label="' + "\\n".join(lines) + '"'
    return re.sub(r'label="((?:[^"\\]|\\.)*)"', wrap, source)


def page_scale(pdf: bytes) -> float:
    """How much a one-page PDF is scaled to fit an A4 article's text block (width and height)."""
    m = re.search(rb"/MediaBox \[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    x0, y0, x1, y1 = (float(v) for v in m.groups())
    return min(TEXT_WIDTH_PT / (x1 - x0), TEXT_HEIGHT_PT / (y1 - y0))


def _stable_pdf(data: bytes) -> bytes:
    """cairo stamps PDFs with the time of rendering; a fixed date of the same length keeps the xref offsets
    valid and makes the same DOT give the same PDF bytes."""
    return re.sub(rb"/CreationDate \(D:\d{14}Z\)", b"/CreationDate (D:19700101000000Z)", data)

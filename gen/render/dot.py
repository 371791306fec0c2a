"""The Graphviz runner: `dot` on a few threads, with a time bound, outputs cached and sealed by their source."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from gen.errors import GraphvizError

TIMEOUT_S = 60
OUTPUT_VERSION = 4  # bump when post-processing of dot's output changes (2: stable PDF dates, 3: one run, 4: sealed)
INSTALL_HINT = ("Install Graphviz so that `dot` is on PATH: Debian/Ubuntu `sudo apt-get install graphviz`, "
                "Fedora `sudo dnf install graphviz`, macOS `brew install graphviz`.")


class Dot:
    """Runs Graphviz once per diagram for both SVG and PDF, on a few threads while pages keep rendering.

    Outputs are cached by a hash of the DOT source and `dot -V`, sealed with their SHA-256: a damaged one is
    drawn again, never published."""

    FORMATS = ("svg", "pdf")

    def __init__(self, cache: Path, workers: int | None = None):
        self.exe = shutil.which("dot")
        if not self.exe:
            raise GraphvizError(f"Graphviz's `dot` was not found on PATH. {INSTALL_HINT}")
        out = subprocess.run([self.exe, "-V"], capture_output=True, text=True, timeout=TIMEOUT_S)
        self.version = (out.stderr or out.stdout).strip()
        self.cache = cache
        self.workers = workers or os.cpu_count() or 1
        self.runs = 0          # `dot` invocations in this build (0 when every figure was cached)
        self.seconds = 0.0     # time spent in them, summed over threads
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _cached(self, source: str) -> dict[str, Path]:
        digest = hashlib.sha256(f"{OUTPUT_VERSION}\0{self.version}\0{source}".encode()).hexdigest()
        return {fmt: self.cache / f"{digest}.{fmt}" for fmt in self.FORMATS}

    def start(self, name: str, source: str) -> Future:
        """A future of {"svg": bytes, "pdf": bytes}; already done when the diagram is in the cache."""
        from gen.store import read_sealed

        paths = self._cached(source)
        found = {fmt: read_sealed(p) for fmt, p in paths.items()}
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

    def _run(self, name: str, source: str, paths: dict[str, Path]) -> dict[str, bytes]:
        from gen.store import write_sealed

        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="clip-docs-dot-") as tmp:
            outputs = {fmt: Path(tmp) / f"out.{fmt}" for fmt in self.FORMATS}
            args = [self.exe] + [arg for fmt, out in outputs.items() for arg in (f"-T{fmt}", f"-o{out}")]
            try:
                out = subprocess.run(args, input=source.encode(), capture_output=True, timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise GraphvizError(f"Graphviz took longer than {TIMEOUT_S} s on diagram {name!r}.") from None
            finally:
                with self._lock:
                    self.runs += 1
                    self.seconds += time.monotonic() - started
            if out.returncode != 0:
                raise GraphvizError(f"Graphviz failed on diagram {name!r}: {out.stderr.decode(errors='replace').strip()}")
            data = {fmt: path.read_bytes() for fmt, path in outputs.items()}
        data["pdf"] = _stable_pdf(data["pdf"])
        for fmt, path in paths.items():
            write_sealed(path, data[fmt])
        return data


def _stable_pdf(data: bytes) -> bytes:
    """cairo stamps PDFs with the time of rendering; a fixed date of the same length keeps the xref offsets
    valid and makes the same DOT give the same PDF bytes."""
    return re.sub(rb"/CreationDate \(D:\d{14}Z\)", b"/CreationDate (D:19700101000000Z)", data)

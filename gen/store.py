"""The build cache as one content-addressed store (Store), with its fingerprints, atomic and sealed writes.

Every kind of entry (Snapshots, the catalog, fine-tuned comparisons, diagrams, plots, compiled templates, rendered
sites, checkpoints' SHA-256) lives at <cache>/store/<kind>/<name>-<fingerprint of its facts><suffix>, is written
through a temporary file and a rename, so a reader sees a whole file or none, and is sealed with the SHA-256 of
its content, so a damaged entry is made again instead of published.

Pruning, one rule for every kind: after a build, the entries it did not use go, least recently used first, until
the store holds at most BUDGET bytes; what the build used always stays.  Why: a build knows exactly what it used,
so it never removes what the next identical build needs; recency (an entry's mtime, set on every read) keeps the
configurations built lately side by side; and a bound in bytes treats alike a kind of hundreds of small figures
and a kind of a few large site archives, which no count per kind would."""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
from pathlib import Path

from gen import folders
from gen.errors import CacheError, os_error

log = logging.getLogger(f"mkdocs.plugins.{__name__}")


def fingerprint(facts) -> str:
    """The one key scheme of the cache: SHA-256 of the facts as canonical JSON, 32 hex digits."""
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def version(dist: str) -> str:
    """An installed distribution's version, or "absent"."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


KNOWN_CLIP_DISTRIBUTIONS = ("clip-anytorch", "openai-clip", "clip")  # what provides the `clip` import name


def clip_versions() -> list[str]:
    """The installed version of each distribution that can provide `clip` ("absent" for the others)."""
    return [version(name) for name in KNOWN_CLIP_DISTRIBUTIONS]


def files_digest(paths, root: Path) -> str:
    """One hash of some files' names (relative to `root`) and contents, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


CACHE_FIX = "Free space or fix the permissions there, or point CLIP_DOCS_CACHE (extra.clip_docs.cache) at another folder."
# Called before each rename; the second build process makes it exit once the main process is gone (gen.background).
before_publish = lambda: None  # noqa: E731


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename; raise CacheError (leaving `path` as it was)."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = folders.temp_file(path)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        before_publish()
        os.replace(tmp, path)
        tmp = None
    except OSError as err:
        raise CacheError(os_error(err, f"writing the cache file {str(path)!r}", CACHE_FIX)) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def write_sealed(path: Path, data: bytes) -> None:
    """Like write_atomic, with the SHA-256 of `data` in front, for read_sealed to check."""
    write_atomic(path, hashlib.sha256(data).hexdigest().encode() + b"\n" + data)


def read_sealed(path: Path, again: str = "making it again") -> bytes | None:
    """The content write_sealed stored at `path`; None when absent, or damaged (logged as repaired, then `again`)."""
    try:
        stored = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        _remove_folder(path, again)
        return None
    except OSError as err:
        raise CacheError(os_error(err, f"reading the cache file {str(path)!r}", CACHE_FIX)) from None
    digest, _, data = stored.partition(b"\n")
    if hashlib.sha256(data).hexdigest().encode() == digest:
        return data
    log.info("Repaired cache: %s does not match its SHA-256 (cut short or edited); %s.", path, again)
    return None


def _remove_folder(path: Path, again: str) -> None:
    """A folder where an entry belongs (no writer of the store makes one): removed, so the entry can be made."""
    shutil.rmtree(path, ignore_errors=True)
    log.info("Repaired cache: %s was a folder, not an entry; removed it, %s.", path, again)


# --- the store -------------------------------------------------------------------------------------------------------

LAYOUT = "store"  # entries live in <cache folder>/store/<kind>/; a later layout takes a new name
KINDS = {  # kind of entry -> what a build does when the entry is absent or damaged
    "snapshots": "capturing it again", "catalog": "capturing it again", "fine-tuned": "comparing again",
    "figures": "drawing it again", "plots": "drawing it again", "templates": "compiling it again",
    "sites": "rendering again", "checksums": "hashing the checkpoint again",
}
# Folders of earlier versions, each with its own layout; their entries (names with a hex key) are removed.
EARLIER = ("snapshots", "catalog", "fine-tuned", "figures", "plots", "templates", "sites", "sha256")
def _again(path: Path) -> str:
    return KINDS.get(path.parent.name, "making it again")


_EARLIER_ENTRY = re.compile(r"[0-9a-f]{16}")
BUDGET = 1024 ** 3  # bytes the store may keep (a default site is about 50 MB of entries)


class Store:
    """The build cache in `folder`: entries made by `entry`, read (checked) by `read`/`load`, written by `write`,
    pruned by `prune` (see the module header) after a build; `used` is what this build read or wrote."""

    def __init__(self, folder: Path, budget: int | None = None):
        self.folder = folder
        self.root = folder / LAYOUT
        self.budget = BUDGET if budget is None else budget
        self.used: set[Path] = set()

    def __getstate__(self):  # the second build process gets its own record of use
        return {**self.__dict__, "used": set()}

    @staticmethod
    def key(kind: str, facts) -> str:
        return fingerprint([kind, facts])

    def entry(self, kind: str, facts, name: str = "entry", suffix: str = "") -> Path:
        """The one place a cache path is made: <root>/<kind>/<name>-<key><suffix>."""
        if kind not in KINDS:
            raise ValueError(f"unknown cache kind {kind!r}")
        return self.root / kind / f"{name}-{self.key(kind, facts)}{suffix}"

    def read(self, path: Path) -> bytes | None:
        """An entry's content, checked against its SHA-256; None when absent or damaged (logged as repaired)."""
        data = read_sealed(path, _again(path))
        if data is not None:
            self._use(path)
        return data

    def load(self, path: Path, decode):
        """`decode(content)` of an entry; None when absent, damaged, or not decodable (an older schema, say)."""
        data = self.read(path)
        if data is None:
            return None
        try:
            return decode(data)
        except Exception as err:
            log.info("Repaired cache: %s is unreadable (%s); %s.", path, err, _again(path))
            return None

    def write(self, path: Path, data: bytes) -> None:
        """Store `data` sealed with its SHA-256, atomically; raise CacheError naming the fix."""
        write_sealed(path, data)
        self.used.add(path)

    def seal(self, path: Path) -> str | None:
        """The SHA-256 an entry was sealed with (its content's identity, read without reading the content); marks
        it used.  None when absent."""
        try:
            with path.open("rb") as fh:
                digest = fh.read(64)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            _remove_folder(path, _again(path))
            return None
        except OSError as err:
            raise CacheError(os_error(err, f"reading the cache file {str(path)!r}", CACHE_FIX)) from None
        self._use(path)
        return digest.decode("ascii", errors="replace")

    def _use(self, path: Path) -> None:
        self.used.add(path)
        try:
            os.utime(path)
        except OSError:
            pass  # only the pruning order suffers; open() checked that the cache folder is writable

    def open(self) -> "Store":
        """Before anything slow: the folder must be writable; leftovers of killed builds and of earlier layouts go."""
        folders.check_writable(self.folder, CacheError, "The cache folder", CACHE_FIX)
        for leftover in folders.sweep(self.folder, recursive=True):
            log.info("Repaired cache: removed %s, left by a build that was stopped", leftover)
        for folder in (self.root, *(self.root / kind for kind in KINDS)):
            if folder.exists() and not folder.is_dir():  # a file where the store keeps a folder of entries
                folder.unlink()
                log.info("Repaired cache: %s was a file, not the folder of entries; removed it.", folder)
        for name in EARLIER:
            self._drop_earlier(self.folder / name)
        return self

    def _drop_earlier(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        gone = [p for p in folder.iterdir() if p.is_file() and _EARLIER_ENTRY.search(p.name)]
        for path in gone:
            path.unlink(missing_ok=True)
        if not any(folder.iterdir()):
            folder.rmdir()
        if gone:
            log.info("Removed %d entries of an earlier cache layout from %s", len(gone), folder)

    def entries(self, kind: str | None = None) -> list[Path]:
        """Every entry in the store, or of one kind (temporary files of writers excluded)."""
        folder = self.root if kind is None else self.root / kind
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))

    def prune(self) -> list[Path]:
        """Remove unused entries, least recently used first, until the store is within its budget (see the class)."""
        found = []
        for path in self.entries():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            found.append((st.st_mtime_ns, path, st.st_size))
        total = sum(size for _, _, size in found)
        removed = []
        for _, path, size in sorted(found):
            if total <= self.budget:
                break
            if path in self.used:
                continue
            path.unlink(missing_ok=True)
            total -= size
            removed.append(path)
        if removed:
            log.info("Cache: removed %d entries no build used lately (store kept within %d MB)", len(removed),
                     self.budget // 1024 ** 2)
        return removed

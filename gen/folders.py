"""Files and folders that appear whole or not at all: temporary names tagged with the writer's process id,
folders swapped in with one rename, and leftovers of killed builds swept."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import tempfile
from pathlib import Path

from gen.errors import ClipDocsError, os_error

# ".<name>.<pid>.<random>.<kind>": what a writer leaves behind if it is killed (kinds: tmp, part, staging, old)
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.(?P<kind>tmp|part|staging|old)$")
_RENAME_EXCHANGE = 2  # renameat2 flag: swap two paths in one step (Linux 3.15+)
_AT_FDCWD = -100


def prefix(path: Path) -> str:
    """The start of a temporary name next to `path`, tagged with this process id (so a sweep can tell)."""
    return f".{path.name}.{os.getpid()}."


def temp_file(path: Path, kind: str = "tmp") -> tuple[int, str]:
    """mkstemp next to `path`: (fd, name)."""
    return tempfile.mkstemp(dir=path.parent, prefix=prefix(path), suffix=f".{kind}")


def staging_folder(target: Path) -> Path:
    """A fresh, empty folder next to `target`, to be swapped in by `swap_in` once complete."""
    return Path(tempfile.mkdtemp(dir=target.parent, prefix=prefix(target), suffix=".staging"))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


def swap_in(staging: Path, target: Path) -> None:
    """Make the complete folder `staging` the folder `target`, then delete the previous `target`.

    Where the system can exchange two paths in one step, `target` is never missing, even if the process is
    killed; elsewhere the previous folder is renamed aside first and `sweep` puts it back after a kill."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now the previous folder
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=prefix(target), suffix=".old"))
    os.rename(target, old / "previous")
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def sweep(folder: Path, recursive: bool = False) -> list[Path]:
    """Remove what killed writers left in `folder`: temporary files, staging folders; restore a folder
    renamed aside by `swap_in` whose replacement never arrived.  Returns what was removed."""
    if not folder.is_dir():
        return []
    entries = folder.rglob(".*") if recursive else folder.glob(".*")
    removed = []
    for entry in sorted(entries):
        m = _LEFTOVER.match(entry.name)
        if not m or _alive(int(m["pid"])):
            continue
        if m["kind"] == "old" and not (entry.parent / m["name"]).exists() and (entry / "previous").is_dir():
            os.rename(entry / "previous", entry.parent / m["name"])
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def check_writable(folder: Path, error: type[ClipDocsError], what: str, fix: str) -> None:
    """Create `folder` if needed and write a probe file in it; raise `error` naming `what` and `fix` if that fails."""
    if folder.exists() and not folder.is_dir():
        raise error(f"{what} {str(folder)!r} is a file, not a folder. {fix}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = temp_file(folder / "probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise error(os_error(err, f"checking that {what.lower()} {str(folder)!r} is writable", fix)) from None

"""One error type per pipeline stage; each message names the fix."""
from __future__ import annotations

import errno


class ClipDocsError(Exception):
    """Base class: a build stopped with a message meant for the person running it."""


class ConfigError(ClipDocsError):
    """The configuration (mkdocs.yml extra.clip_docs or CLIP_DOCS_* variables) is not usable."""


class LoadError(ClipDocsError):
    """A model or its weights could not be loaded."""


class CaptureError(ClipDocsError):
    """Running the model to record a Snapshot failed."""


class RenderError(ClipDocsError):
    """Turning a Snapshot into pages or figures failed."""


class GraphvizError(RenderError):
    """Graphviz's `dot` is missing or failed on a diagram."""


class CacheError(ClipDocsError):
    """The cache folder cannot be read or written."""


class OutputError(ClipDocsError):
    """The output folder (MkDocs' site_dir, or --out / --snapshot-out) cannot be written."""


# What to do about an operating-system error, by errno.
_FIXES = {
    errno.ENOSPC: "free some disk space",
    errno.EDQUOT: "free some disk space (the disk quota is used up)",
    errno.EFBIG: "free some disk space or raise the file size limit (ulimit -f)",
    errno.EACCES: "make it writable for this user",
    errno.EPERM: "make it writable for this user",
    errno.EROFS: "use a folder on a writable file system",
    errno.ENOTDIR: "a file stands where a folder is needed; move the file away",
    errno.EEXIST: "a file stands where a folder is needed; move the file away",
    errno.EISDIR: "a folder stands where a file is needed; move the folder away",
    errno.ENOENT: "check the path",
}


def os_problem(err: OSError) -> str:
    """'No space left on device (free some disk space)': an OSError's cause and the usual fix, in one phrase."""
    cause = err.strerror or str(err) or type(err).__name__
    fix = _FIXES.get(err.errno or 0)
    return f"{cause} ({fix})" if fix else cause


def os_error(err: OSError, what: str, fix: str) -> str:
    """One message for an OSError while doing `what` (e.g. "writing the cache folder"), with the fix."""
    where = f" at {str(err.filename)!r}" if err.filename and str(err.filename) not in what else ""
    return f"Failed while {what}{where}: {os_problem(err)}. {fix}"


def message_for(err: BaseException) -> str | None:
    """The one message a build shows for `err`: its own for ClipDocsError, one made for any OSError (a file
    that could not be read or written); None for anything else, a bug whose traceback should be kept."""
    if isinstance(err, ClipDocsError):
        return str(err)
    if isinstance(err, OSError):
        return os_error(err, "reading or writing a file",
                        "Fix the path, free disk space or fix its permissions, then build again.")
    return None

"""Download an OpenAI CLIP checkpoint into clip's cache folder: bounded timeouts, SHA-256 checked, atomic.

Only urllib and hashlib: gen.weights calls this while planning a build, before (and without) torch.
A download lands in a temporary file next to its target, is checked against the SHA-256 that
OpenAI's download URL carries (the folder name before the file name, as clip.clip._download reads
it), and only then is renamed into place; a failed, cut-short or mismatching download leaves
nothing behind, and the temporary file of a killed one is deleted by the next download.
"""
from __future__ import annotations

import hashlib
import http.client
import logging
import os
import time
import urllib.error
from pathlib import Path
from urllib.request import urlopen  # module attribute, so tests can swap it and never touch the network

from gen import folders
from gen.errors import LoadError

log = logging.getLogger(f"mkdocs.plugins.{__name__}")

TIMEOUT = 60.0      # seconds allowed for connecting and for each read: a silent server stops the build
CHUNK = 1 << 20     # bytes per read

# clip.clip._MODELS of clip-anytorch 2.6.0, copied because importing clip imports torch.
# tests/test_pretrained.py checks that it matches the installed clip package.
MODEL_URLS = {
    "RN50": "https://openaipublic.azureedge.net/clip/models/afeb0e10f9e5a86da6080e35cf09123aca3b358a0c3e3b6c78a7b63bc04b6762/RN50.pt",
    "RN101": "https://openaipublic.azureedge.net/clip/models/8fa8567bab74a42d41c5915025a8e4538c3bdbe8804a470a72f30b0d94fab599/RN101.pt",
    "RN50x4": "https://openaipublic.azureedge.net/clip/models/7e526bd135e493cef0776de27d5f42653e6b4c8bf9e0f653bb11773263205fdd/RN50x4.pt",
    "RN50x16": "https://openaipublic.azureedge.net/clip/models/52378b407f34354e150460fe41077663dd5b39c54cd0bfd2b27167a4a06ec9aa/RN50x16.pt",
    "RN50x64": "https://openaipublic.azureedge.net/clip/models/be1cfb55d75a9666199fb2206c106743da0f6468c9d327f3e0d0a543a9919d9c/RN50x64.pt",
    "ViT-B/32": "https://openaipublic.azureedge.net/clip/models/40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af/ViT-B-32.pt",
    "ViT-B/16": "https://openaipublic.azureedge.net/clip/models/5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f/ViT-B-16.pt",
    "ViT-L/14": "https://openaipublic.azureedge.net/clip/models/b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836/ViT-L-14.pt",
    "ViT-L/14@336px": "https://openaipublic.azureedge.net/clip/models/3035c92b350959924f9f00213499208652fc7ea050643e8b385c2dac08641f02/ViT-L-14-336px.pt",
}


def file_name(name: str) -> str:
    """The file name clip.load gives `name`'s checkpoint: the last segment of its URL."""
    return MODEL_URLS[name].rsplit("/", 1)[-1]


def expected_sha256(name: str) -> str:
    """The SHA-256 OpenAI publishes for `name`: the second-to-last segment of its URL."""
    return MODEL_URLS[name].split("/")[-2]


def fetch(name: str, dest: Path, timeout: float = TIMEOUT) -> str:
    """Download `name`'s checkpoint to `dest` and return its SHA-256; raise LoadError, leaving nothing, on failure."""
    url = MODEL_URLS[name]
    expected = expected_sha256(name)
    fix = (f"Put OpenAI's {file_name(name)} (SHA-256 {expected}) at {str(dest)!r} yourself, or name a local "
           f"checkpoint under extra.clip_docs.checkpoints, or build without weights with CLIP_DOCS_WEIGHTS=random.")
    log.info("Downloading %s from %s to %s (timeout %g s)", name, url, dest, timeout)
    folder_made = not dest.parent.exists()
    tmp: str | None = None
    done = False
    try:
        with urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            dest.parent.mkdir(parents=True, exist_ok=True)
            folders.sweep(dest.parent)  # the .part file of a download that was killed
            fd, tmp = folders.temp_file(dest, "part")
            digest, size = hashlib.sha256(), 0
            started, next_report = time.monotonic(), 0.1
            with os.fdopen(fd, "wb") as out:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if total and size / total >= next_report:
                        log.info("  %s: %d%% of %.0f MB", name, 100 * size // total, total / 1e6)
                        next_report += 0.1
        if total and size != total:
            raise LoadError(f"Download of {name} from {url} stopped after {size} of {total} bytes; nothing was "
                            f"kept at {str(dest)!r}. Try again, or: {fix}")
        actual = digest.hexdigest()
        if actual != expected:
            raise LoadError(f"Download of {name} from {url} has SHA-256 {actual}, not the published {expected}; "
                            f"nothing was kept at {str(dest)!r}. Try again later, or: {fix}")
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; clip's own downloads are world-readable
        os.replace(tmp, dest)
        done = True
        log.info("  %s: %.0f MB in %.0f s, SHA-256 verified", name, size / 1e6, time.monotonic() - started)
        return actual
    except (OSError, http.client.HTTPException, ValueError) as err:  # URLError, HTTPError, timeouts are OSErrors
        raise LoadError(f"Could not download {name} from {url} ({_reason(err, timeout)}); nothing was kept. {fix}") from err
    finally:
        if not done:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            if folder_made:
                try:
                    dest.parent.rmdir()  # only if we made it and it is still empty
                except OSError:
                    pass


def _reason(err: BaseException, timeout: float) -> str:
    """A short cause for a failed download: HTTP status, timeout, or why no connection was made."""
    if isinstance(err, urllib.error.HTTPError):
        return f"the server answered HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        if isinstance(err.reason, TimeoutError):
            return f"no answer within {timeout:g} s"
        return f"no connection: {err.reason}"
    if isinstance(err, TimeoutError):  # socket.timeout while reading
        return f"no answer within {timeout:g} s"
    return f"{type(err).__name__}: {err}"

"""Quoted facts (gen/data/quoted.toml): values the build cannot capture, each with its source."""
from __future__ import annotations

import functools
import logging
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from gen.errors import RenderError

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
FILE = Path(__file__).resolve().parent / "data" / "quoted.toml"


@dataclass(frozen=True)
class Quoted:
    key: str
    value: float
    says: str      # one sentence, shown on the site
    source: str    # paper section, model card or release

    @property
    def ln(self) -> float:  # derived when the site is built, never typed
        return math.log(self.value)


@functools.lru_cache(maxsize=1)
def all_quoted() -> dict[str, Quoted]:
    try:
        raw = tomllib.loads(FILE.read_text(encoding="utf-8"))
        return {key: Quoted(key, float(v["value"]), v["says"], v["source"]) for key, v in raw.items()}
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as err:
        raise RenderError(f"{FILE} is not a readable table of quoted facts ({err}); each entry needs "
                          f"value, says and source.") from None


def quoted(key: str) -> Quoted:
    return all_quoted()[key]


def check_logit_scale(model: str, mode: str, official: bool, logit_scale: float) -> str | None:
    """Compare a captured `logit_scale` with the quoted released one; return what the page should say.

    Only OpenAI's own checkpoints are expected to match: a mismatch there is a warning (the wrong file, or
    a changed release); a fine-tuned checkpoint is free to differ and gets an info line."""
    if mode != "pretrained":
        return None
    released = quoted("released_logit_scale")
    matches = math.isclose(math.exp(logit_scale), released.value, rel_tol=1e-4)
    if not matches:
        message = (f"{model}: captured exp(logit_scale) = {math.exp(logit_scale):.4f}, but the released "
                   f"checkpoints hold {released.value:g} ({released.source})")
        if official:
            log.warning("%s; is this OpenAI's checkpoint?", message)
        else:
            log.info("%s; expected for a fine-tuned checkpoint", message)
    return "matches" if matches else "differs"

"""The one Jinja environment: StrictUndefined, the project's filters, templates/ as the loader root."""
from __future__ import annotations

import html
import math
import re
import sys
from pathlib import Path

import jinja2
import jinja2.bccache

from gen.render.urls import file_href, page_url, relative
from gen.render.fmt import num, pct, sci, shape
from gen.render.tables import latex_escape

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def access(path: str, root: str = "model") -> str:
    """'visual.transformer.resblocks.0' -> 'model.visual.transformer.resblocks[0]'."""
    out = root
    for part in path.split(".") if path else []:
        if part.isdigit():
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:  # e.g. the "-1" pooling layer in a Bottleneck's downsample
            out = f'getattr({out}, "{part}")'
    return out


def anchor(path: str) -> str:
    """A module or parameter path as an HTML id: dots become hyphens ('visual-transformer-resblocks-0')."""
    return path.replace(".", "-") if path else "model"


# float32 rounding noise at unit scale (machine epsilon 1.2e-7, a few roundings) stays below this bound
NOISE_BOUND = "1e-6"


def bound(value: float) -> str:
    """A rounding error shown as the bound it stays under, not as its last bits, which vary by CPU: 'below 1e-6'."""
    return f"below {NOISE_BOUND}" if abs(value) < float(NOISE_BOUND) else sci(value, 2)


LONG_LINES = 30  # a code block or printout longer than this folds into a collapsible box


def step_of(steps: list, module: str) -> dict:
    """The recorded forward step that ran `module` (a module or parameter path): templates name steps, never count them."""
    from gen.errors import RenderError

    for st in steps:
        if st.get("module") == module:
            return st
    raise RenderError(f"no recorded forward step ran {module!r}; the steps ran {[st.get('module') for st in steps]}")


def fixed(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}f}"


def ln(value: float) -> float:
    return math.log(value)


def source_line(s, cls: str, needle: str) -> str:
    """The first line of a class's captured source that contains `needle`, stripped: prose quotes the code that ran."""
    from gen.errors import RenderError

    for line in s.sources.get(cls, "").splitlines():
        if needle in line:
            return line.strip()
    raise RenderError(f"the captured source of {cls} in {s.model.name} has no line with {needle!r}; "
                      f"the clip package changed: update the template that quotes it")


def indent(text: str, width: int = 4) -> str:
    pad = " " * width
    return "\n".join(pad + line if line else line for line in text.splitlines())


def literal(text: str) -> str:
    """Text a user configured (a caption, a prompt) as Markdown that shows it as it is, in prose or in a table
    cell: HTML's & < > and the characters Markdown reads (emphasis, links, code, table pipes) escaped."""
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", html.escape(str(text), quote=False))


def fence(text: str, lang: str = "text", title: str | None = None) -> str:
    """A code fence long enough never to collide with backticks in the text."""
    ticks = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    head = f'{ticks}{lang}' + (f' title="{title}"' if title else "")
    return f"{head}\n{text.rstrip()}\n{ticks}"


@jinja2.pass_context
def link(ctx, to_page: str, fragment: str | None = None) -> str:
    return relative(ctx["page"], to_page, fragment)


@jinja2.pass_context
def file_link(ctx, path: str) -> str:
    """For raw HTML `<a href>` to a file of the site (not validated by MkDocs, repaired on the print page)."""
    return file_href(ctx["page"], path)


class Compiled(jinja2.BytecodeCache):
    """Compiled templates as entries of the build cache (a gen.store.Store), under the template, its source and the
    Python and Jinja versions: sealed, pruned and swept like every other entry."""

    def __init__(self, store):
        self.store = store

    def _entry(self, bucket: jinja2.bccache.Bucket) -> Path:
        facts = [bucket.key, bucket.checksum, jinja2.__version__, sys.version]
        return self.store.entry("templates", facts, "template", ".bin")

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.store.read(self._entry(bucket))
        if data is not None:
            bucket.bytecode_from_string(data)  # Jinja checks its own magic and the source checksum again

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store.write(self._entry(bucket), bucket.bytecode_to_string())


def make_env(store=None) -> jinja2.Environment:
    """`store`: the build cache (gen.store.Store) to keep compiled templates in."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        bytecode_cache=Compiled(store) if store is not None else None,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Markdown uses `{#id}` for heading anchors, so Jinja comments are `{## ... ##}` here.
        comment_start_string="{##",
        comment_end_string="##}",
    )
    env.filters.update(num=num, shape=shape, access=access, anchor=anchor, pct=pct, sci=sci, bound=bound,
                       fixed=fixed, indent_by=indent, fence=fence, literal=literal, ln=ln, bibtex=latex_escape,
                       page_url=page_url, step_of=step_of)
    env.tests["startswith"] = lambda value, prefix: str(value).startswith(prefix)
    from gen.quoted import quoted
    from gen.render import cite
    from gen.render.kit import kit_path
    from gen.render.diagrams import FORWARD_STEP
    from gen.render.inside import figure_recipes, site_plots

    env.globals.update(link=link, file_link=file_link, access=access, anchor=anchor, fence=fence, quoted=quoted,
                       source_line=source_line, figure_recipes=figure_recipes, FORWARD_STEP=FORWARD_STEP,
                       LONG_LINES=LONG_LINES, site_plots=site_plots,
                       citation=cite.citation, bibtex_entry=cite.bibtex, ris_entry=cite.ris, kit_path=kit_path)
    return env

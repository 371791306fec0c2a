"""One error type per pipeline stage; each message names the fix."""


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

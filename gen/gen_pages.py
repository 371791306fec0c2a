"""mkdocs-gen-files script: hand the files that gen.mkdocs_hooks prepared to MkDocs."""
import sys
from pathlib import Path

import mkdocs_gen_files

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gen import build  # noqa: E402

if not build.PREPARED:
    raise SystemExit("gen/gen_pages.py found nothing prepared: add `hooks: [gen/mkdocs_hooks.py]` to mkdocs.yml")
for path, data in build.PREPARED.items():
    with mkdocs_gen_files.open(path, "wb") as fh:
        fh.write(data)

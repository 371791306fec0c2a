"""`python -m gen`: the same pages as the MkDocs build, written to a folder without MkDocs."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import yaml

from gen import config
from gen.build import check_outputs, generate, snapshot_files, write_tree
from gen.errors import ConfigError, message_for, os_error


def _hand_written(docs: Path) -> dict[str, bytes]:
    """The pages and assets written by hand under the docs folder, so that the tree holds the whole site."""
    if not docs.is_dir():
        return {}
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in sorted(docs.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(docs).parts)}


def _extra(mkdocs_yml: Path) -> tuple[object, str, str]:
    """extra.clip_docs and site_url of a mkdocs.yml; ConfigError when the file cannot be read as one."""
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may hold tags such as !!python/name: for Material's emoji; they do not matter here
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    fix = "Give --config the path of the project's mkdocs.yml."
    try:
        data = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=Loader) or {}
    except OSError as err:
        raise ConfigError(os_error(err, "reading the configuration file", fix)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ConfigError(f"{str(mkdocs_yml)!r} is not valid YAML ({_one_line(err)}). Fix the file. {fix}") from None
    if not isinstance(data, dict) or not isinstance(data.get("extra") or {}, dict):
        raise ConfigError(f"{str(mkdocs_yml)!r} does not hold a mkdocs.yml mapping with an `extra:` mapping. {fix}")
    return (data.get("extra") or {}).get("clip_docs"), str(data.get("site_url") or ""), str(data.get("docs_dir") or "docs")


def _read_by(cfg: config.Config, mkdocs_yml: Path) -> dict[str, Path]:
    """What the build reads, which an output folder replaced whole must not hold: what -> path."""
    read = {"the configuration file": mkdocs_yml, "the build cache": cfg.cache}
    read.update({f"sample image {p.name}": p for p in cfg.images})
    read.update({f"the checkpoint of {name}": p for name, p in cfg.checkpoints.items()})
    read.update({f"the fine-tuned checkpoint {ft.name}": ft.checkpoint for ft in cfg.fine_tuned})
    read.update({f"the base checkpoint of {ft.name}": ft.base for ft in cfg.fine_tuned if ft.base is not None})
    read.update({"the Snapshot folder rendered from": cfg.snapshots, "the baseline": cfg.baseline})
    return {what: path for what, path in read.items() if path is not None}


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gen", description=__doc__)
    parser.add_argument("--config", type=Path, default=config.ROOT / "mkdocs.yml", help="mkdocs.yml to read extra.clip_docs from")
    parser.add_argument("--out", type=Path, help="folder to write the generated Markdown tree and figures into")
    parser.add_argument("--snapshot-out", type=Path, help="folder to write each model's Snapshot JSON into")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s")
    if not args.out and not args.snapshot_out:
        parser.error("give --out, --snapshot-out or both")
    try:
        extra, site_url, docs_dir = _extra(args.config)
        cfg = config.load(extra, base_dir=args.config.resolve().parent, site_url=site_url)
        check_outputs(args.out, args.snapshot_out, _read_by(cfg, args.config.resolve()))  # before anything slow
        if args.out:
            write_tree({**_hand_written(args.config.resolve().parent / docs_dir), **generate(cfg)}, args.out)
            print(f"wrote the site's Markdown tree to {args.out}")
        if args.snapshot_out:
            files = snapshot_files(cfg)
            write_tree(files, args.snapshot_out, "snapshots")
            print(f"wrote {len(cfg.all_models)} Snapshot(s) and the catalog to {args.snapshot_out}")
    except KeyboardInterrupt:  # Ctrl-C: write_tree's staging folder is gone already, the output as it was
        print("stopped (Ctrl-C): an output folder not yet complete was left as it was before", file=sys.stderr)
        return 130
    except Exception as err:
        message = message_for(err)
        if message is None:
            raise  # a bug: keep its traceback
        print(f"error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

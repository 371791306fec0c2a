"""Build configuration: mkdocs.yml `extra.clip_docs`, then CLIP_DOCS_* environment overrides."""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from gen import archs
from gen.errors import ConfigError

WEIGHT_MODES = ("auto", "pretrained", "random")
ROOT = Path(__file__).resolve().parent.parent

# The default sample batch: (package, file, caption) photographs installed packages ship, then distractors.
DEFAULT_SAMPLES = (
    ("matplotlib", "grace_hopper.jpg", "a portrait of an officer in uniform"),
    ("skimage", "astronaut.png", "a photo of an astronaut in a space suit"),
    ("skimage", "chelsea.png", "a photo of a cat"),
    ("skimage", "coffee.png", "a photo of a cup of coffee"),
    ("skimage", "rocket.jpg", "a photo of a rocket on a launch pad"),
)
DEFAULT_DISTRACTORS = ("a photo of a hand", "a photo of a dog", "a diagram")


def _package_dir(package: str) -> Path:
    """Where an installed package lives, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ConfigError(f"{package} is not installed, so the default sample images are missing; "
                          f"install the requirements or set extra.clip_docs.samples.")
    return Path(spec.origin).parent


def _sample_data(name: str, package: str = "matplotlib") -> Path:
    """A photo matplotlib (mpl-data/sample_data) or scikit-image (skimage/data) ships."""
    folder = ("mpl-data", "sample_data") if package == "matplotlib" else ("data",)
    return _package_dir(package).joinpath(*folder, name)


def _default_pairs() -> tuple[list[Path], list[str]]:
    return ([_check_image(_sample_data(name, package), "the default samples") for package, name, _ in DEFAULT_SAMPLES],
            [caption for *_, caption in DEFAULT_SAMPLES])


@dataclass(frozen=True)
class FineTunedPair:
    """One `extra.clip_docs.fine_tuned` entry: a fine-tuned checkpoint and the model it started from."""
    name: str                  # page title: "HandCLIP"
    slug: str                  # URL segment: "handclip"
    model: str                 # the variant both files are, e.g. "ViT-B/32"
    base: Path | None          # a checkpoint file, or None: "pretrained", resolved like `weights`
    checkpoint: Path           # the fine-tuned file


@dataclass(frozen=True)
class Config:
    models: tuple[str, ...] = ("ViT-B/32", "RN50")  # documented in full, one page family each
    compare: tuple[str, ...] = ("RN50",)         # captured for the ViT-vs-ResNet comparison
    weights: str = "auto"                        # auto | pretrained | random
    checkpoints: Mapping[str, Path] = field(default_factory=dict)  # model name -> local file
    clip_cache: Path = Path("~/.cache/clip").expanduser()  # where clip.load looks for weights
    images: tuple[Path, ...] = ()                # sample images, one per pair; the first one is "the" image
    captions: tuple[str, ...] = ()               # one caption per image, in the same order
    distractors: tuple[str, ...] = DEFAULT_DISTRACTORS  # prompts that caption no image
    cache: Path = ROOT / ".cache" / "clip-docs"  # the build cache (gen.store.Store)
    diffs: tuple[tuple[str, str], ...] = (("ViT-B/32", "ViT-B/16"),)  # per-module diff pages
    baseline: Path | None = None                 # earlier Snapshot file, or a folder of them, for "What changed"
    site_url: str = ""                           # mkdocs.yml site_url, for citations
    seed: int = 0                                # random-mode initialisation seed
    unfreeze_last: int = 2                       # fine-tuning recipes: last blocks to unfreeze (training: both towers)
    replacement_width: int = 256                 # fine-tuning recipe: new projection width
    jobs: int = os.cpu_count() or 1              # processes a build may use; 1 keeps all work in one
    fine_tuned: tuple[FineTunedPair, ...] = ()   # fine-tuned checkpoints compared with their base
    snapshots: Path | None = None                # folder written by `python -m gen --snapshot-out`: render from it, no torch

    @property
    def prompts(self) -> tuple[str, ...]:
        """Every text the model reads: the captions (pair order), then the distractors."""
        return self.captions + self.distractors

    @property
    def all_models(self) -> tuple[str, ...]:
        return self.models + tuple(m for m in self.compare if m not in self.models)


def _as_list(value: Any, key: str) -> list:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ConfigError(f"extra.clip_docs.{key} must be a list, got {value!r}")


def _check_models(names: list[str], key: str, allow_empty: bool = False) -> tuple[str, ...]:
    known = archs.available_models()
    if names == ["all"]:
        return tuple(known)
    for name in names:
        if name not in known:
            raise ConfigError(
                f"Unknown CLIP model {name!r} in {key}; available models = {known}. "
                f"Fix the name in {key} (for example 'ViT-B/32,RN50')."
            )
    if not names and not allow_empty:
        raise ConfigError(f"{key} is empty; name at least one of {known}.")
    return tuple(dict.fromkeys(names))


def _check_image(path: Path, key: str) -> Path:
    """The image must decode completely: verify() alone passes a JPEG whose end is missing."""
    if not path.is_file():
        state = "is a folder" if path.is_dir() else "does not exist"
        raise ConfigError(f"Sample image {str(path)!r} in {key} {state}; give the path of a JPEG or PNG file.")
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.verify()  # checksums (PNG), without decoding
        with Image.open(path) as im:
            im.load()  # every pixel: a cut-short file fails here
    except Exception as err:  # UnidentifiedImageError, OSError ("image file is truncated"), DecompressionBombError, ...
        raise ConfigError(
            f"Sample image {str(path)!r} in {key} is not an image Pillow can read completely ({err}); "
            f"give the path of a complete JPEG or PNG file."
        ) from None
    return path


SEED_MAX = 2**64 - 1  # torch.manual_seed accepts up to 0xffff_ffff_ffff_ffff


def _whole(value: Any, key: str, low: int, high: int | None, fix: str) -> int:
    """An integer setting within [low, high]; anything else (a float, a string, a bool) is refused."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= low and (high is None or value <= high):
        return value
    bound = f"from {low} to {high}" if high is not None else f"{low} or more"
    raise ConfigError(f"extra.clip_docs.{key} is {value!r}; give a whole number {bound}{fix}.")


def _tower_blocks(name: str) -> tuple[int, str]:
    """How many blocks unfreeze_last can unfreeze in `name`, and where: the smaller of the image stage and the text
    transformer (the training step unfreezes the last blocks of both; the recipes' own bound)."""
    arch = archs.KNOWN[name]
    image = ((arch.vision_layers, "visual.transformer.resblocks") if arch.kind == "vit"
             else (arch.vision_layers[-1], "visual.layer4"))  # ResNets unfreeze bottleneck blocks of the last stage
    return min(image, (arch.transformer_layers, "transformer.resblocks"))


def _check_unfreeze(value: Any, models: tuple[str, ...]) -> int:
    """unfreeze_last must leave at least one, and at most all, blocks of either tower of every documented model."""
    limit, stage, name = min((*_tower_blocks(m), m) for m in models)
    return _whole(value, "unfreeze_last", 1, limit,
                  f" ({name} has {limit} blocks in {stage}, the fewest of the documented models)")


def _clip_docs(extra: Any) -> dict:
    if extra is None:
        return {}
    if not isinstance(extra, Mapping):
        raise ConfigError(f"extra.clip_docs in mkdocs.yml is {extra!r}, not a mapping; write it as keys under it, "
                          f"e.g. `clip_docs:` then `  models: [ViT-B/32]` on the next line, or remove it.")
    return dict(extra)


def _jobs(raw: Mapping[str, Any], env: Mapping[str, str], default: int) -> int:
    jobs, key_j = raw.get("jobs", default), "extra.clip_docs.jobs"
    if env.get("CLIP_DOCS_JOBS"):
        jobs, key_j = env["CLIP_DOCS_JOBS"], "CLIP_DOCS_JOBS"
        jobs = int(jobs) if re.fullmatch(r"\s*[0-9]+\s*", jobs) else jobs  # ASCII digits only: isdigit() takes "²"
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ConfigError(f"{key_j} is {jobs!r}; give a whole number of processes, 1 or more (1: no second process).")
    return jobs


def _snapshots(raw: Mapping[str, Any], env: Mapping[str, str], path) -> Path | None:
    """The folder of Snapshots captured apart, if one is set; it must exist."""
    value, key = raw.get("snapshots"), "extra.clip_docs.snapshots"
    if env.get("CLIP_DOCS_SNAPSHOTS"):
        value, key = env["CLIP_DOCS_SNAPSHOTS"], "CLIP_DOCS_SNAPSHOTS"
    if not value:
        return None
    folder = path(value)
    if not folder.is_dir():
        raise ConfigError(f"{key} is {str(folder)!r}, which is not a folder; write one with "
                          f"`python -m gen --snapshot-out {value}`, or unset {key} to capture in this build.")
    return folder


def load(extra: Mapping[str, Any] | None, base_dir: Path = ROOT, env: Mapping[str, str] | None = None,
         site_url: str | None = None) -> Config:
    """Build a Config from the `extra.clip_docs` mapping and the environment; raise ConfigError."""
    env = os.environ if env is None else env
    raw = _clip_docs(extra)
    known = set(Config.__dataclass_fields__) - {"site_url", "captions"} | {"samples", "prompts"}  # site_url is MkDocs' own
    unknown = sorted(set(raw) - known)
    if unknown:
        hint = " (site_url belongs at the top level of mkdocs.yml)" if "site_url" in unknown else ""
        raise ConfigError(f"Unknown key(s) {unknown} under extra.clip_docs{hint}; known keys are {sorted(known)}.")
    cfg = Config(site_url=(site_url or "").rstrip("/"))
    key_models = "extra.clip_docs.models"
    models = raw.get("models", list(cfg.models))
    if env.get("CLIP_DOCS_MODELS"):
        models, key_models = env["CLIP_DOCS_MODELS"], "CLIP_DOCS_MODELS"
    cfg = replace(cfg, models=_check_models(_as_list(models, "models"), key_models))
    cfg = replace(cfg, compare=_check_models(_as_list(raw.get("compare", list(cfg.compare)), "compare"),
                                             "extra.clip_docs.compare", allow_empty=True))

    if "diffs" in raw:
        pairs = raw["diffs"] or []
        if not isinstance(pairs, list) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
            raise ConfigError("extra.clip_docs.diffs must be a list of model pairs, e.g. [[ViT-B/32, ViT-B/16]].")
        cfg = replace(cfg, diffs=tuple(_check_models(list(p), "extra.clip_docs.diffs") for p in pairs))
        same = next((pair[0] for pair in cfg.diffs if len(pair) == 1), None)  # a pair of one name, deduplicated
        if same:
            raise ConfigError(f"extra.clip_docs.diffs compares {same} with itself; name two different models in each "
                              "pair, e.g. [[ViT-B/32, ViT-B/16]].")
    weights, key_w = raw.get("weights", cfg.weights), "extra.clip_docs.weights"
    if env.get("CLIP_DOCS_WEIGHTS"):
        weights, key_w = env["CLIP_DOCS_WEIGHTS"], "CLIP_DOCS_WEIGHTS"
    if weights not in WEIGHT_MODES:
        raise ConfigError(f"{key_w} is {weights!r}; use one of {list(WEIGHT_MODES)}.")
    cfg = replace(cfg, weights=weights)

    def path(value: Any) -> Path:
        p = Path(os.path.expanduser(str(value)))
        return p if p.is_absolute() else (base_dir / p)

    checkpoints = raw.get("checkpoints") or {}
    if not isinstance(checkpoints, Mapping):
        raise ConfigError("extra.clip_docs.checkpoints must map model names to files, e.g. {'ViT-B/32': 'ckpt.pt'}.")
    _check_models(list(checkpoints), "extra.clip_docs.checkpoints", allow_empty=True)
    cfg = replace(cfg, checkpoints={k: path(v) for k, v in checkpoints.items()})
    if "clip_cache" in raw:
        cfg = replace(cfg, clip_cache=path(raw["clip_cache"]))

    from gen import samples

    where = "extra.clip_docs.samples" if "samples" in raw else "extra.clip_docs.images"
    images, captions, distractors = samples.load(raw, lambda value: _check_image(path(value), where),
                                                 _default_pairs, DEFAULT_DISTRACTORS)
    cfg = replace(cfg, images=images, captions=captions, distractors=distractors)

    if raw.get("baseline"):
        baseline = path(raw["baseline"])
        if not baseline.exists():
            raise ConfigError(
                f"extra.clip_docs.baseline {str(baseline)!r} does not exist; give a Snapshot file or a folder written "
                f"by `python -m gen --snapshot-out DIR`, or remove the key."
            )
        wanted = [f"{archs.slug(name)}.json" for name in cfg.models]
        if baseline.is_dir() and not any((baseline / name).is_file() for name in wanted):
            raise ConfigError(
                f"extra.clip_docs.baseline {str(baseline)!r} holds no Snapshot of a documented model (looked for "
                f"{', '.join(wanted)}); point it at a folder written by `python -m gen --snapshot-out DIR` for these "
                f"models, or remove the key."
            )
        cfg = replace(cfg, baseline=baseline)
    cfg = replace(cfg, snapshots=_snapshots(raw, env, path))
    cache = env.get("CLIP_DOCS_CACHE") or raw.get("cache")
    if cache:
        cfg = replace(cfg, cache=path(cache))
    cfg = replace(
        cfg,
        seed=_whole(raw.get("seed", cfg.seed), "seed", 0, SEED_MAX, " (the range torch.manual_seed accepts)"),
        unfreeze_last=_check_unfreeze(raw.get("unfreeze_last", cfg.unfreeze_last), cfg.models),
        replacement_width=_whole(raw.get("replacement_width", cfg.replacement_width), "replacement_width", 1, None,
                                 " (the width of the new projection)"),
    )
    cfg = replace(cfg, fine_tuned=_fine_tuned(raw.get("fine_tuned"), path))
    return replace(cfg, jobs=_jobs(raw, env, cfg.jobs))


FINE_TUNED_KEYS = ("name", "model", "base", "checkpoint")
FINE_TUNED_EXAMPLE = "e.g. `- {name: HandCLIP, model: ViT-B/32, base: pretrained, checkpoint: path/to/handclip.pt}`"


def _fine_tuned(entries: Any, path) -> tuple[FineTunedPair, ...]:
    """extra.clip_docs.fine_tuned: a list of {name, model, base, checkpoint}; names (and their slugs) unique."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ConfigError(f"extra.clip_docs.fine_tuned is {entries!r}, not a list; give one entry per fine-tuned "
                          f"checkpoint, {FINE_TUNED_EXAMPLE}.")
    pairs: list[FineTunedPair] = []
    for i, entry in enumerate(entries):
        pair = _fine_tuned_entry(entry, f"extra.clip_docs.fine_tuned[{i}]", path)
        twin = next((p for p in pairs if p.slug == pair.slug), None)
        if twin is not None:
            same = "is used twice" if twin.name == pair.name else f"gives the same address as {twin.name!r}"
            raise ConfigError(f"extra.clip_docs.fine_tuned: the name {pair.name!r} {same} (fine-tuned/{pair.slug}/); "
                              f"give each fine-tuned checkpoint a name of its own.")
        pairs.append(pair)
    return tuple(pairs)


def _fine_tuned_entry(entry: Any, key: str, path) -> FineTunedPair:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{key} is {entry!r}, not a mapping; {FINE_TUNED_EXAMPLE}.")
    unknown = sorted(set(map(str, entry)) - set(FINE_TUNED_KEYS))
    missing = [k for k in ("name", "model", "checkpoint") if not entry.get(k)]
    if unknown or missing:
        what = "; ".join(part for part in (f"unknown key(s) {unknown}" if unknown else "",
                                           f"missing {missing}" if missing else "") if part)
        raise ConfigError(f"{key}: {what}. Its keys are {list(FINE_TUNED_KEYS)}, {FINE_TUNED_EXAMPLE}.")
    name = str(entry["name"]).strip()
    slug = archs.slug(name)
    if not slug:
        raise ConfigError(f"{key}.name {name!r} has no letter or digit for its address; give it a name such as HandCLIP.")
    model = _check_models([str(entry["model"])], f"{key}.model")[0]
    checkpoint = _existing(path(entry["checkpoint"]), f"{key}.checkpoint", "the fine-tuned checkpoint")
    base = entry.get("base", "pretrained")
    base = None if base == "pretrained" else _existing(path(base), f"{key}.base",
                                                      "the checkpoint it was fine-tuned from, or `pretrained`")
    return FineTunedPair(name=name, slug=slug, model=model, base=base, checkpoint=checkpoint)


def _existing(file: Path, key: str, what: str) -> Path:
    if not file.is_file():
        state = "is not a file" if file.exists() else "does not exist"
        raise ConfigError(f"{key} {str(file)!r} {state}; give the path of {what} (a TorchScript archive or a "
                          f"state dict), relative to mkdocs.yml or absolute.")
    return file


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inputs(cfg: Config):
    """What a capture runs on, as its Snapshot records it (gen.snapshot.Inputs): the one place this is derived."""
    from gen.snapshot import Inputs

    return Inputs(images=tuple(p.name for p in cfg.images), image_sha256=tuple(file_sha256(p) for p in cfg.images),
                  prompts=tuple(cfg.prompts), captions=tuple(cfg.captions), distractors=tuple(cfg.distractors),
                  unfreeze_last=cfg.unfreeze_last, replacement_width=cfg.replacement_width)

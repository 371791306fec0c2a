"""The sample batch from extra.clip_docs: image-caption pairs and distractor prompts (and the older keys)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from gen.errors import ConfigError

KEY = "extra.clip_docs"
EXAMPLE = "e.g. samples: [{image: photos/hand.jpg, caption: a photo of a hand}]"


def _texts(value: Any, key: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ConfigError(f"{KEY}.{key} must be a list of non-empty strings, got {value!r}.")
    return list(values)


def _pairs(samples: Any, resolve: Callable[[Any], Path]) -> tuple[list[Path], list[str]]:
    if not isinstance(samples, list) or not samples:
        raise ConfigError(f"{KEY}.samples must be a non-empty list of image-caption pairs ({EXAMPLE}).")
    images, captions = [], []
    for i, pair in enumerate(samples):
        if not isinstance(pair, Mapping) or set(pair) != {"image", "caption"}:
            raise ConfigError(f"{KEY}.samples[{i}] is {pair!r}; give exactly the keys image and caption ({EXAMPLE}).")
        caption = pair["caption"]
        if not isinstance(caption, str):
            raise ConfigError(f"{KEY}.samples[{i}] ({pair['image']}) has the caption {caption!r}, which YAML read as "
                              f"{type(caption).__name__}, not text; put it in quotes, e.g. caption: \"{caption}\".")
        if not caption.strip():
            raise ConfigError(f"{KEY}.samples[{i}] ({pair['image']}) has an empty caption; write what the image "
                              f"shows, e.g. caption: a photo of a hand.")
        images.append(resolve(pair["image"]))
        captions.append(caption)
    return images, captions


def _legacy(raw: Mapping[str, Any], resolve: Callable[[Any], Path]) -> tuple[list[Path], list[str], list[str]]:
    """images + prompts: image i is captioned by prompt i; the prompts left over are distractors."""
    images = [resolve(p) for p in ([raw["images"]] if isinstance(raw["images"], str) else raw["images"])]
    if "prompts" not in raw:
        raise ConfigError(f"{KEY}.images needs a caption per image: list them first under {KEY}.prompts "
                          f"(prompt i captions image i), or use {KEY}.samples ({EXAMPLE}).")
    prompts = _texts(raw["prompts"], "prompts")
    if len(prompts) < len(images):
        raise ConfigError(f"{KEY}.images has {len(images)} images but {KEY}.prompts only {len(prompts)} prompts; "
                          f"prompt i captions image i, so give at least one prompt per image (or use {KEY}.samples).")
    return images, prompts[:len(images)], prompts[len(images):]


def _check_unique(images: list[Path], texts: list[str]) -> None:
    names = [p.name for p in images]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"Two sample images are called {name!r}; pages name images by file name, so give "
                              f"each pair a different image (rename one file).")
    for text in texts:
        if texts.count(text) > 1:
            raise ConfigError(f"The prompt {text!r} appears twice among the captions and distractors; a prompt "
                              f"scores the same against every image twice over, so remove or reword one.")


def load(raw: Mapping[str, Any], resolve: Callable[[Any], Path], defaults: Callable[[], tuple],
         default_distractors: tuple[str, ...]) -> tuple[tuple[Path, ...], tuple[str, ...], tuple[str, ...]]:
    """(images, captions, distractors).  `samples` (+ `distractors`) is the way to give pairs; `images` with
    `prompts` pairs by position; `prompts` alone replaces the distractors of the default pairs."""
    if "samples" in raw and "images" in raw:
        raise ConfigError(f"{KEY} has both samples and images; keep samples (pairs) and remove images.")
    if "prompts" in raw and "distractors" in raw:
        raise ConfigError(f"{KEY} has both prompts and distractors; prompts is the older name: keep distractors.")
    distractors = list(default_distractors)
    if "samples" in raw:
        images, captions = _pairs(raw["samples"], resolve)
    elif raw.get("images"):
        images, captions, distractors = _legacy(raw, resolve)
    else:
        images, captions = (list(x) for x in defaults())
    if "distractors" in raw:
        distractors = _texts(raw["distractors"], "distractors") if raw["distractors"] else []
    elif "prompts" in raw and not raw.get("images"):
        distractors = _texts(raw["prompts"], "prompts")
    _check_unique(images, captions + distractors)
    return tuple(images), tuple(captions), tuple(distractors)

# The sample batch from extra.clip_docs: the default pairs, a user's own pairs, the older keys, and refused input.
from __future__ import annotations

import shutil

import pytest

from gen import config
from gen.errors import ConfigError


@pytest.fixture
def photos(tmp_path):
    """Two real photographs copied under names a user would give them."""
    for name, (package, source) in {"hand-1.jpg": ("matplotlib", "grace_hopper.jpg"),
                                    "hand-2.png": ("skimage", "chelsea.png")}.items():
        shutil.copy(config._sample_data(source, package), tmp_path / name)
    return tmp_path


def message(err) -> str:
    return " ".join(str(err.value).split())


def test_the_default_batch_is_several_photographs_with_captions_and_distractors():
    cfg = config.load({}, env={})
    assert len(cfg.images) >= 4 and len(cfg.captions) == len(cfg.images) and cfg.distractors
    assert {p.name for p in cfg.images} >= {"grace_hopper.jpg", "astronaut.png", "chelsea.png", "coffee.png"}
    assert any("skimage" in str(p) for p in cfg.images)
    assert cfg.prompts == cfg.captions + cfg.distractors


def test_a_users_own_pairs(photos):
    cfg = config.load({"samples": [{"image": "hand-1.jpg", "caption": "an open hand"},
                                   {"image": "hand-2.png", "caption": "a fist"}],
                       "distractors": ["a dog"]}, base_dir=photos, env={})
    assert [p.name for p in cfg.images] == ["hand-1.jpg", "hand-2.png"]
    assert cfg.captions == ("an open hand", "a fist") and cfg.distractors == ("a dog",)


def test_the_older_keys_pair_images_with_prompts_by_position(photos):
    cfg = config.load({"images": ["hand-1.jpg", "hand-2.png"], "prompts": ["one", "two", "three"]},
                      base_dir=photos, env={})
    assert cfg.captions == ("one", "two") and cfg.distractors == ("three",)
    only_prompts = config.load({"prompts": ["a dog"]}, env={})
    assert only_prompts.distractors == ("a dog",) and len(only_prompts.captions) >= 4


@pytest.mark.parametrize("raw, expected", [
    ({"samples": [{"image": "hand-1.jpg", "caption": " "}]}, "empty caption"),
    ({"samples": [{"image": "hand-1.jpg"}]}, "exactly the keys image and caption"),
    ({"samples": [{"image": "missing.jpg", "caption": "a hand"}]}, "does not exist"),
    ({"samples": [{"image": "hand-1.jpg", "caption": "a hand"}, {"image": "hand-2.png", "caption": "a hand"}]},
     "appears twice"),
    ({"samples": [{"image": "hand-1.jpg", "caption": "a hand"}], "distractors": ["a hand"]}, "appears twice"),
    ({"samples": [{"image": "hand-1.jpg", "caption": "a"}, {"image": "sub/hand-1.jpg", "caption": "b"}]},
     "called 'hand-1.jpg'"),
    ({"samples": [{"image": "hand-1.jpg", "caption": "a"}], "images": ["hand-1.jpg"]}, "both samples and images"),
    ({"prompts": ["a"], "distractors": ["b"]}, "both prompts and distractors"),
    ({"images": ["hand-1.jpg", "hand-2.png"], "prompts": ["one"]}, "at least one prompt per image"),
    ({"images": ["hand-1.jpg"]}, "needs a caption per image"),
])
def test_bad_batches_get_one_clear_message(photos, raw, expected):
    (photos / "sub").mkdir()
    shutil.copy(photos / "hand-1.jpg", photos / "sub" / "hand-1.jpg")
    with pytest.raises(ConfigError) as err:
        config.load(raw, base_dir=photos, env={})
    assert expected in message(err)


def test_a_caption_too_long_for_the_context_names_where_to_shorten_it():
    from gen.capture import check_prompts

    with pytest.raises(ConfigError) as err:
        check_prompts(("a photo of a hand " * 20,), 77)
    assert "102 tokens" in message(err) and "extra.clip_docs.samples" in message(err)

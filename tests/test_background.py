# The second build process: same files as a one-process build, its logs reach MkDocs, its failure is one clear error.
from __future__ import annotations

import functools
import logging
import os

import pytest

from gen import build, config
from gen.background import Background
from gen.errors import CaptureError, ConfigError
from gen.store import Store
from helpers import tiny_extra


def test_two_processes_make_the_same_files_as_one(tmp_path, fake_capture, monkeypatch):
    """The catalog and the plots come from the second process; the pages must not tell."""
    started = []
    real_init = Background.__init__

    def recording_init(self):
        started.append(1)
        real_init(self)

    monkeypatch.setattr(Background, "__init__", recording_init)
    one = build.generate(config.load(tiny_extra(tmp_path / "one", jobs=1), base_dir=tmp_path, env={}))
    assert started == []
    two = build.generate(config.load(tiny_extra(tmp_path / "two", jobs=2), base_dir=tmp_path, env={}))
    assert started == [1], "a build that captures, allowed two processes, did not start the second one"
    assert sorted(two) == sorted(one)
    assert [path for path in one if one[path] != two[path]] == []
    assert any(p.suffix == ".svg" for p in Store(tmp_path / "two").entries("plots")), "the second process drew no plot"


def test_second_process_logs_reach_the_main_loggers(caplog):
    background = Background()
    try:
        warn = functools.partial(logging.getLogger("mkdocs.plugins.gen.test").warning, "drawn in the %s process", "second")
        with caplog.at_level(logging.INFO):
            background.result(background.submit(warn))
    finally:
        background.close()
    # close() stops the listener only after the records the job wrote before its result
    messages = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert ("mkdocs.plugins.gen.test", logging.WARNING, "drawn in the second process") in messages


def test_a_second_process_that_dies_is_one_clear_error():
    background = Background()
    try:
        job = background.submit(os._exit, 3)
        with pytest.raises(CaptureError, match=r"CLIP_DOCS_JOBS=1") as err:
            background.result(job)
        assert "stopped unexpectedly" in str(err.value)
    finally:
        background.close()


@pytest.mark.parametrize("raw, env, named", [
    ({"jobs": 0}, {}, "extra.clip_docs.jobs"),
    ({"jobs": "two"}, {}, "extra.clip_docs.jobs"),
    ({"jobs": True}, {}, "extra.clip_docs.jobs"),
    ({}, {"CLIP_DOCS_JOBS": "many"}, "CLIP_DOCS_JOBS"),
    ({}, {"CLIP_DOCS_JOBS": "0"}, "CLIP_DOCS_JOBS"),
])
def test_bad_jobs_setting_names_the_fix(tmp_path, raw, env, named):
    with pytest.raises(ConfigError) as err:
        config.load({**tiny_extra(tmp_path), **raw}, base_dir=tmp_path, env=env)
    assert named in str(err.value) and "1 or more" in str(err.value)


def test_jobs_from_the_environment(tmp_path):
    assert config.load(tiny_extra(tmp_path), base_dir=tmp_path, env={"CLIP_DOCS_JOBS": "1"}).jobs == 1
    assert config.load(tiny_extra(tmp_path, jobs=3), base_dir=tmp_path, env={}).jobs == 3
    assert config.load(tiny_extra(tmp_path), base_dir=tmp_path, env={}).jobs == (os.cpu_count() or 1)

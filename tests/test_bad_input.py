# Bad input stops the build with one message that names the fix; the CLI exits 2 and leaves --out alone.
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from gen import archs, build, config
from gen.errors import ConfigError, RenderError
from gen.render import env as render_env
from gen.render import site
from helpers import REPO, env_without_clip_docs, normalise, run, tiny_extra


def one_line(err: BaseException) -> str:
    message = str(err)
    assert "\n" not in message.strip(), f"expected one message, got:\n{message}"
    return message


def write_mkdocs_yml(folder: Path, clip_docs: dict) -> Path:
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump({"site_name": "bad input test", "extra": {"clip_docs": clip_docs}}))
    return path


def run_cli(tmp_path: Path, clip_docs: dict, out: Path, path_env: str | None = None, **env: str):
    cfg = write_mkdocs_yml(tmp_path, clip_docs)
    environ = env_without_clip_docs(CLIP_DOCS_CACHE=str(tmp_path / "cache"), **env)
    if path_env is not None:
        environ["PATH"] = path_env
    return run(["-m", "gen", "--config", str(cfg), "--out", str(out)], environ, timeout=120)


def assert_cli_error(proc, *needles: str) -> str:
    assert proc.returncode == 2, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), f"expected one `error:` line, got:\n{proc.stderr}"
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    assert proc.stdout == ""
    return lines[0]


# --- configuration -------------------------------------------------------------------------------------------

def test_unknown_model_lists_the_available_ones(tmp_path):
    with pytest.raises(ConfigError) as err:
        config.load({"models": ["ViT-B/33"]}, base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert "'ViT-B/33'" in message
    assert "extra.clip_docs.models" in message
    for name in archs.KNOWN:
        assert repr(name) in message, f"{name} missing from {message!r}"


def test_unknown_model_in_environment_via_cli(tmp_path):
    out = tmp_path / "out"
    proc = run_cli(tmp_path, {"weights": "random"}, out, CLIP_DOCS_MODELS="ViT-B/32,RN51")
    line = assert_cli_error(proc, "'RN51'", "CLIP_DOCS_MODELS", "available models", *map(repr, archs.KNOWN))
    assert "Traceback" not in line
    assert not out.exists(), "--out was created although the configuration was refused"
    assert list(tmp_path.glob(".out*")) == [], "a staging folder was left behind"


def test_failed_mkdocs_build_leaves_the_existing_site(tmp_path):
    """The hook runs the generator before MkDocs cleans site/: a refused configuration changes nothing there."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "index.html").write_text("the previous build")
    env = env_without_clip_docs(CLIP_DOCS_MODELS="ViT-B/99", CLIP_DOCS_CACHE=str(tmp_path / "cache"))
    proc = run(["-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml"), "-d", str(site_dir)], env, timeout=120)
    assert proc.returncode != 0
    assert "Unknown CLIP model 'ViT-B/99'" in proc.stderr and "available models" in proc.stderr, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert [p.name for p in site_dir.iterdir()] == ["index.html"]
    assert (site_dir / "index.html").read_text() == "the previous build"


def test_unknown_key_names_the_known_ones(tmp_path):
    with pytest.raises(ConfigError) as err:
        config.load({"model": ["ViT-B/32"]}, base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert "'model'" in message and "extra.clip_docs" in message
    assert "'models'" in message, "the message should list the known keys, including the likely intended one"


def test_keys_named_as_known_are_accepted(tmp_path):
    """The unknown-key message lists the known keys; none of those may itself be refused as unknown."""
    with pytest.raises(ConfigError) as err:
        config.load({"modelz": ["ViT-B/32"]}, base_dir=tmp_path, env={})
    listed = re.findall(r"'([a-z_]+)'", str(err.value).split("known keys are", 1)[1])
    assert "models" in listed
    contradicted = []
    for key in listed:
        try:
            config.load({key: None}, base_dir=tmp_path, env={})
        except Exception as other:  # a bad value is fine here; only "unknown key" contradicts the list
            if "Unknown key" in str(other):
                contradicted.append(key)
    assert contradicted == [], f"listed as known, then refused as unknown: {contradicted}"


def test_bad_weights_mode_from_environment(tmp_path):
    with pytest.raises(ConfigError) as err:
        config.load({}, base_dir=tmp_path, env={"CLIP_DOCS_WEIGHTS": "random-ish"})
    message = one_line(err.value)
    assert "CLIP_DOCS_WEIGHTS" in message and "'random-ish'" in message
    for mode in config.WEIGHT_MODES:
        assert repr(mode) in message


def test_missing_sample_image(tmp_path):
    with pytest.raises(ConfigError) as err:
        config.load({"images": ["photos/hand.jpg"]}, base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert str(tmp_path / "photos" / "hand.jpg") in message, "the message should give the path it looked at"
    assert "does not exist" in message and "JPEG or PNG" in message


def test_sample_image_that_is_not_an_image(tmp_path):
    fake = tmp_path / "x.jpg"
    fake.write_text("this is not a JPEG\n")
    with pytest.raises(ConfigError) as err:
        config.load({"images": ["x.jpg"]}, base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert str(fake) in message
    assert "not an image" in message and "JPEG or PNG" in message


def test_prompt_longer_than_the_context(tmp_path):
    long_prompt = "a photo of a hand " * 20  # 100 BPE tokens, plus start and end
    cfg = config.load(tiny_extra(tmp_path / "cache", prompts=["a dog", long_prompt]), base_dir=tmp_path, env={})
    with pytest.raises(ConfigError) as err:
        build.generate(cfg)
    message = one_line(err.value)
    assert "102 tokens" in message and "77" in message
    assert "extra.clip_docs.prompts" in message
    assert not list((tmp_path / "cache").glob("snapshots/*")), "nothing should be cached for a refused prompt"


# --- Graphviz ----------------------------------------------------------------------------------------------

def path_without_dot() -> str:
    """PATH minus every folder holding `dot`, with this Python's bin folder first."""
    keep = [str(Path(sys.executable).parent)]
    keep += [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "dot").exists()]
    path = os.pathsep.join(keep)
    assert shutil.which("dot", path=path) is None
    return path


def test_missing_dot_says_how_to_install_graphviz(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.md").write_text("an earlier build\n")
    proc = run_cli(tmp_path, {"weights": "random", "compare": []}, out, path_env=path_without_dot())
    assert_cli_error(proc, "`dot`", "Graphviz", "apt-get install graphviz")
    assert sorted(p.name for p in out.iterdir()) == ["keep.md"], "the existing --out folder was changed"
    assert (out / "keep.md").read_text() == "an earlier build\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


# --- templates ---------------------------------------------------------------------------------------------

def test_undefined_template_variable_names_template_and_variable(tiny_snapshot, tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    shutil.copytree(render_env.TEMPLATES, templates)
    target = templates / "projections.md.j2"
    lines = target.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "{% block body %}" in line) + 1
    lines.insert(at, "The width is {{ no_such_value }}.\n")
    target.write_text("".join(lines))
    monkeypatch.setattr(render_env, "TEMPLATES", templates)

    snap = normalise(tiny_snapshot)
    with pytest.raises(RenderError) as err:
        site.site({snap.model.name: snap}, [snap.model.name], [], None)
    message = one_line(err.value)
    assert f"projections.md.j2, line {at + 1}" in message, message
    assert "no_such_value" in message

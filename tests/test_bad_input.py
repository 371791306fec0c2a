# Bad input stops the build with one message that names the fix; the CLI exits 2 and leaves --out alone.
from __future__ import annotations

import errno
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from gen import archs, build, config, folders
from gen.build import OUTPUT_MARKER
from gen.errors import CacheError, ConfigError, RenderError
from gen.render import env as render_env
from gen.store import Store
from gen.render import site
from helpers import REPO, earlier_output, env_without_clip_docs, normalise, project_folder, run, tiny_extra


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


def test_failed_mkdocs_build_leaves_the_existing_site(tmp_path):
    """MkDocs builds into a staging folder made in on_config; a configuration refused later, in on_pre_build,
    changes nothing in site/ and leaves no staging folder beside it."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "index.html").write_text("the previous build")
    env = env_without_clip_docs(CLIP_DOCS_MODELS="ViT-B/99", CLIP_DOCS_CACHE=str(tmp_path / "cache"))
    proc = run(["-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml"), "-d", str(site_dir)], env, timeout=120)
    assert proc.returncode == 1
    assert "Unknown CLIP model 'ViT-B/99'" in proc.stderr and "available models" in proc.stderr, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert [p.name for p in site_dir.iterdir()] == ["index.html"]
    assert (site_dir / "index.html").read_text() == "the previous build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "a staging folder was left behind"


def test_a_diff_pair_of_one_model_is_refused_before_capture(tmp_path):
    with pytest.raises(ConfigError) as err:
        config.load({"diffs": [["ViT-B/32", "ViT-B/16"], ["RN50", "RN50"]]}, base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert "extra.clip_docs.diffs compares RN50 with itself" in message and "two different models" in message


def test_a_baseline_folder_without_a_snapshot_of_a_documented_model_is_refused(tmp_path):
    (tmp_path / "earlier").mkdir()
    (tmp_path / "earlier" / "rn101.json").write_text("{}")
    with pytest.raises(ConfigError) as err:
        config.load({"models": ["ViT-B/32", "RN50"], "baseline": "earlier"}, base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert "holds no Snapshot of a documented model" in message and "vit-b-32.json, rn50.json" in message
    assert "--snapshot-out" in message


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


def test_sample_image_that_is_a_folder_and_a_caption_that_is_a_number(tmp_path):
    (tmp_path / "photos").mkdir()
    with pytest.raises(ConfigError) as err:
        config.load({"images": ["photos"]}, base_dir=tmp_path, env={})
    assert "'" + str(tmp_path / "photos") + "' in extra.clip_docs.images is a folder" in one_line(err.value)
    with pytest.raises(ConfigError) as err:
        config.load({"samples": [{"image": "photos/a.jpg", "caption": 42}]}, base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert "has the caption 42, which YAML read as int, not text" in message and 'caption: "42"' in message


def test_sample_image_that_is_not_an_image(tmp_path):
    fake = tmp_path / "x.jpg"
    fake.write_text("this is not a JPEG\n")
    with pytest.raises(ConfigError) as err:
        config.load({"images": ["x.jpg"]}, base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert str(fake) in message
    assert "not an image" in message and "JPEG or PNG" in message


def test_prompt_longer_than_the_context(tmp_path, monkeypatch):
    """Found by tokenizing before any model is loaded."""
    from gen.capture import load as loader

    loads = []
    monkeypatch.setattr(loader, "load", lambda *args, **kwargs: loads.append(args) or pytest.fail("model loaded"))
    long_prompt = "a photo of a hand " * 20  # 100 BPE tokens, plus start and end
    cfg = config.load(tiny_extra(tmp_path / "cache", prompts=["a dog", long_prompt]), base_dir=tmp_path, env={})
    with pytest.raises(ConfigError) as err:
        build.generate(cfg)
    assert loads == []
    message = one_line(err.value)
    assert "102 tokens" in message and "77" in message
    assert "extra.clip_docs.prompts" in message
    assert not Store(tmp_path / "cache").entries("snapshots"), "nothing should be cached for a refused prompt"


# --- Graphviz ----------------------------------------------------------------------------------------------

def path_without_dot() -> str:
    """PATH minus every folder holding `dot`, with this Python's bin folder first."""
    keep = [str(Path(sys.executable).parent)]
    keep += [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "dot").exists()]
    path = os.pathsep.join(keep)
    assert shutil.which("dot", path=path) is None
    return path


def test_missing_dot_says_how_to_install_graphviz(tmp_path):
    out = earlier_output(tmp_path / "out", {"keep.md": b"an earlier build\n"})
    proc = run_cli(tmp_path, {"weights": "random", "compare": []}, out, path_env=path_without_dot())
    assert_cli_error(proc, "`dot`", "Graphviz", "apt-get install graphviz")
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "keep.md"], "the existing --out folder was changed"
    assert (out / "keep.md").read_text() == "an earlier build\n"


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


# --- settings out of range, and malformed values -----------------------------------------------------------

def test_clip_docs_given_as_a_string(tmp_path):
    with pytest.raises(ConfigError) as err:
        config.load("ViT-B/32", base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert "extra.clip_docs" in message and "'ViT-B/32'" in message and "not a mapping" in message


def test_clip_docs_given_as_a_string_via_cli(tmp_path):
    yml = tmp_path / "mkdocs.yml"
    yml.write_text("site_name: x\nextra:\n  clip_docs: ViT-B/32\n")
    out = tmp_path / "out"
    proc = run(["-m", "gen", "--config", str(yml), "--out", str(out)], env_without_clip_docs(), timeout=120)
    assert_cli_error(proc, "extra.clip_docs", "not a mapping")
    assert not out.exists()


@pytest.mark.parametrize("yaml_value", ["1e23", "1.0e+23", "18446744073709551616", "-1", "0.5", "true"])
def test_seed_outside_torchs_range(tmp_path, yaml_value):
    """Read through YAML as mkdocs.yml is: `1e23` is a string there, `1.0e+23` a float, 2**64 an int too big."""
    raw = yaml.safe_load(f"seed: {yaml_value}")
    with pytest.raises(ConfigError) as err:
        config.load(tiny_extra(tmp_path, **raw), base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert "extra.clip_docs.seed" in message and f"from 0 to {2**64 - 1}" in message and "torch.manual_seed" in message


def test_largest_seed_is_accepted(tmp_path):
    assert config.load(tiny_extra(tmp_path, seed=2**64 - 1), base_dir=tmp_path, env={}).seed == 2**64 - 1


@pytest.mark.parametrize("value", ["²", "٣", "1.5", "-2", " "])  # " ": set, but to nothing
def test_jobs_from_the_environment_must_be_ascii_digits(tmp_path, value):
    """str.isdigit() accepts '²' and '٣'; int() then fails or takes a digit of another script."""
    env = {"CLIP_DOCS_JOBS": value}
    with pytest.raises(ConfigError) as err:
        config.load(tiny_extra(tmp_path), base_dir=tmp_path, env=env)
    message = one_line(err.value)
    assert "CLIP_DOCS_JOBS" in message and repr(value) in message and "1 or more" in message


@pytest.mark.parametrize("models, value, bound, name", [
    (["ViT-B/32"], 50, 12, "ViT-B/32"),
    (["ViT-B/32"], 13, 12, "ViT-B/32"),
    (["ViT-B/32"], 0, 12, "ViT-B/32"),
    (["ViT-L/14", "RN50"], 4, 3, "RN50"),   # ResNets unfreeze blocks of layer4: RN50 has 3
    (["RN50x64"], 11, 10, "RN50x64"),
])
def test_unfreeze_last_within_the_image_blocks(tmp_path, models, value, bound, name):
    with pytest.raises(ConfigError) as err:
        config.load(tiny_extra(tmp_path, models=models, unfreeze_last=value), base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert "extra.clip_docs.unfreeze_last" in message and f"is {value}" in message
    assert f"from 1 to {bound}" in message and name in message


@pytest.mark.parametrize("models, value", [(["ViT-B/32"], 12), (["RN50"], 3), (["ViT-L/14", "RN50"], 1)])
def test_unfreeze_last_at_the_bound_is_accepted(tmp_path, models, value):
    cfg = config.load(tiny_extra(tmp_path, models=models, unfreeze_last=value), base_dir=tmp_path, env={})
    assert cfg.unfreeze_last == value


@pytest.mark.parametrize("value", [0, -3, 2.5, "256"])
def test_replacement_width_at_least_one(tmp_path, value):
    with pytest.raises(ConfigError) as err:
        config.load(tiny_extra(tmp_path, replacement_width=value), base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert "extra.clip_docs.replacement_width" in message and "1 or more" in message


def test_truncated_jpeg_is_refused_before_capture(tmp_path):
    """verify() passes a JPEG whose end is missing; decoding it does not."""
    from PIL import Image

    whole = config._sample_data("grace_hopper.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    with Image.open(cut) as im:
        im.verify()  # the check that let it through before
    with pytest.raises(ConfigError) as err:
        config.load(tiny_extra(tmp_path / "cache", images=["cut.jpg"], prompts=["a cut photo"]), base_dir=tmp_path, env={})
    message = one_line(err.value)
    assert str(cut) in message and "not an image Pillow can read completely" in message and "truncated" in message


def test_missing_config_file_for_the_cli(tmp_path):
    missing = tmp_path / "nowhere" / "mkdocs.yml"
    proc = run(["-m", "gen", "--config", str(missing), "--out", str(tmp_path / "out")], env_without_clip_docs(),
               timeout=120)
    line = assert_cli_error(proc, str(missing), "No such file or directory", "--config")
    assert "Traceback" not in proc.stderr, line


def test_config_file_that_is_not_yaml(tmp_path):
    yml = tmp_path / "mkdocs.yml"
    yml.write_text("extra: [unclosed\n")
    proc = run(["-m", "gen", "--config", str(yml), "--out", str(tmp_path / "out")], env_without_clip_docs(), timeout=120)
    assert_cli_error(proc, str(yml), "not valid YAML", "--config")


# --- folders that cannot be used ---------------------------------------------------------------------------

def test_cache_path_that_is_a_file_fails_before_capture(tmp_path, fake_capture):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder\n")
    cfg = config.load(tiny_extra(blocker), base_dir=tmp_path, env={})
    with pytest.raises(CacheError) as err:
        build.generate(cfg)
    message = one_line(err.value)
    assert str(blocker) in message and "is a file, not a folder" in message and "CLIP_DOCS_CACHE" in message
    assert fake_capture == [], "captured before finding that the cache cannot be written"
    assert blocker.read_text() == "not a folder\n"


def test_cache_path_that_is_a_file_via_cli(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder\n")
    out = earlier_output(tmp_path / "out", {"keep.md": b"earlier\n"})
    proc = run_cli(tmp_path, {"weights": "random"}, out)  # run_cli points CLIP_DOCS_CACHE at tmp_path/cache
    assert_cli_error(proc, str(blocker), "is a file, not a folder", "CLIP_DOCS_CACHE")
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "keep.md"]
    assert (out / "keep.md").read_text() == "earlier\n"


def test_unwritable_cache_fails_a_fully_warm_build_with_one_message(tmp_path, fake_capture, monkeypatch):
    """A warm build used to crash on touch(); now the folder is checked first (EACCES simulated: tests may run as root)."""
    cfg = config.load(tiny_extra(tmp_path / "cache", jobs=1), base_dir=tmp_path, env={})
    build.generate(cfg)
    before = tree(cfg.cache)
    real = folders.tempfile.mkstemp

    def refused(*args, dir=None, **kwargs):
        if Path(dir).resolve().is_relative_to(cfg.cache.resolve()):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(folders.tempfile, "mkstemp", refused)
    with pytest.raises(CacheError) as err:
        build.generate(cfg)
    message = one_line(err.value)
    assert str(cfg.cache) in message and "Permission denied" in message and "CLIP_DOCS_CACHE" in message
    assert tree(cfg.cache) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; the simulated test above runs")
def test_read_only_cache_folder(tmp_path, fake_capture):
    cfg = config.load(tiny_extra(tmp_path / "cache", jobs=1), base_dir=tmp_path, env={})
    build.generate(cfg)
    cfg.cache.chmod(0o555)
    try:
        with pytest.raises(CacheError, match="Permission denied"):
            build.generate(cfg)
    finally:
        cfg.cache.chmod(0o755)


def test_output_that_is_a_file(tmp_path):
    out = tmp_path / "out"
    out.write_text("a file\n")
    proc = run_cli(tmp_path, {"weights": "random"}, out)
    assert_cli_error(proc, str(out), "is a file, not a folder", "--out")
    assert out.read_text() == "a file\n"
    assert not (tmp_path / "cache").exists(), "work started before the output was checked"


def test_full_disk_while_writing_the_output_keeps_the_old_one(tmp_path, fake_capture, monkeypatch, capsys):
    """`python -m gen` in this process: the disk fills after the staging folder is made and half written."""
    from gen.__main__ import main

    out = earlier_output(tmp_path / "out", {"keep.md": b"earlier\n"})
    yml = write_mkdocs_yml(tmp_path, tiny_extra(tmp_path / "cache", jobs=1))
    real = Path.write_bytes
    written = []

    def filling(self, data):
        if self.is_relative_to(tmp_path) and ".staging" in str(self):
            if len(written) == 5:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written.append(self)
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", filling)
    assert main(["--config", str(yml), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "No space left on device" in lines[0] and str(out) in lines[0], err
    assert "Traceback" not in err
    assert len(written) == 5, "the failure did not come after the staging folder was in use"
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "keep.md"]
    assert (out / "keep.md").read_text() == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "mkdocs.yml", "out"], "staging folder left behind"


# --- templates ---------------------------------------------------------------------------------------------

def test_filter_error_in_a_template_names_template_and_line(tiny_snapshot, tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    shutil.copytree(render_env.TEMPLATES, templates)
    target = templates / "projections.md.j2"
    lines = target.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "{% block body %}" in line) + 1
    lines.insert(at, "Width: {{ model.name | num }}.\n")  # `num` formats numbers; a name makes it raise ValueError
    target.write_text("".join(lines))
    monkeypatch.setattr(render_env, "TEMPLATES", templates)

    snap = normalise(tiny_snapshot)
    with pytest.raises(RenderError) as err:
        site.site({snap.model.name: snap}, [snap.model.name], [], None)
    message = one_line(err.value)
    assert f"projections.md.j2, line {at + 1}" in message and "ValueError" in message, message


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_out_at_a_folder_the_generator_did_not_write_deletes_nothing(tmp_path):
    """`python -m gen --out .` in a project once replaced the project, .git included."""
    project = project_folder(tmp_path / "project")
    proc = run_cli(tmp_path, {"weights": "random"}, project)
    assert_cli_error(proc, "--out", str(project), "did not write", "Give a new or empty folder")
    assert sorted(p.name for p in project.iterdir()) == [".git", "thesis.tex"]
    assert (project / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"


def test_ctrl_c_stops_with_one_line_and_leaves_the_output(tmp_path):
    """SIGINT while capturing: no KeyboardInterrupt traceback, exit 130, the earlier --out untouched."""
    import signal
    import subprocess

    out = earlier_output(tmp_path / "out", {"keep.md": b"earlier\n"})
    yml = write_mkdocs_yml(tmp_path, {"weights": "random", "models": ["ViT-B/32"], "compare": [], "diffs": [],
                                      "jobs": 1})
    env = env_without_clip_docs(CLIP_DOCS_CACHE=str(tmp_path / "cache"))
    proc = subprocess.Popen([sys.executable, "-m", "gen", "--config", str(yml), "--out", str(out)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:  # wait until the capture runs
        seen.append(line)
        if "Capturing ViT-B/32" in line:
            break
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=120)
    err = "".join(seen) + rest
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1] == "stopped (Ctrl-C): an output folder not yet complete was left as it was before"
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "keep.md"]
    assert [p.name for p in tmp_path.iterdir() if ".staging" in p.name] == []

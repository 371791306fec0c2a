# The all-models workflow captures each variant in its own job and renders them together, as the README says.
from __future__ import annotations

import shlex

import yaml

from gen import archs
from helpers import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def runs(job: dict) -> list[list[str]]:
    return [shlex.split(step["run"]) for step in job["steps"] if "run" in step and "\n" not in step["run"].strip()]


def test_one_capture_job_per_model_uploads_its_snapshots():
    job = load("all-models.yml")["jobs"]["capture"]
    assert sorted(job["strategy"]["matrix"]["model"]) == sorted(archs.available_models())
    capture = next(s for s in job["steps"] if "--snapshot-out" in s.get("run", ""))
    assert capture["env"]["CLIP_DOCS_MODELS"] == "${{ matrix.model }}"
    folder = shlex.split(capture["run"])[-1]
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"].rstrip("/") == folder
    assert upload["with"]["name"].startswith("snapshot-")


def test_one_job_renders_the_downloaded_snapshots_of_all_models():
    data = load("all-models.yml")
    job = data["jobs"]["publish"]
    assert job["needs"] == "capture" and job["env"]["CLIP_DOCS_MODELS"] == "all"
    download = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"]["pattern"] == "snapshot-*" and download["with"]["merge-multiple"] is True
    assert download["with"]["path"] == job["env"]["CLIP_DOCS_SNAPSHOTS"]
    builds = [cmd for cmd in runs(job) if cmd[:2] == [".venv/bin/properdocs", "build"]]
    assert builds and all("--strict" in cmd for cmd in builds)
    # the weights mode the Snapshots were captured with is the one the rendering build checks them against
    assert data["env"]["CLIP_DOCS_WEIGHTS"] == "pretrained"


def test_workflows_install_cpu_only_torch():
    for name in ("all-models.yml", "docs.yml", "tests.yml"):
        text = (WORKFLOWS / name).read_text(encoding="utf-8")
        assert "TORCH_INDEX_URL: https://download.pytorch.org/whl/cpu" in text, name
    assert "TORCH_INDEX_URL" in (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")

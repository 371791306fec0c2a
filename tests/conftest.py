# Shared fixtures: the tiny CLIP Snapshot captured once per session, its rendered site, and the golden-file checker.
from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from gen import config

from golden_compare import ABS_TOL, REL_TOL, compare_json_text, compare_text
from helpers import (GOLDEN_COMMAND, GOLDENS, REPO, SOURCE_DATE_EPOCH, capture_tiny, capture_tiny_resnet,
                     env_without_clip_docs, html_text, mkdocs_build, normalise, render_tiny, run, tiny_extra)


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite tests/goldens/ from the current output (same as UPDATE_GOLDENS=1)")


@pytest.fixture(scope="session", autouse=True)
def fixed_capture_time():
    """Captures record SOURCE_DATE_EPOCH as their time; fix it for the whole run (subprocesses inherit it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        yield


@pytest.fixture(scope="session")
def tiny_cfg(tmp_path_factory):
    return config.load(tiny_extra(tmp_path_factory.mktemp("tiny-cache")), env={})


@pytest.fixture(scope="session")
def tiny_snapshot(tiny_cfg):
    """The tiny ViT CLIP, captured once (random weights, seed 0, default sample image, two prompts)."""
    return capture_tiny(tiny_cfg)


@pytest.fixture(scope="session")
def resnet_cfg(tmp_path_factory):
    """The tiny ResNet's configuration: one unfrozen bottleneck, the documented model a ResNet."""
    return config.load(tiny_extra(tmp_path_factory.mktemp("tiny-rn-cache"), models=["RN50"], unfreeze_last=1), env={})


@pytest.fixture(scope="session")
def tiny_resnet_snapshot(resnet_cfg):
    """A tiny modified-ResNet CLIP, captured once for every test that needs one (random weights, seed 0)."""
    return capture_tiny_resnet(resnet_cfg)


@pytest.fixture(scope="session")
def tiny_files(tiny_cfg, tiny_snapshot):
    """Every generated file of the tiny site: gen.build.generate with a real `dot` and a fresh figure cache.

    Rendered from the normalised Snapshot so that pages do not depend on installed versions.
    """
    return render_tiny(tiny_cfg, normalise(tiny_snapshot))


@pytest.fixture(scope="session")
def tiny_resnet_files(resnet_cfg, tiny_resnet_snapshot):
    """Every generated file of the tiny ResNet's site, rendered once like tiny_files."""
    return render_tiny(resnet_cfg, normalise(tiny_resnet_snapshot))


@pytest.fixture
def fake_capture(monkeypatch, tiny_snapshot):
    """Stands in for gen.capture.take_snapshot (build.snapshots imports it lazily) and records its calls."""
    calls = []

    def take_snapshot(plan, cfg, scope="full", arch=None):
        calls.append((plan.model, scope))
        return tiny_snapshot

    import gen.capture

    monkeypatch.setattr(gen.capture, "take_snapshot", take_snapshot)
    return calls



class Goldens:
    """Compares output with a file under tests/goldens/ (see golden_compare for the tolerance), or rewrites it.

    Update mode rewrites only the goldens that no longer match within the tolerance, so that regenerating on
    another machine does not churn every float's last bits, and it fails each test it rewrote: a run with
    UPDATE_GOLDENS=1 never passes silently (pytest_sessionfinish below fails the whole run as well).
    """

    def __init__(self, update: bool, root: Path = GOLDENS):
        self.update = update
        self.root = root
        self.rewritten: list[str] = []

    def check_text(self, name: str, actual: str) -> None:
        """Markdown and DOT: text with numbers masked exactly, the numbers pairwise within the tolerance."""
        self._check(name, actual, lambda golden: compare_text(golden, actual, name))

    def check_json(self, name: str, actual: str) -> None:
        """Snapshot JSON: the structure walked, integers, strings and shapes exact, floats within the tolerance."""
        self._check(name, actual, lambda golden: compare_json_text(golden, actual))

    def _check(self, name: str, actual: str, compare) -> None:
        path = self.root / name
        mismatches = compare(path.read_text(encoding="utf-8")) if path.is_file() else None
        if self.update:
            if mismatches == []:
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            self.rewritten.append(name)
            pytest.fail(f"UPDATE_GOLDENS: rewrote golden {name}; read `git diff tests/goldens` before committing, "
                        "then run the tests again without UPDATE_GOLDENS", pytrace=False)
        shown_path = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        assert mismatches is not None, (f"golden {shown_path} is missing; create it with: "
                                        f"{GOLDEN_COMMAND}")
        if mismatches:
            expected = path.read_text(encoding="utf-8")
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                f"golden/{name}", f"now/{name}", n=2))
            lines = [line if len(line) <= 240 else line[:240] + " [...]" for line in diff.splitlines()]
            shown = "\n".join(lines[:80]) + (f"\n... ({len(lines) - 80} more diff lines)" if len(lines) > 80 else "")
            listed = "\n".join(f"  {m}" for m in mismatches[:20]) + (
                f"\n  ... and {len(mismatches) - 20} more" if len(mismatches) > 20 else "")
            pytest.fail(f"output differs from golden {name} beyond the tolerance (relative {REL_TOL:g}, absolute "
                        f"{ABS_TOL:g} for floats; text, integers and shapes exact); if the change is intended, "
                        f"regenerate with: {GOLDEN_COMMAND} and read the diff before committing.\n"
                        f"{listed}\n{shown}", pytrace=False)


def update_mode(config) -> bool:
    return bool(config.getoption("--update-goldens")) or os.environ.get("UPDATE_GOLDENS") == "1"


@pytest.fixture(scope="session")
def goldens(request) -> Goldens:
    return Goldens(update_mode(request.config))


def pytest_sessionfinish(session, exitstatus):
    """In update mode the run fails even when every golden already matched: it cannot pass for a checked run."""
    if update_mode(session.config) and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if update_mode(config):
        terminalreporter.write_line("UPDATE_GOLDENS / --update-goldens: goldens were rewritten where they no longer "
                                    "matched, and the run is reported as failed whatever else passed. Read "
                                    "`git diff tests/goldens`, then run the tests again without it.", red=True)


# The default site, built once per session for the integration, manifest and browser tests.
class Built:
    def __init__(self, root: Path):
        self.root = root
        self.site = root / "site"

    def html(self, rel: str) -> str:
        path = self.site / rel / "index.html"
        assert path.is_file(), f"{rel}/ was not built"
        return path.read_text(encoding="utf-8")

    def text(self, rel: str) -> str:
        return html_text(self.html(rel))




@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("integration")
    cold, cold_s = mkdocs_build(root)
    print(f"cold properdocs build: {cold_s:.1f} s")
    assert cold.returncode == 0, f"cold build failed:\n{cold.stderr[-6000:]}"
    b = Built(root)
    b.cold_log = cold.stderr
    b.cold_files = sorted(str(p.relative_to(b.site)) for p in b.site.rglob("*.html"))
    warm, warm_s = mkdocs_build(root, "-X", "importtime")
    print(f"warm properdocs build: {warm_s:.1f} s")
    assert warm.returncode == 0, f"warm build failed:\n{warm.stderr[-6000:]}"
    b.warm_log = warm.stderr
    return b

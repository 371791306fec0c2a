# The GitHub workflows pass actionlint (with shellcheck) and zizmor offline, pin actions by commit, and test as CI does.
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent  # actionlint, shellcheck and zizmor come from requirements-tests.txt
PINNED = re.compile(r"^\s*-?\s*uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+)*\s*$")


def tool(name: str) -> str:
    path = BIN / name
    assert path.is_file(), f"{name} is not installed next to {sys.executable}: run `bash scripts/setup.sh`"
    return str(path)


def lint(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_there_are_workflows_to_lint():
    assert {p.name for p in WORKFLOWS} >= {"docs.yml", "tests.yml"}


def test_actionlint_reports_nothing():
    # shellcheck is the pinned one from requirements-tests.txt, so every machine checks the run: scripts alike;
    # pyflakes is off (no workflow runs inline Python), so an installed one cannot change the result.
    proc = lint([tool("actionlint"), "-no-color", f"-shellcheck={tool('shellcheck')}", "-pyflakes=",
                 *map(str, WORKFLOWS)])
    assert proc.returncode == 0 and proc.stdout == "", f"actionlint:\n{proc.stdout}{proc.stderr}"


def test_the_releases_named_beside_the_pins_run_on_a_current_runtime(tmp_path):
    """actionlint cannot tell which release a commit SHA is, so it is shown the major release named in the comment:
    `actions/checkout@<sha>  # v7.0.1` is linted as `actions/checkout@v7`, whose runtime and inputs it knows, and a
    deprecated runtime (node20, whose removal GitHub scheduled for 2026-09-23) would be reported."""
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    released = re.compile(r"@[0-9a-f]{40}(\s+)#\s*(v\d+)[\d.]*")
    actions = set()
    for workflow in WORKFLOWS:
        text = workflow.read_text(encoding="utf-8")
        actions |= {f"{m.group(1)}@{m.group(2)}" for m in re.finditer(r"uses:\s*(\S+)@[0-9a-f]{40}\s+#\s*(v\d+)", text)}
        (folder / workflow.name).write_text(released.sub(r"@\2\1#", text), encoding="utf-8")
    actionlint = [tool("actionlint"), "-no-color", "-shellcheck=", "-pyflakes="]
    proc = lint([*actionlint, *map(str, sorted(folder.iterdir()))])
    assert proc.returncode == 0 and proc.stdout == "", f"actionlint on the named releases:\n{proc.stdout}{proc.stderr}"
    # the check is real only if actionlint knows these releases: it then rejects an input they do not have
    probe = folder / "probe.yml"
    steps = "".join(f"      - uses: {a}\n        with: {{not-an-input: x}}\n" for a in sorted(actions))
    probe.write_text(f"on: push\njobs:\n  probe:\n    runs-on: ubuntu-latest\n    steps:\n{steps}", encoding="utf-8")
    out = lint([*actionlint, str(probe)]).stdout
    unknown = [a for a in sorted(actions) if f'input "not-an-input" is not defined in action "{a}"' not in out]
    assert actions and not unknown, f"actionlint does not know {unknown}, so their runtime is unchecked:\n{out}"
    probe.write_text("on: push\njobs:\n  probe:\n    runs-on: ubuntu-latest\n    steps:\n"
                     "      - uses: actions/checkout@v4\n", encoding="utf-8")
    assert 'runtime "node20" is deprecated' in lint([*actionlint, str(probe)]).stdout  # the control: a node20 release


def test_zizmor_reports_nothing():
    proc = lint([tool("zizmor"), "--offline", "--no-progress", "--format", "plain", *map(str, WORKFLOWS)])
    assert proc.returncode == 0 and "No findings to report" in proc.stdout, f"zizmor:\n{proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_with_their_release(workflow):
    uses = [line for line in workflow.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*-?\s*uses:", line)]
    assert uses, f"{workflow.name} uses no action"
    unpinned = [line.strip() for line in uses if not PINNED.match(line)]
    assert not unpinned, f"{workflow.name}: pin by full commit SHA with '# vX.Y.Z' after it: {unpinned}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_granted_per_job(workflow):
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    assert data.get("permissions") == {}, f"{workflow.name}: the workflow grants nothing; each job asks for its own"
    for name, job in data["jobs"].items():
        assert "permissions" in job, f"{workflow.name}: job {name} states its permissions"
        pushes = any("git push" in step.get("run", "") for step in job["steps"])
        assert (job["permissions"].get("contents") == "write") == pushes, f"{workflow.name}: {name}"
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, \
                    f"{workflow.name}: {name} keeps no token in .git/config (a push step is given one)"


def test_the_tests_workflow_runs_what_ci_runs_on_every_push_and_pull_request():
    data = yaml.safe_load((REPO / ".github" / "workflows" / "tests.yml").read_text(encoding="utf-8"))
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request"} <= set(triggers), triggers
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    ci_command = shlex.split(re.search(r"^exec (.+)$", ci, flags=re.M).group(1))
    assert ci_command[:2] == ["bash", "scripts/test.sh"], ci_command
    commands = [shlex.split(step["run"]) for job in data["jobs"].values() for step in job["steps"] if "run" in step]
    assert ci_command in commands, f"tests.yml does not run {ci_command}: {commands}"

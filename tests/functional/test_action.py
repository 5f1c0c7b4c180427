"""The GitHub Action (`action.yml`, issue 16): its structure as GitHub reads a composite action,
and its `run:` steps executed as the runner executes them, against the real CLI.

The runner is emulated for the `run:` steps only: `${{ ... }}` expressions in a step's `env` are
replaced by the inputs, `github.action_path`, `runner.temp` and the outputs earlier steps wrote
to `$GITHUB_OUTPUT`; the script runs with `bash --noprofile --norc -eo pipefail`, as GitHub runs
`shell: bash`, from the workspace (a temporary repository). The steps that are other actions
(actions/setup-python, actions/cache/restore and save, github/codeql-action/upload-sarif) are
not run here: they are GitHub's, and only their inputs are checked. The install step (a fresh
virtual environment and `pip install` of this checkout) runs in the slow test; the other tests
give later steps the layerguard under test as the install step's output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml  # pyyaml: a dependency of pre-commit, which the test extra installs

from layerguard.version import __version__

REPOSITORY = Path(__file__).resolve().parents[2]
ACTION = REPOSITORY / "action.yml"
SCHEMA = REPOSITORY / "tests" / "data" / "sarif-schema-2.1.0.json"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
SERVICE = "from typing import Optional\n\n\nclass UserService:\n    limit: Optional[int] = None\n"


def load_action() -> dict[str, Any]:
    action: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return action


def expressions(value: object) -> list[str]:
    """Every `${{ ... }}` expression in `value` (a string, or a mapping or list of them)."""
    if isinstance(value, str):
        return EXPRESSION.findall(value)
    if isinstance(value, dict):
        return [found for item in value.values() for found in expressions(item)]
    if isinstance(value, list):
        return [found for item in value for found in expressions(item)]
    return []


# --- Structure -------------------------------------------------------------------------------


def test_the_action_is_a_composite_action_with_described_inputs() -> None:
    action = load_action()
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    for name, spec in action["inputs"].items():
        assert spec["description"], name
        # GitHub passes every input as a string: a default of another type would be coerced.
        assert isinstance(spec.get("default", ""), str), name
        assert spec.get("required") is False, f"{name}: every input has a default"
    assert set(action["inputs"]) >= {
        "paths", "package", "python-version", "baseline", "sarif-file", "upload-sarif", "args",
        "fail-on-findings",
    }  # fmt: skip


def test_every_step_is_an_action_or_a_script_with_a_shell() -> None:
    """A composite action's `run:` step must name its `shell`; a step is `run` or `uses`."""
    steps = load_action()["runs"]["steps"]
    for step in steps:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step["shell"] == "bash", step["name"]
        else:
            # Pinned to a major version: a moving branch could change under the user.
            assert re.fullmatch(r"[\w-]+/[\w/-]+@v\d+", step["uses"]), step["uses"]
    ids = [step["id"] for step in steps if "id" in step]
    assert len(ids) == len(set(ids))


def test_every_expression_names_an_input_or_an_earlier_step() -> None:
    """`inputs.X` must be declared and `steps.ID` must be a step before the one that reads it."""
    action = load_action()
    declared = set(action["inputs"])
    earlier: set[str] = set()
    for step in action["runs"]["steps"]:
        for expression in expressions({key: value for key, value in step.items() if key != "id"}):
            for name in re.findall(r"inputs\.([\w-]+)", expression):
                assert name in declared, expression
            for step_id in re.findall(r"steps\.([\w-]+)\.", expression):
                assert step_id in earlier, f"{step['name']}: {expression}"
        if "id" in step:
            earlier.add(step["id"])
    for output in action["outputs"].values():
        for expression in expressions(output["value"]):
            assert set(re.findall(r"inputs\.([\w-]+)", expression)) <= declared
            assert set(re.findall(r"steps\.([\w-]+)\.", expression)) <= earlier


def test_scripts_read_inputs_from_the_environment_only() -> None:
    """GitHub pastes `${{ }}` into a script before the shell reads it: an input holding `$(...)`
    would run. Every value reaches the scripts through `env:`."""
    for step in load_action()["runs"]["steps"]:
        if "run" in step:
            assert expressions(step["run"]) == [], step["name"]


def test_the_cache_and_upload_steps_use_what_the_check_step_writes() -> None:
    steps = {step["name"]: step for step in load_action()["runs"]["steps"]}
    restore = steps["Restore the layerguard cache"]
    save = steps["Save the layerguard cache"]
    upload = steps["Upload the report to code scanning"]
    assert restore["uses"].startswith("actions/cache/restore@")
    assert save["uses"].startswith("actions/cache/save@")
    # The cache's version is computed from `path`: save must name exactly what restore named.
    assert restore["with"]["path"] == save["with"]["path"] == "${{ steps.project.outputs.cache }}"
    assert save["with"]["key"] == "${{ steps.restore.outputs.cache-primary-key }}"
    key = restore["with"]["key"]
    assert "steps.install.outputs.version" in key and "hashFiles('**/*.py'" in key
    assert restore["with"]["restore-keys"].strip() in key
    # Saved even when the job will fail on findings, but never from a failed check.
    assert "always()" in save["if"] and "steps.check.outcome == 'success'" in save["if"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert "always()" in upload["if"] and "inputs.upload-sarif == 'true'" in upload["if"]
    names = list(steps)
    assert (
        names.index("Check")
        < names.index("Upload the report to code scanning")
        < names.index("Fail on findings")
    )


# --- The run steps, executed -----------------------------------------------------------------


@dataclass
class Runner:
    """Runs the action's `run:` steps in `workspace` as a GitHub runner would."""

    workspace: Path
    temp: Path
    inputs: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)

    def value(self, expression: str) -> str:
        if expression == "github.action_path":
            return str(REPOSITORY)
        if expression == "runner.temp":
            return str(self.temp)
        if match := re.fullmatch(r"inputs\.([\w-]+)", expression):
            return self.inputs[match.group(1)]
        if match := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
            return self.outputs.get(match.group(1), {}).get(match.group(2), "")
        raise AssertionError(f"the emulated runner does not know {expression!r}")

    def run_step(self, step: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        env.update(
            {
                name: EXPRESSION.sub(lambda m: self.value(m.group(1)), str(text))
                for name, text in step["env"].items()
            }
        )
        output_file = self.temp / f"output-{len(self.logs)}"
        output_file.write_text("", encoding="utf-8")
        env.update({"GITHUB_OUTPUT": str(output_file), "GITHUB_WORKSPACE": str(self.workspace)})
        env["RUNNER_TEMP"] = str(self.temp)
        script = self.temp / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        self.logs[step["name"]] = result.stdout + result.stderr
        if "id" in step:
            lines = output_file.read_text(encoding="utf-8").splitlines()
            self.outputs[step["id"]] = dict(line.split("=", 1) for line in lines)
        return result

    def run(self, *, skip: tuple[str, ...] = ()) -> list[tuple[str, int]]:
        """Every `run:` step in order (the `uses:` steps are GitHub's, see the module docstring)
        until one fails, as the runner stops there; each step's name and exit code."""
        ran = []
        for step in load_action()["runs"]["steps"]:
            if "run" not in step or step.get("id") in skip:
                continue
            result = self.run_step(step)
            ran.append((step["name"], result.returncode))
            if result.returncode != 0:
                break
        return ran


def make_repository(top: Path, source: str = SERVICE) -> Path:
    """A repository whose project lives in `backend/`, with one service file."""
    (top / ".git").mkdir(parents=True)
    services = top / "backend" / "app" / "services"
    services.mkdir(parents=True)
    (top / "backend" / "pyproject.toml").write_text("[tool.layerguard]\n", encoding="utf-8")
    (top / "backend" / "app" / "__init__.py").write_text("", encoding="utf-8")
    (services / "__init__.py").write_text("", encoding="utf-8")
    (services / "UserService.py").write_text(source, encoding="utf-8")
    return top


def runner(tmp_path: Path, source: str = SERVICE, **inputs: str) -> Runner:
    """A runner on a fresh repository, the action's input defaults overridden by `inputs`, and
    the install step's outputs set to the layerguard under test."""
    workspace = make_repository(tmp_path / "workspace", source)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    values = {name: spec.get("default", "") for name, spec in load_action()["inputs"].items()}
    values.update({name.replace("_", "-"): value for name, value in inputs.items()})
    emulated = Runner(workspace, temp, values)
    emulated.outputs["install"] = {"python": sys.executable, "version": __version__}
    return emulated


def valid_sarif(path: Path) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(log)
    return log


def test_findings_give_sarif_annotations_a_cache_and_a_failed_job(tmp_path: Path) -> None:
    emulated = runner(tmp_path, paths="backend")
    assert emulated.run(skip=("install",)) == [
        ("Find the project's cache folder", 0),
        ("Check", 0),
        ("Fail on findings", 1),
    ]
    workspace = emulated.workspace
    assert emulated.outputs["check"] == {"exit-code": "1"}
    # The cache folder the action saves is the one the CLI wrote.
    assert emulated.outputs["project"] == {"cache": str(workspace / "backend" / ".layerguard_cache")}
    assert (workspace / "backend" / ".layerguard_cache").is_dir()
    log = valid_sarif(workspace / "layerguard.sarif")
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "LG401"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "backend/app/services/UserService.py",
        "uriBaseId": "%SRCROOT%",
    }
    # Annotations name the file from the repository root, where GitHub looks for it.
    assert "::error file=backend/app/services/UserService.py,line=5,col=12," in emulated.logs["Check"]
    assert (
        "::error title=layerguard::layerguard found architecture findings"
        in emulated.logs["Fail on findings"]
    )


def test_findings_pass_the_job_when_told_not_to_fail(tmp_path: Path) -> None:
    emulated = runner(tmp_path, paths="backend", fail_on_findings="false")
    assert [code for _, code in emulated.run(skip=("install",))] == [0, 0, 0]
    assert emulated.outputs["check"] == {"exit-code": "1"}


def test_a_clean_project_passes_with_an_empty_report(tmp_path: Path) -> None:
    clean = "class UserService:\n    limit: int | None = None\n"
    emulated = runner(tmp_path, clean, paths="backend", sarif_file="reports/out.sarif")
    (emulated.workspace / "reports").mkdir()
    assert [code for _, code in emulated.run(skip=("install",))] == [0, 0, 0]
    assert emulated.outputs["check"] == {"exit-code": "0"}
    assert valid_sarif(emulated.workspace / "reports" / "out.sarif")["runs"][0]["results"] == []
    assert "::error" not in emulated.logs["Check"]


def test_extra_arguments_reach_the_check(tmp_path: Path) -> None:
    emulated = runner(tmp_path, paths="backend", args="--ignore LG401  --jobs 1")
    assert [code for _, code in emulated.run(skip=("install",))] == [0, 0, 0]
    assert emulated.outputs["check"] == {"exit-code": "0"}


@pytest.mark.parametrize("path", ["frontend", "backend/app/missing.py", "frontend/src/app.py"])
def test_a_wrong_path_fails_the_check_step_and_stops_the_job(tmp_path: Path, path: str) -> None:
    """Exit 2 is not a finding: the step fails, so neither upload nor cache save runs."""
    emulated = runner(tmp_path, paths=path)
    ran = emulated.run(skip=("install",))
    assert ran == [("Find the project's cache folder", 0), ("Check", 2)]
    assert f"no such file or folder: {path}" in emulated.logs["Check"]
    assert (
        "::error title=layerguard::layerguard could not check the project (exit 2)" in emulated.logs["Check"]
    )
    assert "check" in emulated.outputs and "exit-code" not in emulated.outputs["check"]


def test_inputs_are_never_run_as_shell_code_nor_expanded_as_globs(tmp_path: Path) -> None:
    """An input is data: `$(...)`, `;` and `*` in `paths` and `args` stay text for the CLI."""
    marker = tmp_path / "pwned"
    emulated = runner(tmp_path, paths=f"backend $(touch {marker}) ;touch {marker}", args=f"`touch {marker}`")
    ran = emulated.run(skip=("install",))
    assert not marker.exists()
    assert ran[-1] == ("Check", 2)
    globbed = runner(tmp_path / "glob", paths="backend/app/services/*.py")
    assert globbed.run(skip=("install",))[-1] == ("Check", 2)
    assert "no such file or folder: backend/app/services/*.py" in globbed.logs["Check"]


def test_the_cache_folder_is_the_project_root_of_the_first_path(tmp_path: Path) -> None:
    """A file path, a nested folder, and the workspace itself when no project is above it."""
    for paths, expected in [
        ("backend/app/services/UserService.py", "backend"),
        ("backend/app", "backend"),
        (".", "."),
    ]:
        emulated = runner(tmp_path / expected / paths.replace("/", "_"), paths=paths)
        project_step = next(s for s in load_action()["runs"]["steps"] if s.get("id") == "project")
        assert emulated.run_step(project_step).returncode == 0
        cache = Path(emulated.outputs["project"]["cache"])
        assert cache == (emulated.workspace / expected / ".layerguard_cache").resolve()


@pytest.mark.skipif(
    "--baseline"
    not in subprocess.run(
        [sys.executable, "-m", "layerguard", "check", "--help"], capture_output=True, text=True, check=False
    ).stdout,
    reason="`check --baseline` is not in this build yet (issue 14's baseline lands on its own branch)",
)
def test_a_baseline_input_hides_the_accepted_findings(tmp_path: Path) -> None:
    emulated = runner(tmp_path, paths="backend", baseline="backend/layerguard-baseline.json")
    written = subprocess.run(
        [sys.executable, "-m", "layerguard", "baseline", "layerguard-baseline.json"],
        cwd=emulated.workspace / "backend",
        capture_output=True,
        text=True,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    assert [code for _, code in emulated.run(skip=("install",))] == [0, 0, 0]
    assert emulated.outputs["check"] == {"exit-code": "0"}
    assert valid_sarif(emulated.workspace / "layerguard.sarif")["runs"][0]["results"] == []


def test_without_a_baseline_input_no_baseline_flag_is_passed(tmp_path: Path) -> None:
    """The default: the check runs on a build without the flag (it would exit 2 otherwise)."""
    emulated = runner(tmp_path, paths="backend")
    check = next(step for step in load_action()["runs"]["steps"] if step.get("id") == "check")
    assert emulated.inputs["baseline"] == ""
    assert emulated.run_step(check).returncode == 0
    assert emulated.outputs["check"] == {"exit-code": "1"}


@pytest.mark.slow
def test_every_run_step_in_order_with_a_real_install(tmp_path: Path) -> None:
    """The install step for real: a virtual environment under `runner.temp` and `pip install` of
    this checkout (the action's own path, the default), then every later step with its output."""
    emulated = runner(tmp_path, paths="backend", fail_on_findings="false")
    del emulated.outputs["install"]
    ran = emulated.run()
    assert ran == [
        ("Install layerguard", 0),
        ("Find the project's cache folder", 0),
        ("Check", 0),
        ("Fail on findings", 0),
    ], emulated.logs
    assert emulated.outputs["install"] == {
        "python": str(emulated.temp / "layerguard-venv" / "bin" / "python"),
        "version": __version__,
    }
    assert emulated.outputs["check"] == {"exit-code": "1"}
    assert valid_sarif(emulated.workspace / "layerguard.sarif")["runs"][0]["results"]


def test_the_readme_workflow_uses_the_action_as_declared() -> None:
    """The README's workflow parses, grants the upload permission, and passes only inputs the
    action declares; its input table lists every input with its default."""
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# \.github/workflows/layerguard\.yml\n.*?)```", readme, re.S)
    assert block is not None
    workflow = yaml.safe_load(block.group(1))
    assert workflow["permissions"]["security-events"] == "write"
    [job] = workflow["jobs"].values()
    [step] = [step for step in job["steps"] if step["uses"].startswith("<this repository>")]
    inputs = load_action()["inputs"]
    assert set(step["with"]) <= set(inputs)
    for name, spec in inputs.items():
        default = spec.get("default", "")
        assert f"| `{name}` | {f'`{default}`' if default else 'empty'} |" in readme, name

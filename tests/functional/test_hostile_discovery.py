"""Discovery against hostile trees (issue 11), through the real CLI and the real flake8: nothing
in the checked tree runs, nothing outside the project is read, and whatever cannot be read
costs that entry an LG001, never the run nor a silent change of what is checked."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TIMEOUT = 120
OPTIONAL = "from typing import Optional\n\nx: Optional[int] = None\n"  # one LG401: the file was checked
PYPROJECT = '[project]\nname = "demo"\nrequires-python = ">=3.10"\n\n[tool.layerguard]\n'


def run(args: list[str], cwd: Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def layerguard(*args: str, cwd: Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "layerguard", *args], cwd, prefix)


def flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "flake8", "--select", "LG", *args], cwd)


def json_findings(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str, str]]:
    """(path, code, message) of each finding of a `--format json` run."""
    assert "Traceback" not in result.stderr, result.stderr
    return [(f["path"], f["code"], f["message"]) for f in json.loads(result.stdout)]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# --- Item 1: the checked tree's git configuration is never acted on. ---


def _fake_git_folder(project: Path, command: str) -> None:
    """A committed folder that git takes for a repository when run inside it (issue 11's attack)."""
    (project / "objects").mkdir()
    (project / "refs").mkdir()
    (project / "HEAD").write_text("ref: refs/heads/main\n")
    (project / "config").write_text(
        "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = .\n"
        f"\tfsmonitor = {json.dumps(command)}\n"
    )


def _real_repository(project: Path, command: str) -> None:
    """A repository made by `git init` (an unpacked archive's own `.git`) whose config names a command."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: no real repository to make")
    run(["git", "init", "-q"], project)
    with (project / ".git" / "config").open("a") as config:
        config.write(f"[core]\n\tfsmonitor = {json.dumps(command)}\n")


MAKERS = {"fake .git folder": _fake_git_folder, "real .git/config": _real_repository}
COMMANDS = {
    "check": ["check", "--no-cache"],
    "check with cache": ["check"],
    "graph": ["graph"],
    "init": ["init"],
    "flake8": [],
}


def _hostile_project(tmp_path: Path, make: str, marker: Path) -> Path:
    project = tmp_path / "project"
    write(project, {"pyproject.toml": PYPROJECT, "app/__init__.py": "", "app/main.py": OPTIONAL})
    (project / ".gitignore").write_text("build/\n")
    MAKERS[make](project, f"touch {shlex.quote(str(marker))}; false")
    return project


@pytest.mark.parametrize("make", MAKERS)
def test_the_attack_is_live_for_git_itself(tmp_path: Path, make: str) -> None:
    """The hostile trees below really run their command under git (so the tests that follow
    would see the marker if layerguard ran git there)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the attack cannot be shown live")
    marker = tmp_path / "ran"
    project = _hostile_project(tmp_path, make, marker)
    run(["git", "ls-files", "--others", "--ignored", "--exclude-standard", "--directory"], project)
    assert marker.exists()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("make", MAKERS)
def test_the_checked_trees_git_configuration_runs_nothing(tmp_path: Path, make: str, command: str) -> None:
    marker = tmp_path / "ran"
    project = _hostile_project(tmp_path, make, marker)
    if command == "flake8":
        result = flake8("app/main.py", cwd=project)
        assert result.returncode == 1, result.stderr
    else:
        result = layerguard(*COMMANDS[command], cwd=project)
        assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert not marker.exists(), f"`{command}` ran the checked tree's core.fsmonitor"


# `python -m` puts the folder it runs in first on `sys.path`: the checked root's modules named
# like layerguard's libraries (imported at start-up, or when a rule or the parser first needs
# them) must never be imported in their place.
SHADOWING = ["blake3", "grimp", "libcst", "pathspec", "rich", "tomli", "pygls"]


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_modules_in_the_checked_root_never_shadow_layerguards_libraries(tmp_path: Path, cache: bool) -> None:
    project = tmp_path / "proj"
    (project / "app").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT)
    # A same-layer cycle (LG106 builds grimp's graph) and syntax newer than 3.10's parser
    # knows on the oldest Python (libcst) keep every lazy import on the way.
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "a.py").write_text("from app import b\n" + OPTIONAL)
    (project / "app" / "b.py").write_text("from app import a\n")
    (project / "app" / "new.py").write_text("type Alias = int\n")
    marker = tmp_path / "imported"
    for name in SHADOWING:
        (project / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    args = ["check", "--jobs", "2"] + ([] if cache else ["--no-cache"])
    result = layerguard(*args, cwd=project)
    assert result.returncode == 1, result.stderr
    assert "LG401" in result.stdout and "Traceback" not in result.stderr
    assert not marker.exists(), marker.read_text()


# --- Item 2: a symlink out of the project is reported, never read. ---

SECRET = "s3cr3t-7f1de0c2-never-shown"
FORMATS = ["text", "concise", "json", "sarif", "github"]
REFUSED = "outside the project: not read"


@pytest.fixture
def linked_project(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    # Were it read: a syntax error on the line holding the secret, which a report could quote.
    write(outside, {"secret.txt": f'API_KEY = "{SECRET}" is not python(\n', "pkg/mod.py": f"# {SECRET}\n("})
    project = tmp_path / "project"
    write(project, {"pyproject.toml": PYPROJECT, "app/__init__.py": "", "app/real.py": OPTIONAL})
    (project / "app" / "settings.py").symlink_to(outside / "secret.txt")
    (project / "app" / "alias.py").symlink_to(project / "app" / "real.py")  # inside: read as before
    (project / "linked").symlink_to(outside / "pkg", target_is_directory=True)
    return project


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_symlink_out_of_the_project_is_reported_unread(linked_project: Path, fmt: str) -> None:
    result = layerguard("check", "--format", fmt, cwd=linked_project)
    assert result.returncode == 1, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert "settings.py" in result.stdout
    assert REFUSED in result.stdout


def test_a_symlink_out_of_the_project_gets_one_finding_and_links_inside_still_work(
    linked_project: Path,
) -> None:
    findings = json_findings(layerguard("check", "--format", "json", cwd=linked_project))
    codes = sorted((path, code) for path, code, _ in findings)
    assert codes == [("app/alias.py", "LG401"), ("app/real.py", "LG401"), ("app/settings.py", "LG001")]
    [message] = [m for path, _, m in findings if path == "app/settings.py"]
    assert message == f"Symbolic link to {(linked_project.parent / 'outside/secret.txt')}, {REFUSED}"


@pytest.mark.parametrize(
    ("given", "refused"),
    [("app/settings.py", "app/settings.py"), ("linked", "linked"), ("linked/mod.py", "linked/mod.py")],
)
def test_a_named_path_through_a_symlink_out_of_the_project_is_not_read(
    linked_project: Path, given: str, refused: str
) -> None:
    result = layerguard("check", "--format", "json", given, cwd=linked_project)
    assert result.returncode == 1, result.stderr
    assert SECRET not in result.stdout + result.stderr
    [(path, code, message)] = json_findings(result)
    assert (path, code) == (refused, "LG001")
    assert message.endswith(REFUSED)


def test_flake8_does_not_read_a_symlink_out_of_the_project(linked_project: Path) -> None:
    result = flake8("app/settings.py", "app/alias.py", cwd=linked_project)
    assert SECRET not in result.stdout + result.stderr
    assert "app/alias.py:3:4: LG401" in result.stdout


# --- Item 7: a path longer than the system allows costs that entry only. ---


def test_a_path_longer_than_path_max_costs_only_that_entry(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(project, {"pyproject.toml": PYPROJECT, "app/__init__.py": "", "app/real.py": OPTIONAL})
    path_max = os.pathconf(project, "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096
    name = "d" * 200
    depth = path_max // (len(name) + 1) + 2
    # Built one folder at a time from descriptors: the whole path is too long for any call.
    folder = os.open(project, os.O_RDONLY)
    try:
        for level in range(depth):
            os.mkdir(name, dir_fd=folder)
            below = os.open(name, os.O_RDONLY, dir_fd=folder)
            os.close(folder)
            folder = below
            if level in (3, depth - 1):  # one file a walk can reach, one it cannot
                file = os.open(f"level{level}.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=folder)
                os.write(file, OPTIONAL.encode())
                os.close(file)
    finally:
        os.close(folder)
    for attempt in ("first", "warm"):
        result = layerguard("check", "--format", "json", cwd=project)
        assert result.returncode == 1, (attempt, result.stderr)
        findings = json_findings(result)
        assert ("app/real.py", "LG401") in [(path, code) for path, code, _ in findings]
        reachable = "/".join([name] * 4) + "/level3.py"
        assert (reachable, "LG401") in [(path, code) for path, code, _ in findings]
        too_long = [(path, message) for path, code, message in findings if code == "LG001"]
        assert len(too_long) == 1, (attempt, too_long)
        assert too_long[0][0].startswith(name + "/")
        assert "File name too long" in too_long[0][1]


@pytest.mark.parametrize("command", ["check", "graph", "init"])
def test_a_named_path_longer_than_path_max_is_a_usage_error(tmp_path: Path, command: str) -> None:
    result = layerguard(command, "x/" * 3000, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("layerguard: error: "), result.stderr
    assert "Traceback" not in result.stderr


# --- Item 13: paths with `..` keep their files and findings. ---


@pytest.fixture
def layered_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    write(
        project,
        {
            "pyproject.toml": PYPROJECT,
            "src/app/__init__.py": "",
            "src/app/services/__init__.py": "",
            "src/app/services/OrderService.py": "class OrderService:\n    pass\n",
            "src/app/repositories/__init__.py": "",
            "src/app/repositories/OrderRepository.py": (
                "from app.services.OrderService import OrderService\n\n\n"
                "class OrderRepository:\n    service = OrderService()\n"
            ),
        },
    )
    (project / "sub").mkdir()
    return project


UPWARD = "LG101 Upward import: repository module `app.repositories.OrderRepository`"


@pytest.mark.parametrize(
    "given", ["..", "../src", "../src/app/repositories/OrderRepository.py", "../sub/../src"]
)
def test_check_with_dot_dot_keeps_files_and_findings(layered_project: Path, given: str) -> None:
    result = layerguard("check", "--format", "concise", given, cwd=layered_project / "sub")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"../src/app/repositories/OrderRepository.py:1:1: {UPWARD}" in result.stdout


def test_flake8_with_dot_dot_keeps_the_module_name(layered_project: Path) -> None:
    result = flake8("../src/app/repositories/OrderRepository.py", cwd=layered_project / "sub")
    assert f"../src/app/repositories/OrderRepository.py:1:1: {UPWARD}" in result.stdout, result.stderr


def test_graph_with_dot_dot_counts_the_violation(layered_project: Path) -> None:
    from_root = layerguard("graph", cwd=layered_project)
    from_sub = layerguard("graph", "..", cwd=layered_project / "sub")
    assert "1 violation" in from_root.stdout
    assert from_sub.stdout == from_root.stdout, from_sub.stderr


# --- Item 15: an unreadable folder or ignore file is reported, not skipped in silence. ---


def _denying_prefix(tmp_path: Path) -> tuple[str, ...]:
    """A command prefix under which chmod 000 denies reading: none for a plain user; for root,
    setpriv without the capabilities that override file permissions. Skips when neither works."""
    prefix: tuple[str, ...] = ()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: chmod 000 cannot deny a read here")
        caps = "-dac_override,-dac_read_search"
        prefix = ("setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}")
    probe = tmp_path / "probe"
    probe.mkdir(mode=0)
    try:
        listed = run([sys.executable, "-c", f"import os; os.listdir({str(probe)!r})"], tmp_path, prefix)
    finally:
        probe.chmod(0o755)
    if "PermissionError" not in listed.stderr:
        pytest.skip(f"chmod 000 does not deny reading here: {listed.stderr.strip() or 'read succeeded'}")
    return prefix


def test_an_unreadable_folder_and_ignore_file_are_reported(tmp_path: Path) -> None:
    prefix = _denying_prefix(tmp_path)
    project = tmp_path / "project"
    write(
        project,
        {
            "pyproject.toml": PYPROJECT,
            "app/__init__.py": "",
            "app/real.py": OPTIONAL,
            "app/locked/hidden.py": OPTIONAL,
            "app/generated/.gitignore": "*.py\n",
            "app/generated/made.py": OPTIONAL,
        },
    )
    (project / "app/locked").chmod(0)
    (project / "app/generated/.gitignore").chmod(0)
    try:
        result = layerguard("check", "--format", "json", cwd=project, prefix=prefix)
        whole = layerguard("check", "--format", "json", "app/generated/made.py", cwd=project, prefix=prefix)
    finally:
        (project / "app/locked").chmod(0o755)
        (project / "app/generated/.gitignore").chmod(0o644)
    assert result.returncode == 1, result.stderr
    assert sorted(json_findings(result)) == [
        (
            "app/generated/.gitignore",
            "LG001",
            "Cannot read this ignore file (Permission denied): its patterns are not applied",
        ),
        ("app/generated/made.py", "LG401", "Use `int | None` instead of `Optional[...]`"),
        ("app/locked", "LG001", "Cannot read this folder (Permission denied): its files are not checked"),
        ("app/real.py", "LG401", "Use `int | None` instead of `Optional[...]`"),
    ]
    # A file whose ignore rules could not be read says so when checked alone, too.
    assert sorted(path for path, _, _ in json_findings(whole)) == [
        "app/generated/.gitignore",
        "app/generated/made.py",
    ]


# --- Item 15 / 1: the ignore files are applied as git applies them, without git. ---

# Each .py file holds one LG401, so the JSON report lists exactly the files checked.
IGNORE_TREE = {
    "repo/.gitignore": "*_gen.py\n!keep_gen.py\n/backend/build/\n",
    "repo/backend/.gitignore": (
        "# a comment\ncache/\nsecret*.py\n!secret_ok.py\n/rootonly.py\ndocs/**/*.py\n"
        "\\#hash.py\ntrailing.py   \n*.py[cod]\nspace\\ .py\n[ab]_char.py\nq?.py\n**/deep/x.py\nlib\n"
    ),
    "repo/backend/app/.gitignore": "data/*\n!data/keep.py\nrootonly.py\n",
    "repo/backend/app/sub/.gitignore": "!again_gen.py\n",
    "repo/backend/cache/.gitignore": "!*.py\n",
}
IGNORE_FILES = [
    "app/__init__.py", "app/plain.py", "app/x_gen.py", "app/keep_gen.py", "app/sub/again_gen.py",
    "app/sub/other_gen.py", "app/secret_key.py", "app/secret_ok.py", "app/rootonly.py", "rootonly.py",
    "app/data/drop.py", "app/data/keep.py", "app/data/nested/n.py", "cache/inside.py", "build/b.py",
    "app/build/b.py", "docs/a/b/c.py", "docs/top.py", "#hash.py", "trailing.py", "space .py",
    "a_char.py", "c_char.py", "q1.py", "q12.py", "app/deep/x.py", "app/deep/y.py", "app/lib/l.py",
    "lib.py", "app/local_notes.py",
]  # fmt: skip


def _ignore_tree(tmp_path: Path) -> Path:
    write(tmp_path, IGNORE_TREE)
    backend = tmp_path / "repo" / "backend"
    write(backend, {"pyproject.toml": PYPROJECT + "exclude = []\n", **dict.fromkeys(IGNORE_FILES, OPTIONAL)})
    return backend


def _checked(result: subprocess.CompletedProcess[str]) -> list[str]:
    return sorted({path for path, _, _ in json_findings(result)})


def test_ignore_files_are_applied_as_git_applies_them(tmp_path: Path) -> None:
    """Differential: the files checked are the files git does not ignore (git run by the test
    on a repository it made, never by layerguard)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: nothing to compare with")
    backend = _ignore_tree(tmp_path)
    repo = backend.parent
    run(["git", "init", "-q"], repo)
    (repo / ".git/info/exclude").write_text("local_*.py\n")
    listed = run(["git", "ls-files", "--others", "--exclude-standard", "-z", "backend"], repo).stdout
    by_git = sorted(name.removeprefix("backend/") for name in listed.split("\0") if name.endswith(".py"))
    assert len(by_git) < len(IGNORE_FILES) - 15  # the tree does ignore things
    assert _checked(layerguard("check", "--format", "json", cwd=backend)) == by_git


def test_a_tracked_file_its_gitignore_matches_is_skipped_too(tmp_path: Path) -> None:
    """As in ruff: .gitignore decides, whether or not git tracks the file."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    write(tmp_path, {"pyproject.toml": PYPROJECT, "app/__init__.py": "", "app/old.py": OPTIONAL})
    run(["git", "init", "-q"], tmp_path)
    run(["git", "add", "."], tmp_path)
    (tmp_path / ".gitignore").write_text("old.py\n")
    assert _checked(layerguard("check", "--format", "json", cwd=tmp_path)) == []


def test_without_a_repository_only_the_projects_own_ignore_files_apply(tmp_path: Path) -> None:
    write(tmp_path, {".gitignore": "*.py\n"})  # above the project, and no .git: not applied
    project = tmp_path / "project"
    write(
        project,
        {"pyproject.toml": PYPROJECT, ".gitignore": "gen/\n", "app/kept.py": OPTIONAL, "gen/g.py": OPTIONAL},
    )
    assert _checked(layerguard("check", "--format", "json", cwd=project)) == ["app/kept.py"]
    (tmp_path / ".git").mkdir()  # now the parent is the repository's top: its patterns apply
    assert _checked(layerguard("check", "--format", "json", cwd=project)) == []


def test_respect_gitignore_false_checks_ignored_files(tmp_path: Path) -> None:
    backend = _ignore_tree(tmp_path)
    (backend / "pyproject.toml").write_text(PYPROJECT + "exclude = []\nrespect-gitignore = false\n")
    assert _checked(layerguard("check", "--format", "json", cwd=backend)) == sorted(IGNORE_FILES)


def test_a_named_file_in_an_ignored_folder_is_skipped(tmp_path: Path) -> None:
    backend = _ignore_tree(tmp_path)
    result = layerguard("check", "--format", "json", "cache/inside.py", "app/plain.py", "cache", cwd=backend)
    assert _checked(result) == ["app/plain.py"]

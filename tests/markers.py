"""The one way to test a rule: `# error: [LGxxx]` markers, and the findings of a project given as text.

A marker is a trailing comment on each line that must be reported, naming what it expects:
`# error: [LG301]`, or `# error: [LG101, LG102]` for several findings on one line (a code written
twice is two findings). Every unmarked line must be clean of the rules the test selects. Rule
cards (rules/*.md), fixture projects (tests/fixtures/) and sources written inline in tests all
use this one dialect, and this module is the only reader of it.

A marker ends its line: it may follow code and any other comment, as in
`import fastapi  # type: ignore  # error: [LG202]`, but nothing may follow it. A `# noqa` before
it is the checker's business, not the harness's: markers state what is reported after
suppression. Lines are read as text, not tokens, so that a source that does not parse can carry
markers too.
Anything that starts like a marker (`# error:`) but is not a well-formed one is a mistake in the
test and raises `ValueError`, so that a typo never turns an expected finding into an unchecked
line.

`findings_of({path: source}, config)` runs the checker on a project given as text and returns
its findings with those relative paths; `assert_findings_match(findings, files)` compares them
with the markers and shows what is missing and what is unexpected, with each source line.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from layerguard.api import check_sources
from layerguard.model import Finding

MARKER_RE = re.compile(r"#\s*error:\s*\[(?P<codes>LG\d{3}(?:,\s*LG\d{3})*)\]\s*$")
# Anything that looks like the start of a marker: it must then be a whole, well-formed one.
MARKER_START_RE = re.compile(r"#\s*error:")
# Where in-memory projects live: a path that need not (and should not) exist.
MEMORY_ROOT = Path("/layerguard-in-memory-project")
DEFAULT_PYPROJECT = '[project]\nname = "example"\nrequires-python = ">=3.12"\n'

Expected = Counter[tuple[str, int, str]]


def marked_codes(source: str, path: str = "<source>") -> Iterator[tuple[int, str]]:
    """(line, code) for each code a marker in `source` names; raises `ValueError` on a bad marker."""
    for number, line in enumerate(source.splitlines(), start=1):
        if not MARKER_START_RE.search(line):
            continue
        marker = MARKER_RE.search(line)
        if marker is None:
            raise ValueError(
                f"{path}:{number}: not a well-formed `# error: [LGxxx, ...]` marker: {line.strip()}"
            )
        for code in marker.group("codes").split(","):
            yield number, code.strip()


def expected_findings(files: Mapping[str, str]) -> Expected:
    """(relative path, line, code) of every finding the markers in `files` expect."""
    expected: Expected = Counter()
    for path, source in files.items():
        for number, code in marked_codes(source, path):
            expected[(path, number, code)] += 1
    return expected


def read_tree(root: Path) -> dict[str, str]:
    """Every Python file under `root` as `{relative posix path: source}`: a fixture project's files."""
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.py"))
    }


def reported(findings: Iterable[Finding], root: Path | None = None) -> Expected:
    """(path, line, code) of each finding; paths relative to `root` when given."""
    return Counter((_relative(f.path, root), f.line, f.code) for f in findings)


def assert_findings_match(
    findings: Iterable[Finding], files: Mapping[str, str], root: Path | None = None
) -> None:
    """Fail, listing what is missing and what is unexpected, unless `findings` are exactly the markers'.

    Paths of `findings` are taken relative to `root` when given (a checked fixture folder), else
    as they are (`findings_of` already gives the relative paths of `files`).
    """
    __tracebackhide__ = True
    findings = list(findings)
    actual = reported(findings, root)
    expected = expected_findings(files)
    if actual == expected:
        return
    messages: dict[tuple[str, int, str], list[str]] = {}
    for finding in findings:
        messages.setdefault((_relative(finding.path, root), finding.line, finding.code), []).append(
            finding.message
        )
    lines = ["the findings do not match the `# error: [...]` markers"]
    for title, difference, with_message in (
        ("missing (marked, not reported)", expected - actual, False),
        ("unexpected (reported, not marked)", actual - expected, True),
    ):
        if difference:
            lines.append(f"{title}:")
            for key, count in sorted(difference.items()):
                path, line, code = key
                times = f" (x{count})" if count > 1 else ""
                if expected[key] and actual[key]:
                    times = f" (marked {expected[key]}, reported {actual[key]})"
                said = f" {' / '.join(messages[key])}" if with_message else ""
                lines.append(f"  {path}:{line}: {code}{times}{said}")
                lines.append(f"      | {_source_line(files, path, line)}")
    raise AssertionError("\n".join(lines))


def write_project(root: Path, files: Mapping[str, str], config: str = "") -> Path:
    """Write `files` (dedented) under `root`, an `__init__.py` in every folder, and a pyproject
    whose `[tool.layerguard]` table holds `config` (unless `files` brings its own pyproject)."""
    if "pyproject.toml" in files and config:
        raise ValueError("give the settings either in `config` or in files['pyproject.toml'], not both")
    (root / "pyproject.toml").write_text(
        DEFAULT_PYPROJECT + (f"[tool.layerguard]\n{config}" if config else ""), encoding="utf-8"
    )
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    # Examples show only the interesting files: every folder is a package, as in a real app.
    for folder in [p for p in root.rglob("*") if p.is_dir()]:
        if not (folder / "__init__.py").exists():
            (folder / "__init__.py").write_text("")
    return root


def findings_of(
    files: Mapping[str, str], config: str = "", select: Sequence[str] | None = None
) -> list[Finding]:
    """The findings of the project made of `files` (`{relative path: source}`, dedented, with an
    `__init__.py` in every folder as `write_project` adds) and `config` (the body of
    `[tool.layerguard]`), with `path` the relative path as given in `files`.

    In memory (`layerguard.api.check_sources`): no disk, no cache, no git.
    """
    if "pyproject.toml" in files and config:
        raise ValueError("give the settings either in `config` or in files['pyproject.toml'], not both")
    pyproject = files.get("pyproject.toml") or DEFAULT_PYPROJECT + (
        f"[tool.layerguard]\n{config}" if config else ""
    )
    sources = {path: textwrap.dedent(text) for path, text in files.items() if path.endswith((".py", ".pyi"))}
    for path in list(sources):
        for folder in Path(path).parents:
            if folder != Path("."):
                sources.setdefault((folder / "__init__.py").as_posix(), "")
    report = check_sources(sources, pyproject=pyproject, root=MEMORY_ROOT, select=select)
    return [replace(f, path=f.path.relative_to(MEMORY_ROOT)) for f in report.findings]


def _relative(path: Path, root: Path | None) -> str:
    return (path.relative_to(root) if root is not None else path).as_posix()


def _source_line(files: Mapping[str, str], path: str, line: int) -> str:
    lines = files.get(path, "").splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else "<no such line>"

"""The real CLI on the bad-input corpus (tests/fixtures/bad_input/): every file a repository can
hold gets a clear result, and the run still ends with exit 1 (findings), never 2, never a
traceback (SPEC §7, issue 7).

The corpus is generated into a temporary folder by `generate.py`; `expected.json` says, per
file, "ok", a substring of its LG001 message, or a list of substrings of which it must hold one.
One CLI run serves every case: a run costs seconds (a 1 MB file, and files that would crash or
hang libcst, each stopped by a guard, a crash or the corpus's `parse-timeout = 3`).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "bad_input"
TIMEOUT = 120


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bad_input_generate", FIXTURE / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = _load_generator()
EXPECTED: dict[str, str | list[str]] = generator.expected_results()


@dataclass(frozen=True)
class CorpusRun:
    root: Path
    not_made: dict[str, str]
    result: subprocess.CompletedProcess[bytes]
    findings: dict[str, list[dict[str, object]]]  # relative path -> its findings


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> CorpusRun:
    root = tmp_path_factory.mktemp("bad input")  # a space in every path, too
    not_made = generator.generate(root)
    result = subprocess.run(
        [sys.executable, "-m", "layerguard", "check", "--format", "json"],
        cwd=root,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    report = json.loads(result.stdout.decode("utf-8"))  # valid UTF-8, whatever the file names
    findings: dict[str, list[dict[str, object]]] = defaultdict(list)
    for finding in report:
        findings[str(finding["path"])].append(finding)
    return CorpusRun(root, not_made, result, findings)


def shown(name: str) -> str:
    """A path as reports show it: a name that is not UTF-8 with U+FFFD for its odd bytes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def test_run_ends_with_findings_and_no_traceback(corpus_run: CorpusRun) -> None:
    assert corpus_run.result.returncode == 1, corpus_run.result.stderr.decode(errors="replace")
    assert corpus_run.result.stderr == b""


def test_no_internal_errors(corpus_run: CorpusRun) -> None:
    internal = [f for found in corpus_run.findings.values() for f in found if f["code"] == "LG000"]
    assert internal == []


def test_every_finding_is_in_a_known_case(corpus_run: CorpusRun) -> None:
    """Nothing outside the corpus' cases is reported (x.py/inside.py belongs to case x.py)."""
    cases = tuple(map(shown, EXPECTED))
    stray = [path for path in corpus_run.findings if not path.startswith(cases)]
    assert stray == []


@pytest.mark.parametrize(
    "case", EXPECTED, ids=[name.encode("ascii", "backslashreplace").decode() for name in EXPECTED]
)
def test_case_gets_its_expected_result(corpus_run: CorpusRun, case: str) -> None:
    if case in corpus_run.not_made:
        pytest.skip(corpus_run.not_made[case])
    expected = EXPECTED[case]
    found = [
        f
        for path, fs in corpus_run.findings.items()
        if path == shown(case) or path.startswith(shown(case) + "/")
        for f in fs
    ]
    parse_errors = [str(f["message"]) for f in found if f["code"] in ("LG000", "LG001")]
    if expected == "ok":
        assert parse_errors == []
        # Each fine file with source holds one `Optional[int]`: its LG401 shows it was parsed.
        source = corpus_run.root / case
        if source.is_file() and "Optional[int]" in source.read_text(encoding="utf-8", errors="replace"):
            assert [f["code"] for f in found] == ["LG401"]
    else:
        assert len(parse_errors) == 1, found
        accepted = [expected] if isinstance(expected, str) else expected
        assert any(reason in parse_errors[0] for reason in accepted), (parse_errors[0], accepted)

"""The rule-test harness (tests/markers.py): how it reads markers, what it reports, and that the
old fixture dialect cannot come back."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from markers import MEMORY_ROOT, assert_findings_match, expected_findings, findings_of, marked_codes

TESTS = Path(__file__).resolve().parents[1]
# Written so that this file does not match itself.
OLD_DIALECT_RE = re.compile(rb"#\s*expect\s*:")


def test_one_code_several_codes_and_a_marker_after_another_comment() -> None:
    files = {
        "app/a.py": "import os  # error: [LG101]\nimport sys\n",
        "app/b.py": "\nfrom fastapi import Depends, status  # type: ignore  # error: [LG202, LG202, LG101]\n",
    }
    assert expected_findings(files) == Counter(
        {("app/a.py", 1, "LG101"): 1, ("app/b.py", 2, "LG202"): 2, ("app/b.py", 2, "LG101"): 1}
    )


@pytest.mark.parametrize(
    "line",
    [
        "import os  # error: LG101",  # no brackets
        "import os  # error: [lg101]",  # not a code
        "import os  # error: []",
        "import os  # error: [LG101,]",
        "import os  # error: [LG101 LG102]",
        "import os  # error: [LG101]  # noqa",  # the marker must end the line
        "import os  # error: [LG101",
    ],
)
def test_a_malformed_marker_is_an_error_of_the_test(line: str) -> None:
    with pytest.raises(ValueError, match=r"^app/a\.py:2: not a well-formed"):
        list(marked_codes(f"import sys\n{line}\n", "app/a.py"))


def test_the_failure_lists_missing_and_unexpected_findings_with_their_lines() -> None:
    files = {
        "app/jobs.py": """\
            import time

            async def job() -> None:  # error: [LG304]
                time.sleep(1)
            """,
    }
    with pytest.raises(AssertionError) as failure:
        assert_findings_match(findings_of(files, select=["LG304"]), files)
    assert str(failure.value).splitlines() == [
        "the findings do not match the `# error: [...]` markers",
        "missing (marked, not reported):",
        "  app/jobs.py:3: LG304",
        "      | async def job() -> None:  # error: [LG304]",
        "unexpected (reported, not marked):",
        "  app/jobs.py:4: LG304 `time.sleep()` blocks the event loop in `async def job`: use "
        "`await asyncio.sleep(...)`",
        "      | time.sleep(1)",
    ]


def test_findings_of_gives_the_paths_of_files_and_applies_the_config() -> None:
    files = {
        "app/services/OrderService.py": "from app.api import orders\n",
        "app/api/orders.py": "",
        "app/models/Order.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.services import OrderService\n"
            "class Order:\n    __tablename__ = 'orders'\n"
        ),
    }
    found = findings_of(files, select=["LG101"])
    assert sorted((f.path, f.line) for f in found) == [
        (Path("app/models/Order.py"), 3),
        (Path("app/services/OrderService.py"), 1),
    ]
    ignored = findings_of(files, 'type-checking-imports = "ignore"\n', select=["LG101"])
    assert [(f.path, f.line) for f in ignored] == [(Path("app/services/OrderService.py"), 1)]


def test_no_file_under_tests_uses_the_old_expect_markers() -> None:
    """Fixtures, inline sources and docs all use `# error: [...]`: one dialect, one harness."""
    offenders = [
        path.relative_to(TESTS).as_posix()
        for path in sorted(TESTS.rglob("*"))
        if path.is_file()
        and not {".layerguard_cache", "__pycache__"} & set(path.parts)
        and OLD_DIALECT_RE.search(path.read_bytes())
    ]
    assert offenders == []


def test_findings_of_needs_no_disk() -> None:
    """The project lives in memory: its root does not exist, and nothing is created there."""
    assert not MEMORY_ROOT.exists()
    files = {
        "app/models/User.py": (
            "from app.api.users import router  # error: [LG101]\nclass User:\n    __tablename__ = 'u'\n"
        ),
        # `router = None` would be a constant, a neutral kind: importing it is no violation.
        "app/api/users.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
    }
    assert_findings_match(findings_of(files, select=["LG101"]), files)
    assert not MEMORY_ROOT.exists()

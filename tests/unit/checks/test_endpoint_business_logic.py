"""LG105: route handlers whose cyclomatic complexity exceeds `endpoint-max-complexity`."""

from __future__ import annotations

from pathlib import Path

from tmp_project import lint

from layerguard import check

ENDPOINT = "app/api/v1/endpoints/orders.py"
SOURCE = """\
from fastapi import APIRouter

router = APIRouter()


@router.get("/simple")
async def simple(a: int) -> int:
    if a:
        return 1
    return 0


@router.get("/branchy")
async def branchy(a: int, b: int) -> int:
    if a and b:
        return 1
    elif b:
        return 2
    for _ in range(a):
        if b:
            return 3
    return 0


def not_a_handler(a: int, b: int) -> int:
    if a:
        return 1
    if b:
        return 2
    while a:
        a -= 1
    return 0
"""


def test_a_complex_handler_is_reported_at_the_def(tmp_path: Path) -> None:
    assert lint(tmp_path, {ENDPOINT: SOURCE}, ["LG105"]) == [(ENDPOINT, 14, 1, "LG105")]
    [finding] = check([tmp_path], select=["LG105"], cache=False).findings
    assert finding.message == (
        "Route handler `branchy` has cyclomatic complexity 5 (max 3): move the branching into a service"
    )


def test_the_limit_is_configurable(tmp_path: Path) -> None:
    assert lint(tmp_path, {ENDPOINT: SOURCE}, ["LG105"], "endpoint-max-complexity = 5\n") == []
    found = lint(tmp_path, {ENDPOINT: SOURCE}, ["LG105"], "endpoint-max-complexity = 1\n")
    assert found == [(ENDPOINT, 7, 1, "LG105"), (ENDPOINT, 14, 1, "LG105")]


def test_decorated_over_several_lines_the_def_is_still_the_position(tmp_path: Path) -> None:
    source = SOURCE.replace(
        '@router.get("/branchy")', '@router.get(\n    "/branchy",\n    status_code=200,\n)'
    )
    assert lint(tmp_path, {ENDPOINT: source}, ["LG105"]) == [(ENDPOINT, 17, 1, "LG105")]

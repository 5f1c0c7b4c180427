"""The CLI's notes on stderr that depend on what a run cost (issue 16)."""

from __future__ import annotations

import sys

import pytest

from layerguard import cli
from layerguard.model import Report


def test_a_costly_libcst_fallback_is_reported_with_the_way_out(capsys: pytest.CaptureFixture[str]) -> None:
    cli._say_what_the_libcst_fallback_cost(Report((), (), 1171, libcst_files=70, libcst_seconds=9.84))
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert capsys.readouterr().err == (
        f"layerguard: note: 70 files use syntax newer than Python {running}, which layerguard runs on: "
        "parsing them with libcst took 9.8 s of CPU. Installed on the Python the project runs on, "
        "layerguard parses them with ast, several times faster\n"
    )


def test_a_cheap_fallback_says_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    cli._say_what_the_libcst_fallback_cost(Report((), (), 10, libcst_files=2, libcst_seconds=0.4))
    cli._say_what_the_libcst_fallback_cost(Report((), (), 10))
    assert capsys.readouterr().err == ""

"""README.md stays true: its rule table comes from the registry, CI runs its test command."""

from __future__ import annotations

import os
import re
from pathlib import Path

from layerguard.cards import rules_markdown_table

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
TABLE_RE = re.compile(r"(<!-- rules:start -->\n)(.*?)(<!-- rules:end -->)", re.S)


def test_rule_table_matches_the_registry() -> None:
    text = README.read_text(encoding="utf-8")
    match = TABLE_RE.search(text)
    assert match, "README.md lost its <!-- rules:start --> / <!-- rules:end --> markers"
    expected = rules_markdown_table()
    if os.environ.get("LAYERGUARD_UPDATE_GOLDEN") and match.group(2) != expected:
        README.write_text(TABLE_RE.sub(lambda m: m.group(1) + expected + m.group(3), text), encoding="utf-8")
        return
    assert match.group(2) == expected, (
        "regenerate with LAYERGUARD_UPDATE_GOLDEN=1 pytest tests/unit/test_readme.py"
    )


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    text = README.read_text(encoding="utf-8")
    quick_start = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quick_start, re.S)
    assert len(commands) == 2
    install_and_run, install_and_test = commands
    assert "layerguard check tests/fixtures/fortress_app" in install_and_run
    assert (REPO / "tests/fixtures/fortress_app/pyproject.toml").is_file()
    assert install_and_test in (REPO / ".ci" / "run").read_text(encoding="utf-8")

"""Every rule card's examples run as tests.

In a card, the code blocks under "## Example" form one small project and those under
"## Use instead" another. A `` `path`: `` line before a block names its file (default
`app/module.py`; a `toml` block is the pyproject). In "Example", the lines marked
`# error: [LGxxx, ...]` (the dialect of tests/markers.py) must get exactly those findings and no
other line may get one; in "Use instead" the rule must find nothing. A fixable rule's card has
a "## Fixed" section: the files of "Example" as `layerguard check --fix --unsafe-fixes` writes
them (markers left out).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_runner import run_cli
from markers import DEFAULT_PYPROJECT, MARKER_RE, assert_findings_match, expected_findings, findings_of

from layerguard.cards import card_path, card_section, card_text, cards_dir
from layerguard.checks import ALL_METAS
from layerguard.model import UNUSED_NOQA

BLOCK_RE = re.compile(r"(?:^`(?P<path>[^`\n]+)`:\s*\n+)?^```(?P<lang>\w+)\n(?P<code>.*?)^```", re.M | re.S)
DEFAULT_PATH = "app/module.py"

RULE_CODES = [meta.code for meta in ALL_METAS]
# LG000 reports a bug in layerguard itself: nothing in a card can trigger it.
CODES_WITH_EXAMPLES = [code for code in RULE_CODES if code != "LG000"]
FIXABLE_CODES = [meta.code for meta in ALL_METAS if meta.fixable]


def selection(code: str) -> list[str]:
    """The rules a card's examples run: its own; for LG002 all of them, since it judges the
    codes of rules that ran."""
    return ["LG"] if code == UNUSED_NOQA.code else [code]


def card_files(section: str) -> dict[str, str]:
    """A section's code blocks as `{path: source}`."""
    files: dict[str, str] = {}
    blocks = list(BLOCK_RE.finditer(section))
    assert blocks, "section has no code block"
    for block in blocks:
        path = block.group("path") or ("pyproject.toml" if block.group("lang") == "toml" else DEFAULT_PATH)
        assert path not in files, f"two blocks for `{path}`: name each file once"
        files[path] = block.group("code")
    return files


def test_every_rule_has_a_card() -> None:
    missing = [code for code in RULE_CODES if card_path(code) is None]
    assert not missing, f"rules without a card in {cards_dir()}: {missing}"


def test_every_card_is_a_rule() -> None:
    codes = {path.name.split("-", 1)[0] for path in cards_dir().glob("LG*.md")}
    assert codes == set(RULE_CODES)


@pytest.mark.parametrize("code", RULE_CODES)
def test_card_has_the_standard_sections(code: str) -> None:
    text = card_text(code)
    assert text is not None
    meta = next(m for m in ALL_METAS if m.code == code)
    assert text.startswith(f"# {code} {meta.name}\n")
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead", "Options"):
        assert card_section(text, heading), f"{code}: empty or missing '## {heading}'"


@pytest.mark.parametrize("code", CODES_WITH_EXAMPLES)
def test_bad_example_gets_exactly_the_marked_findings(code: str) -> None:
    text = card_text(code)
    assert text is not None
    files = card_files(card_section(text, "Example"))
    assert expected_findings(files), f"{code}: the Example marks no finding"
    assert_findings_match(findings_of(files, select=selection(code)), files)


@pytest.mark.parametrize("code", CODES_WITH_EXAMPLES)
def test_good_example_is_clean(code: str) -> None:
    text = card_text(code)
    assert text is not None
    files = card_files(card_section(text, "Use instead"))
    assert not expected_findings(files), f"{code}: 'Use instead' must not mark findings"
    assert_findings_match(findings_of(files, select=selection(code)), files)


def without_markers(source: str) -> str:
    return "".join(
        MARKER_RE.sub("", line.rstrip("\n")).rstrip() + "\n" for line in source.splitlines(keepends=True)
    )


@pytest.mark.parametrize("code", FIXABLE_CODES)
def test_fixed_example_is_what_fix_writes(code: str, tmp_path: Path) -> None:
    text = card_text(code)
    assert text is not None
    fixed = card_section(text, "Fixed")
    assert fixed, f"{code} is fixable: its card needs a '## Fixed' section"
    files = card_files(card_section(text, "Example"))
    files.setdefault("pyproject.toml", DEFAULT_PYPROJECT)
    for path, source in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(source, encoding="utf-8")
    result = run_cli(
        "check", "--fix", "--unsafe-fixes", "--no-cache", "--select", ",".join(selection(code)), cwd=tmp_path
    )
    assert result.returncode in (0, 1), result.stderr
    for path, source in card_files(fixed).items():
        written = (tmp_path / path).read_text(encoding="utf-8")
        assert without_markers(written) == without_markers(source), f"{code}: {path} after --fix"

"""Every rule card's examples run as tests.

In a card, the code blocks under "## Example" form one small project and those under
"## Use instead" another. A `` `path`: `` line before a block names its file (default
`app/module.py`). In "Example", each line ending in `# error: [LGxxx, ...]` must get exactly those
findings and no other line may get one; in "Use instead" the rule must find nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from layerguard import check
from layerguard.cards import card_path, card_section, card_text, cards_dir
from layerguard.checks import ALL_METAS

BLOCK_RE = re.compile(r"(?:^`(?P<path>[^`\n]+)`:\s*\n+)?^```(?P<lang>\w+)\n(?P<code>.*?)^```", re.M | re.S)
MARKER_RE = re.compile(r"#\s*error:\s*\[(?P<codes>[^\]]+)\]")
DEFAULT_PATH = "app/module.py"
DEFAULT_PYPROJECT = '[project]\nname = "example"\nrequires-python = ">=3.12"\n'

RULE_CODES = [meta.code for meta in ALL_METAS]
# LG000 reports a bug in layerguard itself: nothing in a card can trigger it.
CODES_WITH_EXAMPLES = [code for code in RULE_CODES if code != "LG000"]


def write_project(section: str, root: Path) -> Counter[tuple[str, int, str]]:
    """Write a section's blocks under `root`; return the findings its markers expect."""
    expected: Counter[tuple[str, int, str]] = Counter()
    (root / "pyproject.toml").write_text(DEFAULT_PYPROJECT)
    blocks = list(BLOCK_RE.finditer(section))
    assert blocks, "section has no code block"
    for block in blocks:
        relative = block.group("path") or (
            "pyproject.toml" if block.group("lang") == "toml" else DEFAULT_PATH
        )
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.group("code"), encoding="utf-8")
        for number, line in enumerate(block.group("code").splitlines(), start=1):
            marker = MARKER_RE.search(line)
            if marker:
                for code in marker.group("codes").split(","):
                    expected[(relative, number, code.strip())] += 1
    _add_package_markers(root)
    return expected


def _add_package_markers(root: Path) -> None:
    """Examples show only the interesting files: give every folder its `__init__.py`."""
    for folder in [p for p in root.rglob("*") if p.is_dir()]:
        init = folder / "__init__.py"
        if not init.exists():
            init.write_text("")


def found(root: Path, code: str) -> Counter[tuple[str, int, str]]:
    report = check([root], select=[code])
    return Counter((f.path.relative_to(root).as_posix(), f.line, f.code) for f in report.findings)


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
def test_bad_example_gets_exactly_the_marked_findings(code: str, tmp_path: Path) -> None:
    text = card_text(code)
    assert text is not None
    expected = write_project(card_section(text, "Example"), tmp_path)
    assert expected, f"{code}: the Example marks no finding"
    assert found(tmp_path, code) == expected


@pytest.mark.parametrize("code", CODES_WITH_EXAMPLES)
def test_good_example_is_clean(code: str, tmp_path: Path) -> None:
    text = card_text(code)
    assert text is not None
    expected = write_project(card_section(text, "Use instead"), tmp_path)
    assert not expected, f"{code}: 'Use instead' must not mark findings"
    assert found(tmp_path, code) == Counter()

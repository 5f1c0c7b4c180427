"""Rule cards: the Markdown docs in the top-level `rules/`, shipped in the wheel as package data."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path


def cards_dir() -> Path:
    """The installed cards (`layerguard/rules` in a wheel), else the checkout's `rules/`."""
    packaged = Path(str(resources.files("layerguard"))) / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def card_path(code: str) -> Path | None:
    matches = sorted(cards_dir().glob(f"{code}-*.md"))
    return matches[0] if matches else None


def card_text(code: str) -> str | None:
    path = card_path(code)
    return path.read_text(encoding="utf-8") if path else None


def card_section(text: str, heading: str) -> str:
    """The body of a `## heading` section, without the heading, stripped."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1).strip() if match else ""


def card_summary(text: str) -> str:
    """The first paragraph of "What it does": SARIF's fullDescription."""
    body = card_section(text, "What it does")
    return body.split("\n\n", 1)[0].replace("\n", " ").strip()


def rules_markdown_table() -> str:
    """The README's rule table, generated from the registry so the two never disagree."""
    from layerguard.checks import ALL_METAS

    rows = ["| code | name | severity | fix | what it flags |", "|---|---|---|---|---|"]
    for meta in ALL_METAS:
        fix = "yes" if meta.fixable else ""
        summary = meta.summary.replace("|", "\\|")
        rows.append(f"| {meta.code} | `{meta.name}` | {meta.severity.value} | {fix} | {summary} |")
    return "\n".join(rows) + "\n"

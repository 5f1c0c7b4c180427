"""Project-wide name lookup, and the recording that lets file rules' findings be reused."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from layerguard.facts.parse import parse_file
from layerguard.model import ClassFact, FileFacts
from layerguard.symbols import RecordingSymbols, Symbols, answers_unchanged

FILES = {
    "app.db": "from sqlalchemy.ext.asyncio import AsyncSession\n",
    "app.models": "from app.models.user import User\n",
    "app.models.user": "from pydantic import BaseModel\n\nclass User(BaseModel):\n    name: str\n",
}


def facts_of(files: dict[str, str]) -> tuple[FileFacts, ...]:
    return tuple(
        parse_file(
            Path("/p/" + module.replace(".", "/") + ("/__init__.py" if module == "app.models" else ".py")),
            module,
            module == "app.models",
            textwrap.dedent(source).encode(),
        )
        for module, source in files.items()
    )


def describe(facts: FileFacts) -> str:
    return facts.module


def test_resolve_follows_reexports_and_canonical_name_leaves_outside_names() -> None:
    symbols = Symbols(facts_of(FILES))
    found = symbols.resolve("app.models.User")
    assert found is not None
    assert isinstance(found[0], ClassFact)
    assert found[1].module == "app.models.user"
    db = symbols.modules["app.db"]
    assert symbols.canonical_name("app.db.AsyncSession", db) == "sqlalchemy.ext.asyncio.AsyncSession"
    assert symbols.canonical_name("fastapi.Depends", db) == "fastapi.Depends"


def test_recorded_lookups_replay_until_an_answer_changes() -> None:
    recorder = RecordingSymbols(Symbols(facts_of(FILES)), describe)
    user = recorder.resolve("app.models.User")
    assert user is not None
    assert list(recorder.ancestors(user[0], user[1])) == ["pydantic.BaseModel"]
    lookups = list(recorder.lookups)
    assert ("definition", "app.models.user.User", "app.models.user") in lookups
    assert ("reexport", "app.models.User", "app.models.user.User") in lookups
    assert answers_unchanged(Symbols(facts_of(FILES)), lookups, describe)
    moved = {**FILES, "app.models": "from app.models.admin import User\n"}
    assert not answers_unchanged(Symbols(facts_of(moved)), lookups, describe)
    gone = {**FILES, "app.models.user": "from pydantic import BaseModel\n"}
    assert not answers_unchanged(Symbols(facts_of(gone)), lookups, describe)


def test_a_lookup_asked_again_is_recorded_once() -> None:
    """File rules ask the same names many times; a later run replays each recorded lookup."""
    recorder = RecordingSymbols(Symbols(facts_of(FILES)), describe)
    first = recorder.resolve("app.models.User")
    recorded = list(recorder.lookups)
    assert recorder.resolve("app.models.User") == first
    assert recorder.lookups == recorded
    assert len(set(recorded)) == len(recorded)


@pytest.mark.parametrize("table", ["modules", "top_level_names", "definitions", "reexports"])
def test_a_recorder_refuses_unrecorded_reads(table: str) -> None:
    """A rule reading a whole table would depend on lookups nobody recorded."""
    recorder = RecordingSymbols(Symbols(facts_of(FILES)), describe)
    with pytest.raises(AttributeError, match="recorded"):
        getattr(recorder, table)


def test_star_reexports_are_followed_one_level() -> None:
    """argilla's `models/__init__.py`: `from .database import *` re-exports its tables; `__all__`
    limits what a star binds, private names never are, and the module's own names win."""
    files = {
        "app.models": "from .database import *\nfrom .listed import *\n\nclass Own: ...\n",
        "app.models.database": "import enum\nclass User: ...\nclass _Hidden: ...\nclass Own: ...\n",
        "app.models.listed": "__all__ = ['Shown']\nclass Shown: ...\nclass Unlisted: ...\n",
    }
    symbols = Symbols(facts_of(files))

    def where(name: str) -> str | None:
        found = symbols.resolve(name)
        return f"{found[1].module}.{found[0].name}" if found is not None else None

    assert where("app.models.User") == "app.models.database.User"
    assert where("app.models.Shown") == "app.models.listed.Shown"
    assert where("app.models.Own") == "app.models.Own"
    assert where("app.models._Hidden") is None
    assert where("app.models.Unlisted") is None

"""Facts as the cache stores them: the large fields stay pickled, a group at a time, until read,
and the facts are equal to (and pickle as) the plain facts they were made from."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import textwrap
from pathlib import Path

from layerguard.facts.parse import parse_file
from layerguard.facts.stored import DEFERRED_FIELDS, DEFERRED_GROUPS, DeferredFileFacts, pickle_facts
from layerguard.model import FileFacts

SOURCE = textwrap.dedent(
    """\
    from typing import Optional

    import requests
    from sqlalchemy import text

    DSN = "postgresql://u@h/db"


    class Thing:
        pass


    async def handler(session, payload: dict) -> Optional[int]:
        requests.get("https://example.com")
        with open("x") as f:
            f.read()
        value = payload["key"]
        if not value:
            raise ValueError(value)
        await session.execute(text(f"SELECT {value}"))
        yield value
        return 1
    """
).encode()


def facts() -> FileFacts:
    return parse_file(Path("/p/app/services/thing.py"), "app.services.thing", False, SOURCE)


def test_every_deferred_field_is_a_field_and_the_example_fills_them() -> None:
    names = {field.name for field in dataclasses.fields(FileFacts)}
    assert set(DEFERRED_FIELDS) <= names
    plain = facts()
    empty = [name for name in DEFERRED_FIELDS if not getattr(plain, name)]
    assert empty == ["unpacked", "yielded"]


def test_deferred_fields_are_unpickled_a_group_at_a_time_on_first_read_and_equal_the_plain_facts() -> None:
    plain = facts()
    stored = pickle.loads(pickle_facts(plain))
    assert isinstance(stored, DeferredFileFacts)
    assert stored.__dict__.keys().isdisjoint(DEFERRED_FIELDS)  # not unpickled yet
    assert stored.module == plain.module and stored.imports == plain.imports
    assert stored.__dict__.keys().isdisjoint(DEFERRED_FIELDS)  # eager fields read: still not
    loaded: set[str] = set()
    for group in DEFERRED_GROUPS:
        assert getattr(stored, group[-1]) == getattr(plain, group[-1])
        loaded.update(group)
        # One read unpickles its group, and no other.
        assert stored.__dict__.keys() & set(DEFERRED_FIELDS) == loaded, group
    for name in DEFERRED_FIELDS:
        assert getattr(stored, name) == getattr(plain, name), name


def test_the_groups_are_the_deferred_fields_each_once() -> None:
    assert len(DEFERRED_FIELDS) == len(set(DEFERRED_FIELDS))
    assert {"functions", "classes", "calls", "assignments"} <= set(DEFERRED_FIELDS)


def test_facts_pickled_with_another_group_layout_are_refused() -> None:
    """An entry written by a layout with other groups fails to unpickle (a cache miss, which
    the cache turns into a parse), never facts with fields missing."""
    from layerguard.facts import stored as module

    pickled = pickle_facts(facts())
    original = module.DEFERRED_GROUPS
    try:
        module.DEFERRED_GROUPS = (*original, ("noqa",))
        try:
            pickle.loads(pickled)
        except ValueError:
            pass
        else:
            raise AssertionError("facts of another layout were accepted")
    finally:
        module.DEFERRED_GROUPS = original


def test_stored_facts_compare_hash_and_pickle_as_the_plain_facts() -> None:
    plain = facts()
    pickled = pickle_facts(plain)
    for stored in (pickle.loads(pickled), pickle.loads(pickled)):  # before and after a read
        assert stored == plain and plain == stored
        assert (stored != plain) is False
        assert hash(stored) == hash(plain)
        assert {stored.path: stored} == {plain.path: plain}
        again = pickle.loads(pickle.dumps(stored))
        assert type(again) is FileFacts and again == plain
        assert copy.copy(stored) == plain
        assert stored.returns == plain.returns  # the second round: after a deferred field was read
    other = dataclasses.replace(plain, module="app.services.other")
    assert pickle.loads(pickled) != other and other != pickle.loads(pickled)
    assert dataclasses.replace(pickle.loads(pickled), module="app.services.other") == other


def _facts_within(value: object) -> list[object]:
    """Every fact reachable from `value` (dataclass instances in fields, tuples and frozensets)."""
    found, todo = [], [value]
    while todo:
        item = todo.pop()
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            found.append(item)
            todo.extend(getattr(item, field.name) for field in dataclasses.fields(item))
        elif isinstance(item, (tuple, list, frozenset, set)):
            todo.extend(item)
    return found


def test_a_fact_pickles_as_a_call_of_its_class_with_no_field_names() -> None:
    # Pickle's default would store each fact's fields by name and fill its `__dict__` when
    # unpickled, which costs CPython 3.11 the compact attribute storage (slower reads in every
    # rule); a call of the class stores the values alone.
    plain = facts()
    nested = _facts_within(tuple(getattr(plain, field.name) for field in dataclasses.fields(FileFacts)))
    assert len({type(fact) for fact in nested}) >= 8
    strings = {item for fact in nested for item in dataclasses.astuple(fact) if isinstance(item, str)}
    names = {field.name for fact in nested for field in dataclasses.fields(fact)} - strings
    pickled = pickle_facts(plain)
    stored = pickle.loads(pickled)
    groups = b"".join(
        pickle.dumps(tuple(getattr(plain, name) for name in group)) for group in DEFERRED_GROUPS
    )
    for data in (pickled, groups, pickle.dumps(nested)):
        assert [name for name in sorted(names) if bytes([0x8C, len(name)]) + name.encode() in data] == []
    assert stored == plain
    assert [pickle.loads(pickle.dumps(fact)) for fact in nested] == nested

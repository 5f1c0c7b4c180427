"""What a module-level name is (symbol_kinds.py): Protocols and type aliases (issue 13, N3 and
argilla's alias of Pydantic classes)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from layerguard.facts.parse import parse_file
from layerguard.model import ClassFact, FileFacts
from layerguard.symbol_kinds import (
    CLASS,
    CONSTANT,
    DATA_CLASS,
    PROTOCOL,
    TABLE,
    TYPE_ALIAS,
    VALUE,
    alias_targets,
    assignment_kind,
    class_kind,
    is_orm_class,
    is_table_class,
)
from layerguard.symbols import Symbols

HEAD = (
    "from typing import Annotated, Optional, Protocol, Union\n"
    "from pydantic import Field\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
    "from app.other import Other\n"
    "class Base(DeclarativeBase):\n    pass\n"
)


def module(source: str) -> tuple[FileFacts, Symbols]:
    facts = parse_file(Path("/p/app/m.py"), "app.m", False, (HEAD + textwrap.dedent(source)).encode())
    return facts, Symbols((facts,))


def cls(facts: FileFacts, name: str) -> ClassFact:
    return next(c for c in facts.classes if c.name == name)


def test_a_protocol_with_mapped_attributes_is_no_orm_class() -> None:
    """dstack's `PipelineModel(Protocol)` with `id: Mapped[uuid.UUID]` describes tables."""
    facts, symbols = module("class Pipelined(Protocol):\n    id: Mapped[int]\n    __tablename__: str\n")
    protocol = cls(facts, "Pipelined")
    assert class_kind(protocol, facts, symbols) == PROTOCOL
    assert not is_orm_class(protocol, facts, symbols)
    assert not is_table_class(protocol, facts, symbols)


def test_a_class_deriving_from_a_protocol_without_naming_protocol_is_concrete() -> None:
    """PEP 544: only `Protocol` among a class's own bases makes it a protocol. fief-server's
    `BaseRepository(BaseRepositoryProtocol, Generic[M])` is the repositories' concrete base;
    taken for a Protocol it made every repository neutral (24 routes' imports unreported)."""
    facts, symbols = module(
        "class Readable(Protocol):\n    def get(self) -> int: ...\n"
        "class Repository(Readable):\n    def get(self) -> int:\n        return 1\n"
        "class StillAProtocol(Readable, Protocol):\n    def put(self) -> None: ...\n"
    )
    assert class_kind(cls(facts, "Readable"), facts, symbols) == PROTOCOL
    assert class_kind(cls(facts, "Repository"), facts, symbols) == CLASS
    assert class_kind(cls(facts, "StillAProtocol"), facts, symbols) == PROTOCOL


def test_a_class_declaring_tablename_without_a_value_is_no_table() -> None:
    """dstack's `PipelineItem` dataclass: `__tablename__: str` names a table, it maps none."""
    facts, symbols = module("class Item:\n    __tablename__: str\nclass Row:\n    __tablename__ = 'rows'\n")
    assert not is_table_class(cls(facts, "Item"), facts, symbols)
    assert class_kind(cls(facts, "Item"), facts, symbols) == CLASS
    assert class_kind(cls(facts, "Row"), facts, symbols) == TABLE


@pytest.mark.parametrize(
    "source",
    [
        # A table that also derives from a Protocol is a concrete class: still a table.
        "class HasId(Protocol):\n    id: Mapped[int]\nclass Job(Base, HasId):\n"
        "    __tablename__ = 'jobs'\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
        # An ORM mixin deriving from a Protocol keeps its mapped attributes.
        "class HasId(Protocol):\n    id: Mapped[int]\n"
        "class Job(HasId):\n    id: Mapped[int] = mapped_column()\n",
    ],
)
def test_a_class_below_a_protocol_stays_an_orm_class(source: str) -> None:
    facts, symbols = module(source)
    job = cls(facts, "Job")
    assert is_orm_class(job, facts, symbols)
    assert (class_kind(job, facts, symbols) == TABLE) == ("__tablename__" in source)


@pytest.mark.parametrize(
    ("alias", "targets"),
    [
        ("X = Annotated[Union[A, B], Field(discriminator='type')]", ("typing.Union", "A", "B")),
        ("X = Annotated[Other, Field(description='d')]", ("app.other.Other",)),
        ("X = Optional[list[A]]", ("typing.Optional", "list", "A")),
        ("X = A | B", ("A", "B")),
        ("X = Annotated['A', 1]", ("A",)),
        ("X = Annotated[int, Field(gt=0)]", ("int",)),
    ],
)
def test_an_alias_stands_for_its_type_not_annotated_metadata(alias: str, targets: tuple[str, ...]) -> None:
    facts, _ = module(alias + "\n")
    [assignment] = [a for a in facts.assignments if a.name == "X"]
    assert assignment.value is not None
    assert alias_targets(assignment.value) == targets


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import dataclasses\n@dataclasses.dataclass\nclass C:\n    x: int\n", DATA_CLASS),
        ("from dataclasses import dataclass\n@dataclass(frozen=True)\nclass C:\n    x: int\n", DATA_CLASS),
        ("import attrs\n@attrs.define\nclass C:\n    x: int\n", DATA_CLASS),
        ("import attr\n@attr.s(auto_attribs=True)\nclass C:\n    x: int\n", DATA_CLASS),
        ("from pydantic.dataclasses import dataclass\n@dataclass\nclass C:\n    x: int\n", DATA_CLASS),
        ("from typing import NamedTuple\nclass C(NamedTuple):\n    x: int\n", DATA_CLASS),
        ("from typing_extensions import TypedDict\nclass C(TypedDict):\n    x: int\n", DATA_CLASS),
        # Dunders and properties keep it a carrier of fields.
        (
            "from dataclasses import dataclass\n@dataclass\nclass C:\n    x: int\n"
            "    def __post_init__(self) -> None: ...\n"
            "    @property\n    def y(self) -> int:\n        return self.x\n",
            DATA_CLASS,
        ),
        # Any other method may be logic (a sync repository declared as a dataclass).
        (
            "from dataclasses import dataclass\n@dataclass\nclass C:\n    x: int\n"
            "    def load(self) -> int:\n        return 1\n",
            CLASS,
        ),
        ("class C:\n    x: int\n", CLASS),
        ("def dataclass(c): return c\n@dataclass\nclass C:\n    x: int\n", CLASS),
    ],
)
def test_data_classes_are_carriers_of_fields(source: str, expected: str) -> None:
    """Issue 13, pattern 1: the dataclasses beside a `models.py`'s tables are payloads."""
    facts, symbols = module(source)
    assert class_kind(cls(facts, "C"), facts, symbols) == expected


def test_a_method_of_a_nested_class_does_not_count_for_the_outer_one() -> None:
    facts, symbols = module(
        "from dataclasses import dataclass\n@dataclass\nclass C:\n    x: int\n"
        "    class Inner:\n        def load(self) -> int:\n            return 1\n"
    )
    assert class_kind(cls(facts, "C"), facts, symbols) == DATA_CLASS


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import re\nARN_ALLOWED_REGEX = re.compile('^arn:')\n", CONSTANT),  # hawk's, the seed-35 audit
        ("from datetime import timedelta\nTTL = timedelta(hours=1)\n", CONSTANT),
        ("import os\nDATA_DIR = os.getenv('DATA_DIR')\n", CONSTANT),
        ("FAILED = frozenset({1, 2})\n", CONSTANT),
        ("import re\nmatcher = re.compile('^arn:')\n", VALUE),  # not named as a constant
        ("ENGINE = Other()\n", VALUE),  # a call of the app's own
    ],
)
def test_upper_case_names_bound_to_plain_values_are_constants(source: str, expected: str) -> None:
    facts, symbols = module(source)
    [assignment] = [a for a in facts.assignments if a.name.isupper() or a.name == "matcher"]
    assert assignment_kind(assignment, facts, symbols) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # mlrun's `EventFieldType` (seed 38): an enum in all but its base, neutral as one.
        ('class Names:\n    FUNCTION_URI = "function_uri"\n    TIMEOUT = 30\n', CONSTANT),
        ('class Names(object):\n    FUNCTION_URI = "function_uri"\n', CONSTANT),
        (
            "class Names:\n    ENABLED = True\n    LOW = -1\n    ALIAS = ENABLED\n",
            CONSTANT,
        ),  # as at module level
        # Anything more is a class of its module's layer.
        ('class Names:\n    FUNCTION_URI = "function_uri"\n    name = "x"\n', CLASS),  # lower case
        ('class Names:\n    FUNCTION_URI = "x"\n\n    def uri(self) -> str:\n        return ""\n', CLASS),
        ('class Names(Other):\n    FUNCTION_URI = "function_uri"\n', CLASS),
        ("class Names:\n    FUNCTION_URI = make_uri()\n", CLASS),
        ("class Names:\n    pass\n", CLASS),
        ('class Names(metaclass=Meta):\n    FUNCTION_URI = "function_uri"\n', CLASS),
    ],
)
def test_a_plain_class_of_upper_case_constants_is_a_constant(source: str, expected: str) -> None:
    facts, symbols = module(source)
    assert class_kind(cls(facts, "Names"), facts, symbols) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Default = str | int | float | bool\n", TYPE_ALIAS),  # datajunction's, a column's payload
        ("from app.schemas import A, B\nPayload = A | B | None\n", TYPE_ALIAS),
        ("Rows = list[int] | dict[str, int]\n", TYPE_ALIAS),
        ("base = {}\nextra = {}\nmerged = base | extra\n", VALUE),  # two values, not types
    ],
)
def test_a_union_of_types_bound_to_a_name_is_a_type_alias(source: str, expected: str) -> None:
    facts, symbols = module(source)
    assignment = facts.assignments[-1]
    assert assignment_kind(assignment, facts, symbols) == expected

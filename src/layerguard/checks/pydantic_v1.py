"""LG601 / LG602: Pydantic v1 leftovers — `class Config`, v1 config keys, v1 methods and
validators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.model import (
    SAFE,
    UNSAFE,
    CallFact,
    ClassFact,
    Edit,
    ExprFact,
    FileFacts,
    Finding,
    Fix,
    RuleMeta,
    Severity,
    Span,
)

if TYPE_CHECKING:
    from layerguard.context import FileView

PYDANTIC_BASES = frozenset(
    {
        "pydantic.BaseModel",
        "pydantic.main.BaseModel",
        "sqlmodel.SQLModel",
        "sqlmodel.main.SQLModel",
        "pydantic_settings.BaseSettings",
        "pydantic_settings.main.BaseSettings",
        "pydantic.BaseSettings",  # pydantic v1's own settings class
    }
)
CONFIG_DICTS = frozenset({"pydantic.ConfigDict", "pydantic.config.ConfigDict"})
# pydantic 2.13's own lists: `pydantic/_internal/_config.py`, `V2_RENAMED_KEYS` (v1 key -> v2 key)
# and `V2_REMOVED_KEYS`. pydantic warns about these at class creation; layerguard says it before.
V2_RENAMED_KEYS = {
    "allow_population_by_field_name": "validate_by_name",
    "anystr_lower": "str_to_lower",
    "anystr_strip_whitespace": "str_strip_whitespace",
    "anystr_upper": "str_to_upper",
    "keep_untouched": "ignored_types",
    "max_anystr_length": "str_max_length",
    "min_anystr_length": "str_min_length",
    "orm_mode": "from_attributes",
    "schema_extra": "json_schema_extra",
    "validate_all": "validate_default",
}
V2_REMOVED_KEYS = frozenset(
    {
        "allow_mutation",
        "error_msg_templates",
        "fields",
        "getter_dict",
        "smart_union",
        "underscore_attrs_are_private",
        "json_loads",
        "json_dumps",
        "copy_on_model_validation",
        "post_init_call",
    }
)
# v1 class methods and their v2 names. `.json() .copy() .construct() .validate()` are left out:
# too many other objects have methods with those names.
V1_CLASS_METHODS = {
    "parse_obj": "model_validate",
    "parse_raw": "model_validate_json",
    "parse_file": "model_validate_json",
    "from_orm": "model_validate",
    "update_forward_refs": "model_rebuild",
    "schema": "model_json_schema",
    "schema_json": "model_json_schema",
}
V1_VALIDATORS = {
    "pydantic.validator": "field_validator",
    "pydantic.class_validators.validator": "field_validator",
    "pydantic.root_validator": "model_validator",
    "pydantic.class_validators.root_validator": "model_validator",
}


TYPING_PREFIXES = ("typing.", "typing_extensions.")


def is_pydantic_model(cls: ClassFact, facts: FileFacts, view: FileView) -> bool:
    return view.symbols.inherits_from(cls, facts, PYDANTIC_BASES)


def imports_pydantic_v1(facts: FileFacts) -> bool:
    """The module uses pydantic's v1 compatibility layer on purpose."""
    return any(
        i.level == 0
        and (
            i.module == "pydantic.v1"
            or i.module.startswith("pydantic.v1.")
            or (i.module, i.name) == ("pydantic", "v1")
        )
        for i in facts.imports
    )


class PydanticV1Config(FileRule):
    meta = RuleMeta(
        code="LG601",
        name="pydantic-v1-config",
        severity=Severity.ERROR,
        summary="A nested `class Config` or a v1-only key in `ConfigDict`",
        calls=frozenset({"ConfigDict"}),
        fixable=True,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        for cls in facts.classes:
            config = next((span for name, span in cls.nested_classes if name == "Config"), None)
            if config is not None and is_pydantic_model(cls, facts, view):
                message = (
                    f"`class Config` in `{cls.name}` is Pydantic v1: use `model_config = ConfigDict(...)`"
                )
                yield self.finding(facts, config, message)
        for call in facts.calls:
            if call.method == "ConfigDict" and call.call.qualified in CONFIG_DICTS:
                yield from self._v1_keys(facts, call)

    def _v1_keys(self, facts: FileFacts, call: CallFact) -> Iterator[Finding]:
        for name, value in call.call.keywords:
            span = keyword_span(call.call, name, value)
            fix = None
            if name in V2_RENAMED_KEYS:
                message = f"`{name}` is a Pydantic v1 config key: use `{V2_RENAMED_KEYS[name]}`"
                fix = rename_key(name, span, value)
            elif name in V2_REMOVED_KEYS:
                message = f"`{name}` is a Pydantic v1 config key that v2 removed"
            else:
                continue
            yield self.finding(facts, span, message, fix)


def rename_key(name: str, span: Span, value: ExprFact) -> Fix | None:
    """`orm_mode=` -> `from_attributes=`: pydantic reads the v1 key as the v2 one, so the rename
    keeps the meaning. Not `allow_population_by_field_name`, whose v2 name depends on the
    Pydantic version (`populate_by_name` before 2.11, `validate_by_name` since); not where the
    keyword's own position is unknown."""
    if name == "allow_population_by_field_name" or span == value.span:
        return None
    new_name = V2_RENAMED_KEYS[name]
    edit = Edit(new_name, span.line, span.column, span.line, span.column + len(name))
    return Fix(f"Rename `{name}` to `{new_name}`", (edit,))


def keyword_span(call: ExprFact, name: str, value: ExprFact) -> Span:
    """Where `name=` starts in the call: found in the call's text before the value; the value's
    own position when the text was cut before it."""
    lines = call.text.split("\n")
    line_index = value.span.line - call.span.line
    if not 0 <= line_index < len(lines):
        return value.span
    first_column = call.span.column if line_index == 0 else 0
    before = lines[line_index][: value.span.column - first_column].rstrip()
    if not before.endswith("="):
        return value.span
    before = before[:-1].rstrip()
    if not before.endswith(name):
        return value.span
    column = first_column + len(before) - len(name)
    return Span(value.span.line, column, value.span.end_line, value.span.end_column)


# The v1 methods `--fix` renames, to the v2 call that does the same thing in Pydantic v2 (whose
# v1 method calls it), and whether that rewrite is safe. Not renamed: `.parse_file()` (v2 has no
# one-call equivalent), `.schema_json()` (v2 returns the schema, not its JSON text) and the
# validators (`@field_validator` takes other arguments and runs at other times).
V2_REWRITES = {
    "dict": ("model_dump", SAFE),
    "parse_obj": ("model_validate", SAFE),
    "from_orm": ("model_validate", SAFE),
    "schema": ("model_json_schema", SAFE),
    "update_forward_refs": ("model_rebuild", SAFE),
    # JSON-mode validation is not `json.loads` then Python-mode validation: a strict model
    # accepts an ISO date string only in JSON mode.
    "parse_raw": ("model_validate_json", UNSAFE),
}


class PydanticV1Api(FileRule):
    meta = RuleMeta(
        code="LG602",
        name="pydantic-v1-api",
        severity=Severity.ERROR,
        summary="A Pydantic v1 method or validator",
        calls=frozenset({"dict", *V1_CLASS_METHODS}),
        fixable=True,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        if imports_pydantic_v1(facts):
            return
        for call in facts.calls:
            found = self._v1_method(call, facts, view)
            if found is not None:
                message, fix = found
                yield self.finding(facts, call.call.span, message, fix)
        for function in facts.functions:
            for decorator in function.decorators:
                validator = decorator.qualified or ""
                if validator in V1_VALIDATORS:
                    name = validator.rpartition(".")[2]
                    message = f"`@{name}` is Pydantic v1: use `@{V1_VALIDATORS[validator]}`"
                    yield self.finding(facts, decorator.span, message)

    def _v1_method(self, call: CallFact, facts: FileFacts, view: FileView) -> tuple[str, Fix | None] | None:
        if call.method != "dict" and call.method not in V1_CLASS_METHODS:
            return None  # another rule's call: its receiver need not be resolved
        receiver = receiver_class(call, facts, view)
        model = receiver if receiver is not None and is_pydantic_model(*receiver, view) else None
        # v1's `.dict()` takes keywords only: `x.dict(y)` is some other object's method.
        if call.method == "dict" and call.callee != "dict" and not call.call.args:
            if receiver is not None and model is None and defines_own(receiver, "dict", view):
                return None  # a project class's own `dict()` (an ORM base's helper): not pydantic
            return "`.dict()` is Pydantic v1: use `.model_dump()`", v2_rewrite(call, model, view)
        if call.method in V1_CLASS_METHODS and model is not None:
            message = f"`.{call.method}()` is Pydantic v1: use `.{V1_CLASS_METHODS[call.method]}()`"
            return message, v2_rewrite(call, model, view)
        return None


def receiver_class(call: CallFact, facts: FileFacts, view: FileView) -> tuple[ClassFact, FileFacts] | None:
    """The project class the receiver is, or is an instance of by its declared type (`self`, a
    typed parameter or attribute, `Optional[X]` and `X | None` included)."""
    receiver = call.callee.rpartition(".")[0]
    if not receiver:
        return None
    if receiver in ("self", "cls") and call.function is not None:
        enclosing = enclosing_class(facts, call.function)
        if enclosing is not None:
            return enclosing, facts
    # The receiver as the imports resolve it (`schemas.User` -> `app.schemas.User`).
    candidates = [(call.call.qualified or call.callee).rpartition(".")[0]]
    declared = call.receiver_type
    if declared is not None and declared.qualified:
        candidates.append(declared.qualified)
    if declared is not None and declared.kind in ("subscript", "binop"):
        # `Optional[PortsLock]`, `PortsLock | None`: the one class named besides None.
        named = [n for n in declared.names if n != "None" and not n.startswith(TYPING_PREFIXES)]
        if len(named) == 1:
            candidates.append(named[0])
    resolved = [found for c in candidates if (found := view.symbols.resolve_class(c, facts)) is not None]
    return next((found for found in resolved if is_pydantic_model(*found, view)), None) or next(
        iter(resolved), None
    )


def v2_rewrite(call: CallFact, model: tuple[ClassFact, FileFacts] | None, view: FileView) -> Fix | None:
    """The fix renaming the v1 method of `call` to its v2 name: only on a receiver known to be
    a pydantic model none of whose project classes defines that method itself, and only where
    the method name is found in the call's own text."""
    rewrite = V2_REWRITES.get(call.method)
    if rewrite is None or model is None or defines_own(model, call.method, view):
        return None
    new_name, applicability = rewrite
    text, span, callee = call.call.text, call.call.span, call.callee
    if not callee.endswith(f".{call.method}") or not text.startswith(callee):
        return None  # `user . dict()`, `(user).dict()`, a cut text: no position to trust
    if call.method == "update_forward_refs":
        # v2's own `update_forward_refs()` is `model_rebuild(force=True)`; it takes no argument.
        if text != f"{callee}()":
            return None
        new_name = "model_rebuild(force=True)"
        end_column = span.column + len(text)
    else:
        end_column = span.column + len(callee)
    if call.method == "dict" and any(name == "skip_defaults" for name, _ in call.call.keywords):
        return None  # v1's `skip_defaults` has no `model_dump` twin
    start = span.column + len(callee) - len(call.method)
    edit = Edit(new_name, span.line, start, span.line, end_column)
    return Fix(f"Replace `.{call.method}()` with `.{new_name.partition('(')[0]}()`", (edit,), applicability)


def defines_own(model: tuple[ClassFact, FileFacts], method: str, view: FileView) -> bool:
    """The class, or a project class it derives from, defines `method` (a `def` or an attribute):
    then the call is the project's own method, not pydantic's."""
    lineage: list[tuple[ClassFact, FileFacts]] = [model]
    lineage += [found for found in view.symbols.ancestors(*model) if not isinstance(found, str)]
    for cls, facts in lineage:
        if any(field.name == method for field in cls.fields):
            return True
        if any(function.qualname == f"{cls.qualname}.{method}" for function in facts.functions):
            return True
    return False


def enclosing_class(facts: FileFacts, function_index: int) -> ClassFact | None:
    """The class a method is defined in (the method's own class, for `self`/`cls`)."""
    function = facts.functions[function_index]
    if function.class_name is None:
        return None
    owner = function.qualname.rpartition(".")[0]
    return next((c for c in facts.classes if c.qualname == owner), None)

"""LG601 / LG602: Pydantic v1 leftovers — `class Config`, v1 config keys, v1 methods and
validators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.model import CallFact, ClassFact, ExprFact, FileFacts, Finding, RuleMeta, Severity, Span

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
            if name in V2_RENAMED_KEYS:
                message = f"`{name}` is a Pydantic v1 config key: use `{V2_RENAMED_KEYS[name]}`"
            elif name in V2_REMOVED_KEYS:
                message = f"`{name}` is a Pydantic v1 config key that v2 removed"
            else:
                continue
            yield self.finding(facts, keyword_span(call.call, name, value), message)


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


class PydanticV1Api(FileRule):
    meta = RuleMeta(
        code="LG602",
        name="pydantic-v1-api",
        severity=Severity.ERROR,
        summary="A Pydantic v1 method or validator",
        calls=frozenset({"dict", *V1_CLASS_METHODS}),
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        if imports_pydantic_v1(facts):
            return
        for call in facts.calls:
            message = self._v1_method(call, facts, view)
            if message is not None:
                yield self.finding(facts, call.call.span, message)
        for function in facts.functions:
            for decorator in function.decorators:
                validator = decorator.qualified or ""
                if validator in V1_VALIDATORS:
                    name = validator.rpartition(".")[2]
                    message = f"`@{name}` is Pydantic v1: use `@{V1_VALIDATORS[validator]}`"
                    yield self.finding(facts, decorator.span, message)

    def _v1_method(self, call: CallFact, facts: FileFacts, view: FileView) -> str | None:
        # v1's `.dict()` takes keywords only: `x.dict(y)` is some other object's method.
        if call.method == "dict" and call.callee != "dict" and not call.call.args:
            return "`.dict()` is Pydantic v1: use `.model_dump()`"
        if call.method in V1_CLASS_METHODS and self._on_pydantic_model(call, facts, view):
            return f"`.{call.method}()` is Pydantic v1: use `.{V1_CLASS_METHODS[call.method]}()`"
        return None

    def _on_pydantic_model(self, call: CallFact, facts: FileFacts, view: FileView) -> bool:
        """The receiver is a pydantic model class, or an instance of one by its declared type."""
        receiver = call.callee.rpartition(".")[0]
        if not receiver:
            return False
        if receiver in ("self", "cls") and call.function is not None:
            enclosing = enclosing_class(facts, call.function)
            if enclosing is not None:
                return is_pydantic_model(enclosing, facts, view)
        # The receiver as the imports resolve it (`schemas.User` -> `app.schemas.User`).
        candidates = [(call.call.qualified or call.callee).rpartition(".")[0]]
        if call.receiver_type is not None and call.receiver_type.qualified:
            candidates.append(call.receiver_type.qualified)
        for candidate in candidates:
            found = view.symbols.resolve_class(candidate, facts)
            if found is not None and is_pydantic_model(found[0], found[1], view):
                return True
        return False


def enclosing_class(facts: FileFacts, function_index: int) -> ClassFact | None:
    """The class a method is defined in (the method's own class, for `self`/`cls`)."""
    function = facts.functions[function_index]
    if function.class_name is None:
        return None
    owner = function.qualname.rpartition(".")[0]
    return next((c for c in facts.classes if c.qualname == owner), None)

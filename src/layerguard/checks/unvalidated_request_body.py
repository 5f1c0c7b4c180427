"""LG703: a route handler takes its request body as a free-form value, or reads it by hand.

FastAPI decides where a parameter comes from (fastapi/dependencies/utils.py, `analyze_param`):
an explicit `Body()`/`Query()`/`Form()`/`File()`/`Depends()` ... says so; otherwise a path
placeholder is a path parameter, and a "complex" type (a model, a mapping, a sequence) is the
body, while anything else — `Any`, `object`, no annotation — is a query string. So a bare `dict`
parameter is the JSON body, and a bare `Any` parameter is not: it is reported only with `Body()`.

A free-form body is reported only where the handler reads named keys from it (`body["k"]`,
`body.get("k")`, `.pop`, `.setdefault`, `"k" in body`): the code expects a shape that no model
states. On eleven real apps every such body was a true finding (19), while the bodies read by no
key were pass-throughs to a pipeline server or a Bot Framework deserialiser, a flow's
user-defined context, settings merged and rebuilt, a JSON Schema to check (6 debatable, 1 false,
beside 7 true that hand the body to a helper or merge it into stored data).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.endpoint_handlers import checked_route_handlers
from layerguard.checks.routes import ROUTE_CALLS
from layerguard.model import (
    AssignmentFact,
    CallFact,
    ExprFact,
    FileFacts,
    Finding,
    ParamFact,
    RuleMeta,
    Severity,
)
from layerguard.presets import PRESET_LAYER_NAMES
from layerguard.symbols import MAX_HOPS

if TYPE_CHECKING:
    from layerguard.context import FileView

# `request.json()` hands over the parsed body unvalidated. `request.body()` is not reported: on
# eleven real apps its 16 reads were bytes for a webhook's signature, protobuf, YAML, a proxy or
# `model_validate_json`; nor is `request.form()` (1 of 4 true: OAuth token forms, a multipart
# upload, Twilio's signed webhook form).
BODY_READS = frozenset({"json"})
RAW_BODY_READS = frozenset({"body"})
READS = BODY_READS | RAW_BODY_READS
# Calls that validate what they are given: `Model.model_validate(data)`, a TypeAdapter's
# `validate_python(data)`, `jsonschema.validate(data, schema)` against a schema known at run time.
VALIDATORS = frozenset(
    {
        "model_validate", "model_validate_json", "parse_obj", "parse_raw", "validate_python",
        "validate_json", "validate",
    }
)  # fmt: skip
# Calls that copy a mapping: reading keys from the copy reads the body's.
COPIES = frozenset({"dict", "copy.copy", "copy.deepcopy"})
# Calls that take `**data` without validating it.
PLAIN_UNPACKS = frozenset({"dict", "print"})
REQUEST_CLASSES = frozenset({"fastapi.Request", "fastapi.requests.Request", "starlette.requests.Request"})
FASTAPI_MODULES = ("fastapi.", "fastapi.params.", "fastapi.param_functions.")
# What a parameter's `Body()`, `Query()` ... marker is, by the function's name.
PARAM_FUNCTIONS = frozenset(
    {"Body", "Query", "Path", "Header", "Cookie", "Form", "File", "Depends", "Security"}
)
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
UNIONS = frozenset(
    {"typing.Optional", "typing.Union", "typing_extensions.Optional", "typing_extensions.Union"}
)
MAPPINGS = frozenset(
    {
        "dict", "typing.Dict", "typing.Mapping", "typing.MutableMapping", "collections.abc.Mapping",
        "collections.abc.MutableMapping", "typing_extensions.Dict",
    }
)  # fmt: skip
SEQUENCES = frozenset(
    {"list", "set", "frozenset", "typing.List", "typing.Set", "typing.FrozenSet", "typing.Sequence",
     "collections.abc.Sequence"}
)  # fmt: skip
ANYTHING = frozenset({"typing.Any", "typing_extensions.Any", "object"})


class UnvalidatedRequestBody(FileRule):
    meta = RuleMeta(
        code="LG703",
        name="unvalidated-request-body",
        severity=Severity.ERROR,
        summary=(
            "A route handler reads keys from a request body that no model validates "
            "(`dict`, `request.json()`)"
        ),
        layers=PRESET_LAYER_NAMES,
        calls=ROUTE_CALLS | READS | VALIDATORS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        for handler in checked_route_handlers(facts, view):
            if handler.method == "websocket":
                continue  # messages, not a request body
            name = handler.function.name
            index = next(i for i, function in enumerate(facts.functions) if function is handler.function)
            checked = HandChecked.of(facts, index)
            key_reads = [read for read in facts.key_reads if read.function == index]
            for param in handler.function.params:
                free_form = unvalidated_body_type(param, facts, view)
                if free_form is None or checked.names(param.name):
                    continue
                read = next((read for read in key_reads if reads_from_name(read.receiver, param.name)), None)
                if read is not None:
                    message = (
                        f"Route handler `{name}` reads keys (`{read.text}`) from its request body "
                        f"`{param.name}`, typed `{free_form}`, which FastAPI does not validate: "
                        "declare a Pydantic model with those fields"
                    )
                    yield self.finding(facts, param.span, message)
            reads = request_reads(facts, index, view)
            if any(call.method in RAW_BODY_READS for call in reads):
                continue  # a webhook: it checks a signature over the raw bytes, then reads them
            if any(takes_body_model(param, facts, view) for param in handler.function.params):
                continue  # FastAPI validated the body already: a second read sees the same content
            for call in reads:
                if call.method not in BODY_READS or checked.holds(call.call):
                    continue
                read = next((read for read in key_reads if reads_from_call(read.receiver, call.call)), None)
                if read is not None:
                    message = (
                        f"Route handler `{name}` reads keys (`{read.text}`) from `{call.call.text}`, "
                        "unvalidated: take the request body as a Pydantic model parameter"
                    )
                    yield self.finding(facts, call.call.span, message)


@dataclass(frozen=True)
class HandChecked:
    """What a handler validates by hand: values given to a validator (`Model.model_validate(x)`)
    or unpacked into a call (`Model(**x)`, as `Valves(**form_data)` builds a model chosen at run
    time)."""

    values: tuple[ExprFact, ...]

    @classmethod
    def of(cls, facts: FileFacts, function: int) -> HandChecked:
        validated = [
            arg
            for call in facts.calls
            if call.function == function and call.method in VALIDATORS
            for arg in call.call.args[:1]
        ]
        unpacked = [
            unpack.value
            for unpack in facts.unpacked
            if unpack.function == function and unpack.callee not in PLAIN_UNPACKS
        ]
        return cls((*validated, *unpacked))

    def names(self, name: str) -> bool:
        """The parameter `name`, or a name assigned from an expression of it (`v = hydrate(name)`)."""
        return any(
            value.kind == "name"
            and (value.text == name or (value.assigned is not None and name in value.assigned.names))
            for value in self.values
        )

    def holds(self, read: ExprFact) -> bool:
        """The value of this read, awaited or not, directly or through the name it was assigned to."""
        return any(
            _is_read(value, read) or (value.assigned is not None and _is_read(value.assigned, read))
            for value in self.values
        )


def _is_read(value: ExprFact, read: ExprFact) -> bool:
    if value.kind == "await" and value.args:
        value = value.args[0]
    return value.span == read.span


def reads_from_name(receiver: ExprFact, name: str) -> bool:
    """`receiver` holds what the parameter `name` holds: the parameter itself, an alias of it, a
    loop variable over it, or a copy of it alone (`{**name}`, `dict(name)`, `name.copy()`)."""
    if receiver.kind != "name" or (receiver.text != name and receiver.assigned is None):
        return False
    value = receiver.assigned
    if value is None:
        return True
    if value.kind == "name":
        return value.text == name
    if value.kind == "dict":  # `{**name, "k": v}`; not a merge `{**stored, **name}`
        text = "".join(value.text.split())
        return text.startswith((f"{{**{name},", f"{{**{name}}}")) and text.count("**") == 1
    if value.kind == "call" and value.qualified in COPIES:
        return bool(value.args) and value.args[0].kind == "name" and value.args[0].text == name
    return value.kind == "call" and value.qualified == f"{name}.copy"


def reads_from_call(receiver: ExprFact, read: ExprFact) -> bool:
    """`receiver` is the value of this read: `(await request.json())["k"]`, or a name assigned
    from it (`data = await request.json()`)."""
    return _is_read(receiver, read) or (
        receiver.kind == "name" and receiver.assigned is not None and _is_read(receiver.assigned, read)
    )


@dataclass(frozen=True)
class Declared:
    """A parameter's type with `Annotated[...]` taken apart, and the FastAPI marker it carries."""

    type: ExprFact | None
    marker: str | None  # "Body", "Query", "Depends" ...; None when FastAPI infers where it comes from
    facts: FileFacts  # the file the type is written in (an alias may live elsewhere)


def unvalidated_body_type(param: ParamFact, facts: FileFacts, view: FileView) -> str | None:
    """The parameter's type as written when FastAPI reads it from the JSON body and that type
    accepts any content; else None."""
    if param.kind in ("vararg", "kwarg"):
        return None
    declared = declared_type(param, facts, view)
    if declared.marker not in (None, "Body"):
        return None  # a query, path, header, cookie, form or file parameter, or a dependency
    explicit = declared.marker == "Body"
    if declared.type is None:
        return "no type" if explicit else None
    if accepts_anything(declared.type, declared.facts, view, top_level_any=explicit):
        return " ".join(declared.type.text.split())
    return None


def takes_body_model(param: ParamFact, facts: FileFacts, view: FileView) -> bool:
    """FastAPI reads the parameter from the body into a project class (a Pydantic model)."""
    declared = declared_type(param, facts, view)
    if declared.marker not in (None, "Body") or declared.type is None or not declared.type.qualified:
        return False
    return (
        declared.type.kind == "name"
        and view.symbols.resolve_class(declared.type.qualified, declared.facts) is not None
    )


def declared_type(param: ParamFact, facts: FileFacts, view: FileView) -> Declared:
    """The type and the marker of a parameter: from its default (`= Body(...)`), from
    `Annotated[T, Body()]`, or from a type alias holding either (`JsonBody = Annotated[...]`)."""
    marker = None
    if param.default is not None:
        if param.default.depends:
            return Declared(None, "Depends", facts)
        marker = fastapi_marker(param.default, facts, view)
    annotation, where = param.annotation, facts
    for _ in range(MAX_HOPS):
        if annotation is None:
            break
        if annotation.depends:
            return Declared(None, "Depends", facts)
        alias = type_alias(annotation, where, view)
        if alias is not None:
            annotation, where = alias
            continue
        if not is_annotated(annotation, where, view) or not annotation.args:
            break
        for metadata in annotation.args[1:]:
            marker = marker or fastapi_marker(metadata, where, view)
        annotation = annotation.args[0]
    return Declared(annotation, marker, where)


def fastapi_marker(expression: ExprFact, facts: FileFacts, view: FileView) -> str | None:
    """`Body` for `Body(...)` (`fastapi.Body`, `fastapi.params.Body` ...), and so on; else None."""
    if expression.kind != "call" or not expression.qualified:
        return None
    name = view.symbols.canonical_name(expression.qualified, facts)
    module, _, function = name.rpartition(".")
    if function in PARAM_FUNCTIONS and f"{module}." in FASTAPI_MODULES:
        return function
    return None


def type_alias(annotation: ExprFact, facts: FileFacts, view: FileView) -> tuple[ExprFact, FileFacts] | None:
    """The value of the module-level alias a name stands for (`Payload = dict[str, Any]`)."""
    if annotation.kind != "name" or not annotation.qualified:
        return None
    found = view.symbols.resolve(annotation.qualified, facts)
    if found is None or not isinstance(found[0], AssignmentFact) or found[0].value is None:
        return None
    value = found[0].value
    if value.kind not in ("name", "subscript", "binop"):
        return None
    return value, found[1]


def is_annotated(annotation: ExprFact, facts: FileFacts, view: FileView) -> bool:
    return annotation.kind == "subscript" and canonical(annotation, facts, view) in ANNOTATED


def canonical(expression: ExprFact, facts: FileFacts, view: FileView) -> str | None:
    if not expression.qualified:
        return None
    return view.symbols.canonical_name(expression.qualified, facts)


def accepts_anything(
    annotation: ExprFact, facts: FileFacts, view: FileView, *, top_level_any: bool, hops: int = MAX_HOPS
) -> bool:
    """The type lets any JSON through: a mapping of anything (`dict`, `dict[str, Any]`), a
    sequence of such (`list[dict]`), a union with one, or `Any`/`object` where FastAPI reads it
    from the body (`top_level_any`: with `Body()`, or as a member of a container)."""
    if hops <= 0:
        return False
    alias = type_alias(annotation, facts, view)
    if alias is not None:
        return accepts_anything(*alias, view, top_level_any=top_level_any, hops=hops - 1)
    name = canonical(annotation, facts, view)

    def inner(member: ExprFact, any_counts: bool) -> bool:
        return accepts_anything(member, facts, view, top_level_any=any_counts, hops=hops - 1)

    if annotation.kind == "name":
        return name in MAPPINGS or (top_level_any and name in ANYTHING)
    if annotation.kind == "binop":
        return any(inner(member, top_level_any) for member in annotation.args)
    if annotation.kind != "subscript" or not annotation.args:
        return False
    if name in ANNOTATED:
        return inner(annotation.args[0], top_level_any)
    if name in UNIONS:
        return any(inner(member, top_level_any) for member in annotation.args)
    if name in MAPPINGS:
        # `dict[str, int]` validates its values; `dict[str, Any]` and `dict[str, dict]` do not.
        return len(annotation.args) == 2 and inner(annotation.args[1], True)
    if name in SEQUENCES:
        return inner(annotation.args[0], True)
    return False


def request_reads(facts: FileFacts, function: int, view: FileView) -> list[CallFact]:
    """`request.json()` and `request.body()` called in the handler itself, on a receiver declared
    as a Starlette `Request`."""
    return [
        call
        for call in facts.calls
        if call.function == function
        and call.method in READS
        and call.receiver_type is not None
        and canonical(call.receiver_type, facts, view) in REQUEST_CLASSES
    ]

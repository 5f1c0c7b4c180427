"""Name resolution through a file's imports, and `ExprFact` summaries of expressions."""

from __future__ import annotations

import ast
from collections.abc import Callable

from layerguard.graph import absolute_import
from layerguard.model import TEXT_LIMIT, ExprFact, Span

# FastAPI's dependency markers under every name FastAPI exports them by (fief imports them
# from `fastapi.param_functions`). `Security(p, scopes=...)` is a `Depends` with scopes: both
# declare a dependency (LG905).
FASTAPI_DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends", "fastapi.param_functions.Depends"})
FASTAPI_DEPENDENCY_MARKERS = FASTAPI_DEPENDS | frozenset(
    {"fastapi.Security", "fastapi.params.Security", "fastapi.param_functions.Security"}
)
DEPENDS = FASTAPI_DEPENDS | {"Depends"}
DEPENDENCY_MARKERS = FASTAPI_DEPENDENCY_MARKERS | {"Depends", "Security"}
BUILT_STRING_KINDS = frozenset({"fstring", "concat", "percent", "format"})
MAX_DEPTH = 3  # summaries of arguments of arguments of arguments are enough for every rule


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    # Exact type checks: the hottest function of the extractor (500k calls on prefect).
    kind = type(node)
    if kind is ast.Name:
        return node.id  # type: ignore[attr-defined, no-any-return]
    if kind is not ast.Attribute:
        return None
    parts: list[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)
    parts.reverse()
    return ".".join(parts)


class ImportNames:
    """What each local name is bound to by the file's imports, as an absolute dotted name."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module.split(".") if is_package else module.split(".")[:-1]
        self.bound: dict[str, str] = {}

    def bind_import(self, name: str, alias: str | None) -> None:
        """`import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`."""
        if alias:
            self.bound[alias] = name
        else:
            head = name.split(".", 1)[0]
            self.bound[head] = head

    def bind_from(self, module: str, level: int, name: str, alias: str | None) -> None:
        if name == "*":
            return
        base = self.absolute(module, level)
        if base is not None:
            self.bound[alias or name] = f"{base}.{name}" if base else name

    def absolute(self, module: str, level: int) -> str | None:
        return absolute_import(self.package, module, level)

    def qualify(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        bound = self.bound.get(head)
        if bound is None:
            return dotted
        return f"{bound}.{rest}" if rest else bound


class Summarizer:
    """Builds `ExprFact`s. `located` (a node's span and source text) comes from the file's `SourceLines`;
    `local_value` gives a name's last assigned value in the current function."""

    def __init__(
        self,
        names: ImportNames,
        located: Callable[[ast.AST], tuple[Span, str | None]],
        local_value: Callable[[str], ExprFact | None],
    ) -> None:
        self.names = names
        self.located = located
        self.local_value = local_value

    def summarize(self, node: ast.expr, depth: int = MAX_DEPTH, *, follow_locals: bool = True) -> ExprFact:
        """`follow_locals=False` inside an assigned value: `x = f(x)` must not recurse."""
        return self._summary(node, depth, follow_locals, outermost=True)

    def _summary(self, node: ast.expr, depth: int, follow_locals: bool, outermost: bool) -> ExprFact:
        kind, qualified, args, keywords, value = self._shape(node, depth, follow_locals)
        span, segment = self.located(node)
        text = (segment or "")[:TEXT_LIMIT]
        follow = follow_locals and isinstance(node, ast.Name)
        assigned = self.local_value(node.id) if follow else None  # type: ignore[attr-defined]
        # Only the outermost summary lists the names inside: its arguments' lists would repeat them.
        names: tuple[str, ...]
        depends: tuple[str, ...]
        providers: tuple[str, ...]
        if not outermost:
            names, depends, providers = (), (), ()
        elif kind == "name":  # what `_references` gives a dotted name, without walking it again
            names, depends, providers = (qualified,), (), ()  # type: ignore[assignment]
        else:
            names, depends, providers = self._references(node)
        template = string_template(node) if kind in BUILT_STRING_KINDS else None
        # Every field, in `ExprFact`'s order: a call with twelve keywords costs twice as much.
        return ExprFact(
            kind,
            text,
            span,
            qualified,
            names,
            depends,
            providers,
            args,
            keywords,
            value,
            assigned,
            template,
        )

    def _shape(
        self, node: ast.expr, depth: int, follow: bool
    ) -> tuple[
        str, str | None, tuple[ExprFact, ...], tuple[tuple[str, ExprFact], ...], str | int | float | None
    ]:
        inner = depth - 1
        dotted = dotted_name(node)
        if dotted is not None:
            return "name", self.names.qualify(dotted), (), (), None
        if isinstance(node, ast.Call):
            callee = dotted_name(node.func)
            keywords = (
                tuple(
                    (k.arg, self._summary(k.value, inner, follow, outermost=False))
                    for k in node.keywords
                    if k.arg
                )
                if depth
                else ()
            )
            args = tuple(self._summary(a, inner, follow, outermost=False) for a in node.args) if depth else ()
            func = node.func
            if (  # `"... {} ...".format(x)`
                isinstance(func, ast.Attribute)
                and func.attr == "format"
                and isinstance(func.value, ast.Constant)
                and isinstance(func.value.value, str)
            ):
                return "format", None, args, keywords, func.value.value
            return "call", self.names.qualify(callee) if callee else None, args, keywords, None
        if isinstance(node, ast.Subscript):
            value = dotted_name(node.value)
            members = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            args = tuple(self._summary(m, inner, follow, outermost=False) for m in members) if depth else ()
            return "subscript", self.names.qualify(value) if value else None, args, (), None
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return "string", None, (), (), node.value
            if node.value is None:
                return "none", None, (), (), None
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                return "number", None, (), (), node.value
            return "other", None, (), (), None
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
            return "fstring", None, self._each(parts, inner, follow, depth), (), None
        if isinstance(node, ast.BinOp) and _is_string_building(node):
            kind = "percent" if isinstance(node.op, ast.Mod) else "concat"
            return kind, None, self._each(interpolated_parts(node), inner, follow, depth), (), None
        if isinstance(node, ast.Dict):
            # `{"detail": str(exc)}`: the values, and those under a constant string key by key.
            values = [v for k, v in zip(node.keys, node.values, strict=True) if k is not None]
            keyed = (
                tuple(
                    (k.value, self._summary(v, inner, follow, outermost=False))
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                )
                if depth
                else ()
            )
            return "dict", None, self._each(values, inner, follow, depth), keyed, None
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            kind = type(node).__name__.lower()
            return (
                kind,
                None,
                tuple(self._summary(e, inner, follow, outermost=False) for e in node.elts) if depth else (),
                (),
                None,
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            # `dict | None`, `A | B | None`: the members, flattened, as `Union[...]` lists them.
            return "binop", None, self._each(union_members(node), inner, follow, depth), (), None
        if isinstance(node, ast.Await):
            return (
                "await",
                None,
                (self._summary(node.value, inner, follow, outermost=False),) if depth else (),
                (),
                None,
            )
        return type(node).__name__.lower(), None, (), (), None

    def _each(self, nodes: list[ast.expr], inner: int, follow: bool, depth: int) -> tuple[ExprFact, ...]:
        return tuple(self._summary(n, inner, follow, outermost=False) for n in nodes) if depth else ()

    def _references(self, node: ast.expr) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """Every name inside (quoted forward references included), every `Depends` provider and
        every `Depends`/`Security` provider, in source order; a dotted name's own parts are not
        visited."""
        names: list[str] = []
        depends: list[str] = []
        providers: list[str] = []
        qualify = self.names.qualify
        stack: list[ast.AST] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, ast.expr):
                dotted = dotted_name(current)
                if dotted is not None:
                    names.append(qualify(dotted))
                    continue
                if type(current) is ast.Constant:
                    value = current.value
                    if isinstance(value, str) and value.isidentifier():
                        names.append(qualify(value))
                    continue  # a leaf
                if type(current) is ast.Call:
                    callee = dotted_name(current.func)
                    marker = qualify(callee) if callee is not None else None
                    if marker in DEPENDS:
                        provider = dotted_name(current.args[0]) if current.args else None
                        depends.append(qualify(provider) if provider else "")
                    if marker in DEPENDENCY_MARKERS:
                        providers.append(self._provider(current))
            stack.extend(reversed(child_nodes(current)))
        return tuple(names), tuple(depends), tuple(providers)

    def _provider(self, call: ast.Call) -> str:
        """What `Depends(...)`/`Security(...)` calls: `p` qualified, `f()` for `f(...)`, "" for
        nothing (FastAPI then calls the parameter's type), "?" for what no name says."""
        keywords = [k.value for k in call.keywords if k.arg == "dependency"]
        target = call.args[0] if call.args else (keywords[0] if keywords else None)
        if target is None:
            return ""
        if isinstance(target, ast.Call):
            callee = dotted_name(target.func)
            return self.names.qualify(callee) + "()" if callee else "?"
        dotted = dotted_name(target)
        return self.names.qualify(dotted) if dotted else "?"


# Node class -> the fields `child_nodes` reads: all but the expression contexts (`Load`, `Store`)
# and the operators (`+`, `==`), leaves that hold no name.
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_LEAF_FIELDS = frozenset({"ctx", "op", "ops"})


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes`, as a list, without expression contexts and operators."""
    kind = node.__class__
    try:
        fields = _CHILD_FIELDS[kind]
    except KeyError:
        fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _LEAF_FIELDS)
    children: list[ast.AST] = []
    for field in fields:
        value = getattr(node, field, None)
        if isinstance(value, list):
            children += [item for item in value if isinstance(item, ast.AST)]
        elif isinstance(value, ast.AST):
            children.append(value)
    return children


def string_template(node: ast.expr) -> str:
    """The literal text of a string built at runtime, `{}` for each part only known then."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "{}"
            for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        # Walk the left spine of `a + b + c ...` in a loop: long chains must not recurse deeply.
        parts: list[ast.expr] = []
        while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parts.append(node.right)
            node = node.left
        return "".join(string_template(part) for part in [node, *reversed(parts)])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return string_template(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return string_template(node.func.value)
    return "{}"


def interpolated_parts(node: ast.BinOp) -> list[ast.expr]:
    """The runtime parts of `"..." + x + "..."` or `"..." % (a, b)`: what is not a literal."""
    if isinstance(node.op, ast.Mod):
        right = node.right
        return list(right.elts) if isinstance(right, ast.Tuple) else [right]
    parts: list[ast.expr] = []
    current: ast.expr = node
    # The left spine of `a + b + c ...` in a loop: long chains must not recurse deeply.
    while isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
        parts.append(current.right)
        current = current.left
    parts.append(current)
    return [p for p in reversed(parts) if not (isinstance(p, ast.Constant) and isinstance(p.value, str))]


def _is_string_building(node: ast.BinOp) -> bool:
    """`"..." + x`, `x + "..."` or `"..." % x`: text built at runtime."""

    def is_text(part: ast.expr) -> bool:
        return (isinstance(part, ast.Constant) and isinstance(part.value, str)) or isinstance(
            part, ast.JoinedStr
        )

    if isinstance(node.op, ast.Mod):
        return is_text(node.left)
    if isinstance(node.op, ast.Add):
        left = node.left
        return (
            is_text(left)
            or is_text(node.right)
            or (isinstance(left, ast.BinOp) and _is_string_building(left))
        )
    return False


MAX_UNION_MEMBERS = 64  # a longer `a | b | ...` is bit arithmetic, not a type: no members kept


def union_members(node: ast.BinOp) -> list[ast.expr]:
    """The members of `a | b | c`, left to right; none for a chain longer than any real union."""
    members: list[ast.expr] = []
    current: ast.expr = node
    # The left spine in a loop, as `interpolated_parts` walks it: long chains must not recurse.
    while isinstance(current, ast.BinOp) and isinstance(current.op, ast.BitOr):
        members.append(current.right)
        current = current.left
        if len(members) > MAX_UNION_MEMBERS:
            return []
    members.append(current)
    return members[::-1]

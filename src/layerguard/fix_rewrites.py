"""The fixes that need a syntax tree, done with libcst so that formatting and comments stay:
dropping `Optional`/`Union` from a typing import once nothing uses them, and LG601's
`class Config:` -> `model_config = ConfigDict(...)`.

Text in, text out: `fixes.py` runs these in a separate process, since libcst's native parser
can crash or hang on a pathological file (SPEC §7), and only there is libcst imported.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

TYPING_MODULES = frozenset({"typing", "typing_extensions"})
PEP604_NAMES = frozenset({"Optional", "Union"})
PYDANTIC_MODULE = "pydantic"
CONFIG_DICT = "ConfigDict"

# v1 `class Config` keys and their `ConfigDict` names (pydantic's `V2_RENAMED_KEYS`), less
# `allow_population_by_field_name`: its v2 name depends on the Pydantic version
# (`populate_by_name` before 2.11, `validate_by_name` since), and the wrong one is ignored.
RENAMED_KEYS = {
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
# v1 keys that `ConfigDict` takes under the same name and with the same meaning.
SAME_KEYS = frozenset(
    {
        "title",
        "extra",
        "frozen",
        "use_enum_values",
        "validate_assignment",
        "arbitrary_types_allowed",
        "alias_generator",
        "json_encoders",
        "allow_inf_nan",
        "str_strip_whitespace",
        "str_to_lower",
        "str_to_upper",
        "str_min_length",
        "str_max_length",
        "from_attributes",
        "json_schema_extra",
        "populate_by_name",
        "validate_default",
        "protected_namespaces",
        "strict",
        "revalidate_instances",
        "ser_json_timedelta",
        "ser_json_bytes",
        "validate_return",
        "defer_build",
        "regex_engine",
        "coerce_numbers_to_str",
        "hide_input_in_errors",
        "use_attribute_docstrings",
    }
)


class Declined(Exception):
    """A rewrite that cannot be made safely here; the message says why."""


# --- Dropping unused `Optional` / `Union` imports. ---


def drop_unused_typing_names(source: str) -> str:
    """`source` without the `Optional`/`Union` names of its typing imports that nothing else
    in the file mentions (not even a string or `__all__`); the rest of the file as it was."""
    module = cst.parse_module(source)
    bound = _typing_bindings(module)
    if not bound:
        return source
    mentions = _name_mentions(source, set(bound))
    # Used only by its own import (once: a name imported twice is left alone).
    unused = {name for name in bound if mentions.get(name, 0) <= 1}
    if not unused:
        return source
    return module.visit(_DropTypingNames(unused)).code


def _typing_bindings(module: cst.Module) -> set[str]:
    """The names `from typing import Optional [as X]` / `Union` binds anywhere in the file."""
    found: set[str] = set()

    class Finder(cst.CSTVisitor):
        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if _is_typing_import(node) and isinstance(node.names, Sequence):
                found.update(_bound(alias) for alias in node.names if _imported(alias) in PEP604_NAMES)

    module.visit(Finder())
    return found


def _is_typing_import(node: cst.ImportFrom) -> bool:
    return not node.relative and node.module is not None and _dotted(node.module) in TYPING_MODULES


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _imported(alias: cst.ImportAlias) -> str:
    return _dotted(alias.name)


def _bound(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _imported(alias)


def _name_mentions(source: str, names: set[str]) -> dict[str, int]:
    """How often each name occurs as a name token, or as a word inside a string."""
    counts: dict[str, int] = {}
    words = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and token.string in names:
            counts[token.string] = counts.get(token.string, 0) + 1
        elif token.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)):
            for word in words.findall(token.string):
                counts[word] = counts.get(word, 0) + 2  # a string keeps the import, however often
    return counts


def _last_comma(
    kept: cst.Comma | cst.MaybeSentinel, removed: cst.Comma | cst.MaybeSentinel
) -> tuple[cst.Comma | cst.MaybeSentinel, bool]:
    """The comma of the name that is last now that the last one went, in parentheses (its own
    comment stays), and whether it ends with the line break before `)`."""
    if not isinstance(kept, cst.Comma) or not isinstance(kept.whitespace_after, cst.ParenthesizedWhitespace):
        return removed, True
    after = kept.whitespace_after
    if isinstance(removed, cst.Comma) and isinstance(removed.whitespace_after, cst.ParenthesizedWhitespace):
        gone = removed.whitespace_after
        return kept.with_changes(
            whitespace_after=after.with_changes(last_line=gone.last_line, indent=gone.indent)
        ), True
    # `(A,  # note\n    B\n)`: the comma's line break now comes right before `)`.
    return kept.with_changes(
        whitespace_after=after.with_changes(last_line=cst.SimpleWhitespace(""), indent=False)
    ), False


class _DropTypingNames(cst.CSTTransformer):
    """Removes the unused names from typing imports; a statement left empty goes, its comments
    passing to the next statement."""

    def __init__(self, unused: set[str]) -> None:
        super().__init__()
        self.unused = unused
        # Keyed by id, and each node kept alive: a freed node's id goes to the next node made,
        # and that statement (every later `from` import, in practice) would go too.
        self.gone: dict[int, cst.ImportFrom] = {}  # imports left with no name
        self.emptied: dict[int, cst.SimpleStatementLine] = {}  # their lines, now a `pass` each

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        if not _is_typing_import(updated_node) or not isinstance(updated_node.names, Sequence):
            return updated_node
        keep = [
            alias
            for alias in updated_node.names
            if not (_imported(alias) in PEP604_NAMES and _bound(alias) in self.unused)
        ]
        if len(keep) == len(updated_node.names):
            return updated_node
        if not keep:
            self.gone[id(updated_node)] = updated_node  # its line goes in `leave_SimpleStatementLine`
            return updated_node
        rpar = updated_node.rpar
        if rpar is None:  # without parentheses a trailing comma is a syntax error
            keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        elif keep[-1] is not updated_node.names[-1]:
            comma, closing_break = _last_comma(keep[-1].comma, updated_node.names[-1].comma)
            keep[-1] = keep[-1].with_changes(comma=comma)
            if not closing_break:
                rpar = rpar.with_changes(whitespace_before=cst.SimpleWhitespace(""))
        return updated_node.with_changes(names=keep, rpar=rpar)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        body = [small for small in updated_node.body if id(small) not in self.gone]
        if len(body) == len(updated_node.body):
            return updated_node
        if body:
            return updated_node.with_changes(body=body)
        # A `pass` holding the line's comments until its block drops it (`_without_emptied`).
        emptied = updated_node.with_changes(body=[cst.Pass()])
        self.emptied[id(emptied)] = emptied
        return emptied

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body, carried = self._without_emptied(updated_node.body)
        if not body:  # a block needs a statement: the `pass` stays, with the comments
            body = [cst.SimpleStatementLine([cst.Pass()], leading_lines=carried)]
        elif carried:
            return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])
        return updated_node.with_changes(body=body)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        leading_import_gone = bool(updated_node.body) and id(updated_node.body[0]) in self.emptied
        body, carried = self._without_emptied(updated_node.body)
        first = body[0] if body else None
        if leading_import_gone and isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            # The file no longer starts with the import: nor with the blank lines that followed it.
            lines = list(first.leading_lines)
            while lines and lines[0].comment is None:
                lines.pop(0)
            body[0] = first.with_changes(leading_lines=lines)
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])

    def _without_emptied(
        self, statements: Sequence[cst.BaseStatement]
    ) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        """The statements less the emptied ones, whose comment lines go to the next statement;
        those after the last one are returned."""
        body: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for statement in statements:
            if id(statement) in self.emptied and isinstance(statement, cst.SimpleStatementLine):
                carried += [line for line in statement.leading_lines if line.comment is not None]
                continue
            if carried and isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                body.append(statement.with_changes(leading_lines=[*carried, *statement.leading_lines]))
                carried = []
                continue
            body.append(statement)
        return body, carried


# --- LG601: `class Config:` -> `model_config = ConfigDict(...)`. ---


def config_to_model_config(source: str, lines: Sequence[int]) -> tuple[str, dict[int, str]]:
    """`source` with each `class Config:` whose `class` keyword is on one of `lines` rewritten
    to `model_config = ConfigDict(...)` (and `ConfigDict` imported), and the lines it declined,
    each with the reason."""
    wrapper = MetadataWrapper(cst.parse_module(source))
    rewriter = _ConfigRewriter(wrapper, set(lines))
    module = wrapper.visit(rewriter)
    declined = dict(rewriter.declined)
    if rewriter.rewritten:
        try:
            module = _import_config_dict(module)
        except Declined as why:
            return source, {line: str(why) for line in lines}
    return module.code, declined


class _ConfigRewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, wrapper: MetadataWrapper, lines: set[int]) -> None:
        super().__init__()
        self.wrapper = wrapper
        self.lines = lines
        self.declined: dict[int, str] = {}
        self.rewritten = 0

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        if not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = list(updated_node.body.body)
        changed = False
        for index, statement in enumerate(original_node.body.body):
            if not (isinstance(statement, cst.ClassDef) and statement.name.value == "Config"):
                continue
            line = self.get_metadata(PositionProvider, statement).start.line
            if line not in self.lines:
                continue
            try:
                body[index] = self._model_config(original_node, statement)
            except Declined as why:
                self.declined[line] = str(why)
                continue
            changed = True
            self.rewritten += 1
        if not changed:
            return updated_node
        return updated_node.with_changes(body=updated_node.body.with_changes(body=body))

    def _model_config(self, owner: cst.ClassDef, config: cst.ClassDef) -> cst.BaseStatement:
        if config.decorators or config.bases or config.keywords:
            raise Declined("`class Config` has bases or decorators: its settings come from elsewhere too")
        if not isinstance(config.body, cst.IndentedBlock):
            raise Declined("`class Config` is on one line")
        owner_names = _class_level_names(owner)
        if "model_config" in owner_names:
            raise Declined("the class already sets `model_config`")
        module = self.wrapper.module
        config_names = _class_level_names(config)
        arguments: list[str] = []
        header = config.body.header.comment
        for statement in config.body.body:
            if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
                raise Declined("`class Config` holds more than `key = value` lines (a method, a block)")
            small = statement.body[0]
            if isinstance(small, cst.Pass):
                continue
            key, value = _key_and_value(small)
            v2_key = _v2_key(key)
            used = _names_in(value)
            if used & (owner_names | config_names):
                raise Declined(f"the value of `{key}` reads a name of the class body, which moves")
            arguments += [line.comment.value for line in statement.leading_lines if line.comment is not None]
            comment = statement.trailing_whitespace.comment
            text = f"{v2_key}={_indented(module.code_for_node(value))},"
            arguments.append(f"{text}  {comment.value}" if comment is not None else text)
        arguments += [line.comment.value for line in config.body.footer if line.comment is not None]
        keys = [a for a in arguments if not a.startswith("#")]
        if not keys:
            raise Declined("`class Config` sets nothing")
        one_line = f"model_config = {CONFIG_DICT}({keys[0][:-1]})"
        if len(arguments) == 1 and header is None and "\n" not in one_line and "#" not in arguments[0]:
            text = one_line
        else:
            opening = f"model_config = {CONFIG_DICT}(" + (f"  {header.value}" if header is not None else "")
            text = "\n".join([opening, *(f"    {a}" for a in arguments), ")"])
        statement_node = cst.parse_statement(text + "\n")
        return statement_node.with_changes(leading_lines=config.leading_lines)


def _indented(code: str) -> str:
    """A value's code one level deeper (it moves into a call's arguments), unless a string in it
    spans lines: their text must not change."""
    if "\n" not in code:
        return code
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    if any(token.type == tokenize.STRING and "\n" in token.string for token in tokens):
        return code
    return code.replace("\n", "\n    ")


def _key_and_value(small: cst.BaseSmallStatement) -> tuple[str, cst.BaseExpression]:
    if (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
    ):
        return small.targets[0].target.value, small.value
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
        return small.target.value, small.value
    raise Declined("`class Config` holds more than `key = value` lines")


def _v2_key(key: str) -> str:
    if key in RENAMED_KEYS:
        return RENAMED_KEYS[key]
    if key in SAME_KEYS:
        return key
    if key == "allow_population_by_field_name":
        raise Declined(
            "`allow_population_by_field_name` is `populate_by_name` before Pydantic 2.11 and "
            "`validate_by_name` since: set the one your Pydantic reads"
        )
    raise Declined(f"`{key}` has no `ConfigDict` key of the same meaning (removed, or not Pydantic's)")


def _class_level_names(cls: cst.ClassDef) -> set[str]:
    names: set[str] = set()
    if not isinstance(cls.body, cst.IndentedBlock):
        return names
    for statement in cls.body.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            names.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, cst.AnnAssign):
                    targets = [small.target]
                names.update(t.value for t in targets if isinstance(t, cst.Name))
    return names


def _names_in(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Finder(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(Finder())
    return found


def _import_config_dict(module: cst.Module) -> cst.Module:
    """`module` with `ConfigDict` imported from pydantic: added to the first top-level
    `from pydantic import ...`, else as a statement after the top-level imports."""
    body = list(module.body)
    first_pydantic: int | None = None
    last_import = -1
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                last_import = index
            if isinstance(small, cst.ImportFrom) and isinstance(small.names, Sequence):
                module_name = _dotted(small.module) if small.module is not None else ""
                bound = {_bound(alias): (module_name, _imported(alias)) for alias in small.names}
                if CONFIG_DICT in bound:
                    if bound[CONFIG_DICT] in (
                        (PYDANTIC_MODULE, CONFIG_DICT),
                        ("pydantic.config", CONFIG_DICT),
                    ):
                        return module
                    raise Declined("`ConfigDict` names something else in this module")
                if module_name == PYDANTIC_MODULE and not small.relative and first_pydantic is None:
                    first_pydantic = index
    if first_pydantic is not None:
        statement = body[first_pydantic]
        assert isinstance(statement, cst.SimpleStatementLine)
        small = next(
            s for s in statement.body if isinstance(s, cst.ImportFrom) and isinstance(s.names, Sequence)
        )
        assert isinstance(small.names, Sequence)
        names = list(small.names)
        last = names[-1]
        comma = last.comma
        if isinstance(comma, cst.MaybeSentinel):
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        names[-1] = last.with_changes(comma=comma)
        names.append(cst.ImportAlias(name=cst.Name(CONFIG_DICT), comma=last.comma))
        new_small = small.with_changes(names=names)
        body[first_pydantic] = statement.with_changes(
            body=[new_small if s is small else s for s in statement.body]
        )
    else:
        body.insert(last_import + 1, cst.parse_statement(f"from {PYDANTIC_MODULE} import {CONFIG_DICT}\n"))
    return module.with_changes(body=body)

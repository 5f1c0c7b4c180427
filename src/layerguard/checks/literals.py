"""What an expression's value is when the file states it: a literal, or a name the same
function or the module assigned one to (the security rules, LG901-LG904)."""

from __future__ import annotations

import re

from layerguard.model import ExprFact, FileFacts

# A bytes literal as written (`b"key"`, `rb'key'`): the summary keeps bytes only as text.
BYTES_LITERAL_RE = re.compile(r"""^[bB][rR]?(?P<quote>'''|\"\"\"|'|")(?P<body>.*)(?P=quote)$""", re.S)


def resolved(expression: ExprFact, facts: FileFacts) -> ExprFact:
    """The value a plain name stands for: what this function last assigned to it, else its
    module-level assignment in this file; any other expression as it is."""
    if expression.kind != "name" or "." in expression.text:
        return expression
    if expression.assigned is not None:
        return expression.assigned
    value = module_constant(expression.text, facts)
    return value if value is not None else expression


def module_constant(name: str, facts: FileFacts) -> ExprFact | None:
    """The value of the file's last module-level assignment to `name`."""
    found = None
    for assignment in facts.assignments:
        if assignment.name == name and assignment.value is not None:
            found = assignment.value
    return found


def is_true(expression: ExprFact, facts: FileFacts) -> bool:
    """The literal `True`, or a name assigned it."""
    return resolved(expression, facts).text == "True"


def is_false(expression: ExprFact, facts: FileFacts) -> bool:
    return resolved(expression, facts).text == "False"


def literal_text(expression: ExprFact) -> str | None:
    """The text of a string or bytes literal (`"k"`, `b"k"`, `"k".encode()`), else None."""
    if expression.kind == "string" and isinstance(expression.value, str):
        return expression.value
    if expression.kind == "other":
        match = BYTES_LITERAL_RE.match(expression.text)
        if match is not None:
            return match.group("body")
    if expression.kind == "call" and expression.qualified is None and expression.text.endswith(".encode()"):
        # `"key".encode()`: the callee is an attribute of a literal, not a dotted name.
        receiver = expression.text[: -len(".encode()")]
        match = re.fullmatch(r"""[uU]?(?P<quote>'|")(?P<body>[^'"\\]*)(?P=quote)""", receiver)
        if match is not None:
            return match.group("body")
    return None


def keyword(call: ExprFact, name: str) -> ExprFact | None:
    return dict(call.keywords).get(name)


def has_star_keywords(call: ExprFact) -> bool:
    """`f(**options)`: keywords the facts do not list may be passed."""
    return "**" in call.text

"""LG903: CORS that lets every origin send credentialed requests.

Starlette's `CORSMiddleware` with `allow_credentials=True` answers an allowed origin with that
origin itself (never `*`, which browsers refuse with credentials): with `allow_origins=["*"]`
or an `allow_origin_regex` that matches any origin, every web site may call the API with the
user's cookies and read the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.literals import keyword, resolved
from layerguard.model import CallFact, ExprFact, FileFacts, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import FileView

CORS_MIDDLEWARE = frozenset(
    {"fastapi.middleware.cors.CORSMiddleware", "starlette.middleware.cors.CORSMiddleware"}
)
MIDDLEWARE_WRAPPERS = frozenset({"starlette.middleware.Middleware", "fastapi.middleware.Middleware"})
CORS_CALLS = frozenset({"add_middleware", "Middleware", "CORSMiddleware"})
# Origins no deployment would allow: a regex that accepts them accepts any origin.
FOREIGN_ORIGINS = ("https://attacker.invalid", "http://evil.example.com:8080")
REPEAT_RE = re.compile(r"[*+{]")
UNBOUNDED_RE = re.compile(r"\)[*+{]")  # a repeated group: `(a+)+` backtracks exponentially


class CorsWildcardCredentials(FileRule):
    meta = RuleMeta(
        code="LG903",
        name="cors-wildcard-credentials",
        severity=Severity.ERROR,
        summary="CORS allows every origin together with credentials",
        calls=CORS_CALLS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        for call in facts.calls:
            options = cors_options(call, facts, view)
            if options is None:
                continue
            credentials = keyword(options, "allow_credentials")
            if credentials is None or resolved(credentials, facts).text != "True":
                continue
            wildcard = wildcard_origins(options, facts)
            if wildcard is not None:
                message = (
                    f"CORS allows every origin ({wildcard.text}) with `allow_credentials=True`: any web "
                    "site can call the API with the user's cookies; list the trusted origins"
                )
                yield self.finding(facts, wildcard.span, message)


def cors_options(call: CallFact, facts: FileFacts, view: FileView) -> ExprFact | None:
    """The call whose keywords configure a `CORSMiddleware`: `app.add_middleware(CORSMiddleware,
    ...)`, `Middleware(CORSMiddleware, ...)` or `CORSMiddleware(app, ...)`."""
    expression = call.call
    if call.method == "CORSMiddleware":
        return expression if is_cors_class(expression.qualified, facts, view) else None
    if call.method == "add_middleware" or (
        call.method == "Middleware"
        and view.symbols.canonical_name(expression.qualified or "", facts) in MIDDLEWARE_WRAPPERS
    ):
        first = expression.args[0] if expression.args else None
        if first is not None and is_cors_class(first.qualified, facts, view):
            return expression
    return None


def is_cors_class(qualified: str | None, facts: FileFacts, view: FileView) -> bool:
    return qualified is not None and view.symbols.canonical_name(qualified, facts) in CORS_MIDDLEWARE


def wildcard_origins(options: ExprFact, facts: FileFacts) -> ExprFact | None:
    """The `allow_origins` containing `"*"`, or the `allow_origin_regex` matching any origin."""
    origins = keyword(options, "allow_origins")
    if origins is not None:
        value = resolved(origins, facts)
        if value.kind in ("list", "tuple", "set") and any(
            resolved(e, facts).value == "*" for e in value.args
        ):
            return origins
    regex = keyword(options, "allow_origin_regex")
    if regex is not None:
        value = resolved(regex, facts)
        if isinstance(value.value, str) and value.kind == "string" and matches_any_origin(value.value):
            return regex
    return None


def matches_any_origin(pattern: str) -> bool:
    """Starlette matches origins with `re.fullmatch`: one that accepts unrelated origins
    accepts any. The pattern comes from the checked tree: one that could backtrack for long
    (a quantified group, many unbounded repeats) is not run, and so not reported."""
    if len(pattern) > 200 or UNBOUNDED_RE.search(pattern) is not None or len(REPEAT_RE.findall(pattern)) > 4:
        return False
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return all(compiled.fullmatch(origin) for origin in FOREIGN_ORIGINS)

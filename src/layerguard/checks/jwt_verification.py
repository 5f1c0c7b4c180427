"""LG902: a JWT decoded without verifying its signature, or letting the token pick the algorithm.

PyJWT (`import jwt`) and python-jose (`from jose import jwt`) verify by default. What turns it
off, or makes it unsafe:

- `options={"verify_signature": False}` (both libraries), PyJWT 1's `verify=False`, or
  `algorithms=["none"]`: the claims are whatever the sender wrote.
- no `algorithms=` (keyword, or the third positional argument): python-jose then accepts the
  algorithm the token's header names (HS256 signed with the server's public key, for one); PyJWT 1
  does the same and PyJWT 2 refuses to decode at all.

A decode without verification followed, in the same function, by a decode that verifies is a
look at the header or the issuer before verifying (which key, which tenant): not reported.
`jwt.get_unverified_claims`/`get_unverified_header` say what they do in their name and are not
reported either.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.literals import has_star_keywords, is_false, keyword, resolved
from layerguard.model import CallFact, ExprFact, FileFacts, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import FileView

PYJWT_DECODE = frozenset({"jwt.decode", "jwt.api_jwt.decode"})
JOSE_DECODE = frozenset({"jose.jwt.decode"})
VERIFY_OPTIONS = ("verify_signature",)


class JwtWithoutVerification(FileRule):
    meta = RuleMeta(
        code="LG902",
        name="jwt-without-verification",
        severity=Severity.ERROR,
        summary="A JWT is decoded without verifying its signature, or without `algorithms=`",
        call_modules=frozenset({"jwt", "jose"}),
        # Opt-in until real code shows it precise: on eleven FastAPI apps it found three decodes
        # without verification, one a real hole, one reading only `exp` from the server's own
        # token, one an unused helper (issue 15's bar is 95 % true).
        opt_in=True,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        decodes = [(call, library(call, facts, view)) for call in facts.calls]
        verified_in = {
            call.function
            for call, lib in decodes
            if lib is not None and unverified_reason(call.call, facts) is None and names_algorithms(call.call)
        }
        for call, lib in decodes:
            if lib is None:
                continue
            reason = unverified_reason(call.call, facts)
            if reason is not None:
                if call.function is not None and call.function in verified_in:
                    continue  # a look at the token before the decode that verifies it
                message = (
                    f"JWT decoded without verifying its signature ({reason}): anyone can forge "
                    "these claims; verify with the key and `algorithms=[...]`"
                )
                yield self.finding(facts, call.call.span, message)
            elif not names_algorithms(call.call):
                consequence = (
                    "python-jose then accepts whatever algorithm the token names"
                    if lib == "python-jose"
                    else "PyJWT 1 then accepts whatever algorithm the token names, PyJWT 2 refuses to decode"
                )
                message = f"`{lib}` decode without `algorithms=`: {consequence}; pass the expected list"
                yield self.finding(facts, call.call.span, message)


def library(call: CallFact, facts: FileFacts, view: FileView) -> str | None:
    """ "PyJWT" or "python-jose" for their `jwt.decode`, else None."""
    qualified = call.call.qualified
    if call.call.kind != "call" or qualified is None:
        return None
    name = view.symbols.canonical_name(qualified, facts)
    if name in PYJWT_DECODE:
        return "PyJWT"
    if name in JOSE_DECODE:
        return "python-jose"
    return None


def unverified_reason(call: ExprFact, facts: FileFacts) -> str | None:
    """What in the call turns signature verification off, as written, else None."""
    options = keyword(call, "options")
    if options is not None:
        value = resolved(options, facts)
        if value.kind == "dict":
            for name in VERIFY_OPTIONS:
                flag = keyword(value, name)
                if flag is not None and is_false(flag, facts):
                    return f'`"{name}": {flag.text}`'
    verify = keyword(call, "verify")
    if verify is not None and is_false(verify, facts):
        return f"`verify={verify.text}`"
    algorithms = keyword(call, "algorithms")
    if algorithms is not None:
        value = resolved(algorithms, facts)
        members = value.args if value.kind in ("list", "tuple", "set") else (value,)
        if any(isinstance(m.value, str) and m.value.lower() == "none" for m in members):
            return f"`algorithms={algorithms.text}`"
    return None


def names_algorithms(call: ExprFact) -> bool:
    """`algorithms=` given (or the third positional argument), or maybe given through `**`."""
    return (
        keyword(call, "algorithms") is not None
        or len(call.args) >= 3
        or any(arg.kind == "starred" for arg in call.args)
        or has_star_keywords(call)
    )

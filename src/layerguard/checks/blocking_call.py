"""LG304: a blocking call (sleep, sync HTTP, subprocess, file open) inside `async def`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.model import CallFact, FileFacts, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import FileView

HTTP_FUNCTIONS = ("get", "post", "put", "patch", "delete", "head", "options", "trace", "connect", "request")
SUBPROCESS_FUNCTIONS = ("run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput")
ADVICE = {
    "sleep": "use `await asyncio.sleep(...)`",
    "http": "use an async client (`httpx.AsyncClient`, aiohttp)",
    "subprocess": "use `asyncio.create_subprocess_exec`, or `await asyncio.to_thread(...)`",
    "open": "use `await asyncio.to_thread(...)` or an async file library (aiofiles, anyio)",
}
# Qualified callee -> the kind of advice. `requests.*` and `httpx.*` count only where they talk
# to the network or make a sync client: `requests.exceptions.HTTPError(...)` blocks nothing.
BLOCKING_CALLS: dict[str, str] = {
    "time.sleep": "sleep",
    "urllib.request.urlopen": "http",
    "requests.Session": "http",
    "requests.session": "http",
    "httpx.Client": "http",
    "httpx.stream": "http",
    **{f"requests.{name}": "http" for name in HTTP_FUNCTIONS},
    **{f"requests.api.{name}": "http" for name in HTTP_FUNCTIONS},
    **{f"httpx.{name}": "http" for name in HTTP_FUNCTIONS},
    **{f"subprocess.{name}": "subprocess" for name in SUBPROCESS_FUNCTIONS},
    "os.system": "subprocess",
    "io.open": "open",
    "builtins.open": "open",
}


class BlockingCallInAsync(FileRule):
    meta = RuleMeta(
        code="LG304",
        name="blocking-call-in-async",
        severity=Severity.ERROR,
        summary="A blocking call inside `async def`",
        calls=frozenset({"open"}),
        call_modules=frozenset(name.partition(".")[0] for name in BLOCKING_CALLS),
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        open_is_builtin = not _rebinds_open(facts)
        for call in facts.calls:
            if not call.in_async:
                continue
            kind = blocking_kind(call, open_is_builtin=open_is_builtin)
            if kind is not None and call.function is not None:
                yield self.finding(facts, call.call.span, _message(call, kind, facts))


def blocking_kind(call: CallFact, *, open_is_builtin: bool) -> str | None:
    """The kind of blocking call this is (`sleep`, `http`, `subprocess`, `open`), else None."""
    qualified = call.call.qualified
    if qualified is None:
        return None
    if qualified == "open" and call.callee == "open":
        return "open" if open_is_builtin else None
    return BLOCKING_CALLS.get(qualified)


def _message(call: CallFact, kind: str, facts: FileFacts) -> str:
    qualified = call.call.qualified
    spelled = f"`{call.callee}()`" + (f" (`{qualified}`)" if qualified != call.callee else "")
    function = facts.functions[call.function].name if call.function is not None else ""
    return f"{spelled} blocks the event loop in `async def {function}`: {ADVICE[kind]}"


def _rebinds_open(facts: FileFacts) -> bool:
    """The module defines or assigns its own `open` (an import of one shows in `qualified`)."""
    return any(f.name == "open" and not f.nested and f.class_name is None for f in facts.functions) or any(
        a.name == "open" for a in facts.assignments
    )

"""LG305: a plain `def` in a service or repository that queries a database session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.db_call_not_awaited import COROUTINE_METHODS
from layerguard.checks.sessions import receiver_kind
from layerguard.model import CallFact, FileFacts, Finding, FunctionFact, RuleMeta, Severity
from layerguard.presets import DATA_ACCESS

if TYPE_CHECKING:
    from layerguard.context import FileView

DATA_METHODS = COROUTINE_METHODS | {"query"}


class SyncDataAccess(FileRule):
    meta = RuleMeta(
        code="LG305",
        name="sync-data-access",
        severity=Severity.ERROR,
        summary="A sync function in a service or repository uses a database session",
        layers=DATA_ACCESS,
        calls=DATA_METHODS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        if view.layers.layer_of(facts.module) not in DATA_ACCESS:
            return
        run_sync_targets = _run_sync_targets(facts)
        first_call: dict[int, CallFact] = {}
        for call in facts.calls:
            index = call.function
            if index is None or index in first_call or call.method not in DATA_METHODS:
                continue
            function = facts.functions[index]
            if function.is_async or function.name in run_sync_targets:
                continue
            if is_session_receiver(call, function, facts, view):
                first_call[index] = call
        for index, call in sorted(first_call.items()):
            function = facts.functions[index]
            message = (
                f"`def {function.name}` uses a database session synchronously (`{call.callee}()`): "
                "make it `async def` over an AsyncSession and `await` the call"
            )
            yield self.finding(facts, function.span, message)


def is_session_receiver(call: CallFact, function: FunctionFact, facts: FileFacts, view: FileView) -> bool:
    """The receiver is typed as a Session or AsyncSession, or is a parameter filled by
    `Depends(provider)` with a configured session provider."""
    if receiver_kind(call, facts, view) is not None:
        return True
    receiver = call.callee.rpartition(".")[0]
    providers = view.config.session_providers
    for param in function.params:
        if param.name != receiver:
            continue
        depends = [
            *(param.default.depends if param.default else ()),
            *(param.annotation.depends if param.annotation else ()),
        ]
        return any(provider.rpartition(".")[2] in providers for provider in depends)
    return False


def _run_sync_targets(facts: FileFacts) -> frozenset[str]:
    """Functions handed to `AsyncSession.run_sync(fn)`: they get a sync Session by design."""
    return frozenset(
        call.call.args[0].text.rpartition(".")[2]
        for call in facts.calls
        if call.method == "run_sync" and call.call.args and call.call.args[0].kind == "name"
    )

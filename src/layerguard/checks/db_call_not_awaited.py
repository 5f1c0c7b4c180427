"""LG302: an AsyncSession coroutine method called in `async def` and never awaited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.sessions import SessionKind, receiver_kind
from layerguard.model import CallFact, FileFacts, Finding, RuleMeta, Severity

if TYPE_CHECKING:
    from layerguard.context import FileView

# AsyncSession's coroutine methods (SPEC §2); `add`, `add_all`, `expunge`, `begin` are plain
# methods or context managers and are right without `await`. SQLModel's `exec` is a coroutine.
COROUTINE_METHODS = frozenset(
    {
        "execute", "scalars", "scalar", "get", "get_one", "commit", "rollback", "refresh", "flush",
        "delete", "merge", "close", "stream", "stream_scalars", "run_sync", "exec",
    }
)  # fmt: skip
# Handing the coroutine to one of these schedules or awaits it.
SCHEDULERS = frozenset(
    {"asyncio.gather", "asyncio.create_task", "asyncio.ensure_future", "asyncio.wait_for", "asyncio.shield"}
)
TASK_METHODS = frozenset({"create_task"})  # `TaskGroup.create_task`, `loop.create_task`


def is_scheduled(call: CallFact) -> bool:
    """Passed straight to `asyncio.gather`/`create_task`/`ensure_future`/`wait_for`, or to a
    task group's or loop's `create_task`."""
    outer = call.outer_call
    if outer is None:
        return False
    return outer in SCHEDULERS or outer.rpartition(".")[2] in TASK_METHODS


class DbCallNotAwaited(FileRule):
    meta = RuleMeta(
        code="LG302",
        name="db-call-not-awaited",
        severity=Severity.ERROR,
        summary="An AsyncSession method is called without `await`",
        calls=COROUTINE_METHODS,
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        for call in facts.calls:
            if (
                call.method in COROUTINE_METHODS
                and call.in_async
                and not call.awaited
                and not is_scheduled(call)
                and receiver_kind(call, facts, view) is SessionKind.ASYNC
            ):
                message = (
                    f"`{call.callee}()` returns a coroutine that is never awaited: "
                    f"write `await {call.callee}(...)`"
                )
                yield self.finding(facts, call.call.span, message)

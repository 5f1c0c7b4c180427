"""LG107 endpoint-database-access on real FastAPI apps from PyPI: every finding was read in its
code and judged (issue 15's audit, /tmp runs of `tools/audit_real_app.py NAME==VER` then
`check --select LG107`; the default config and the one `init --write` proposes give the same
findings).

Judgements (true / false / debatable), all of the handler part:

- langflow-base 1.13.0: 17 / 0 / 0 — handlers that open `session_scope()` (declared
  `-> AsyncGenerator[AsyncSession, None]`) and run `select(...)` or repository helpers in it
  (memories, traces, chat's `build_vertex*`, the audit export, the public workflow).
- apache-airflow-core 3.3.2: 1 / 0 / 0 — `get_dag_structure` opens `create_session(scoped=False)`
  per batch beside its request session.
- prefect 3.9.1: 1 / 0 / 0 — the events websocket opens `automations_session()`.
- lnbits, dstack, zenml, arize-phoenix, skyvern, open-webui, argilla-server, chainlit: none.

No app lists a session provider in `dependencies=`, and no endpoint module imports a
sessionmaker or an engine. What the rule does not see (precision first): prefect's hundreds of
`async with db.session_context()` (an unannotated method of the injected `PrefectDBInterface`),
phoenix's `request.app.state.db()`, open-webui's unannotated `get_async_db()`. Tried and left out:
a call of a function named in `session-providers` counted as opening a session gave ten false
findings on open-webui, whose `get_session()` is its aiohttp session pool.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from layerguard.api import check
from layerguard.config import DEFAULT_EXCLUDE
from layerguard.model import Config

from .conftest import AIRFLOW, CHAINLIT, DSTACK, LANGFLOW, LNBITS, PREFECT

pytestmark = pytest.mark.slow

SKYVERN = ("skyvern", "1.0.56")
PHOENIX = ("arize-phoenix", "20.26.1")
ARGILLA = ("argilla-server", "2.8.0")
OPEN_WEBUI = ("open-webui", "0.12.4")
ZENML = ("zenml", "0.98.0")

# (path, line, handler) of every LG107 finding, as judged above.
JUDGED: dict[tuple[str, str], list[tuple[str, int, str]]] = {
    LANGFLOW: [
        ("langflow/api/v1/audits.py", 428, "export_audits"),
        ("langflow/api/v1/chat.py", 664, "build_vertex"),
        ("langflow/api/v1/chat.py", 730, "build_vertex"),
        ("langflow/api/v1/chat.py", 1030, "build_vertex_stream"),
        ("langflow/api/v1/chat.py", 1204, "build_public_tmp"),
        ("langflow/api/v1/memories.py", 240, "list_memory_bases"),
        ("langflow/api/v1/memories.py", 268, "get_memory_base"),
        ("langflow/api/v1/memories.py", 302, "list_sessions"),
        ("langflow/api/v1/memories.py", 351, "list_memory_base_messages"),
        ("langflow/api/v1/memories.py", 420, "update_memory_base"),
        ("langflow/api/v1/memories.py", 457, "delete_memory_base"),
        ("langflow/api/v1/memories.py", 488, "flush_memory_base"),
        ("langflow/api/v1/memories.py", 526, "check_mismatch"),
        ("langflow/api/v1/memories.py", 552, "regenerate_memory_base"),
        ("langflow/api/v1/traces.py", 150, "delete_trace"),
        ("langflow/api/v1/traces.py", 182, "delete_traces_by_flow"),
        ("langflow/api/v2/workflow_public.py", 174, "execute_public_workflow"),
    ],
    AIRFLOW: [("airflow/api_fastapi/core_api/routes/ui/grid.py", 222, "get_dag_structure")],
    PREFECT: [("prefect/server/api/events.py", 121, "stream_workspace_events_out")],
    LNBITS: [],
    DSTACK: [],
    ZENML: [],
    PHOENIX: [],
    SKYVERN: [],
    OPEN_WEBUI: [],
    ARGILLA: [],
    CHAINLIT: [],
}


def lg107(root: Path) -> list[tuple[str, int, str]]:
    config = Config(root=root, select=("LG107",), exclude=DEFAULT_EXCLUDE, respect_gitignore=False)
    report = check([root], config=config, cache=False)
    assert not [f for f in report.findings if f.code in ("LG000", "LG001")]
    return sorted(
        (f.path.relative_to(root).as_posix(), f.line, f.message.split("`")[1]) for f in report.findings
    )


@pytest.mark.parametrize("app", list(JUDGED), ids=lambda app: app[0])
def test_endpoint_database_access_on_real_apps(
    app: tuple[str, str], real_project: Callable[[str, str], Path]
) -> None:
    assert lg107(real_project(*app)) == JUDGED[app]


def test_a_session_opened_in_a_real_handler_is_found(real_project: Callable[[str, str], Path]) -> None:
    """What the rule is for, on real code: open-webui's `process_file` handler opens
    `get_async_db()`, which declares no return type; annotated as langflow annotates its
    `session_scope()` (an editor buffer, nothing written), the call is reported."""
    root = real_project(*OPEN_WEBUI)
    db = root / "open_webui" / "internal" / "db.py"
    text = db.read_text(encoding="utf-8")
    unannotated = "async def get_async_db():\n"
    assert text.count(unannotated) == 1
    edited = text.replace(unannotated, "async def get_async_db() -> AsyncIterator[AsyncSession]:\n")
    edited = "from collections.abc import AsyncIterator\n" + edited
    config = Config(root=root, select=("LG107",), exclude=DEFAULT_EXCLUDE, respect_gitignore=False)
    report = check([root], config=config, sources={db: edited.encode()}, cache=False)
    found = [(f.path.relative_to(root).as_posix(), f.message.split("`")[1]) for f in report.findings]
    assert found == [("open_webui/routers/retrieval.py", "process_file")]

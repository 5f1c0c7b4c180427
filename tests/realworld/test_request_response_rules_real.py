"""LG703-LG705 on real FastAPI apps from PyPI, with the default settings: the counts are pinned,
and every finding (LG705: a seeded sample) was read in its code and judged (issue 15's audit,
eleven apps).

LG703 unvalidated-request-body: 19 true / 0 false / 0 debatable (19 findings; airflow, argilla,
dstack, langflow, lnbits, prefect, skyvern and zenml have none). Since 2026-12-05 a free-form
body is reported only where the handler reads a named key from it (`body["k"]`, `.get/.pop/
.setdefault("k")`, `"k" in body`, on the body, a name assigned from it or a copy of it alone).

- open-webui 14: `form_data: dict` on the chat completion, Anthropic messages, chat-completed and
  chat-action endpoints and the eight task endpoints (title, tags, queries, emoji ...), each
  reading `form_data["model"]`, `.get("chat_id")` or `.pop("model_item")`; the two proxies read
  `payload.get("model")` from `payload = {**form_data}`.
- phoenix 4: `await request.json()` then `data.get("email")`/`"password"` in the login, LDAP
  login and password-reset handlers.
- chainlit 1: `set_session_cookie` reads `body.get("session_id")`.

Before the key-read condition the same apps gave 26 true / 1 false / 6 debatable (33). Gone,
debatable (6): open-webui's `update_pipeline_valves` (a pass-through to a pipeline server),
phoenix's `upload_dataset` (JSON or multipart by content type, parsed by a helper), chainlit's
Teams webhook (the Bot Framework's `Activity().deserialize`), langflow's two flow-run
`context: dict | None` (user-defined variables), lnbits' `api_update_settings_partial` (merged
and rebuilt as settings). Gone, false (1): prefect's `validate_obj` JSON Schema. Gone, true (7):
bodies handed on whole, to a helper that reads them (open-webui's `embeddings`,
`count_message_tokens`, `update_chat_params`; langflow's `expand_compact_flow_endpoint`), merged
into stored data (open-webui's `update_user_info_by_session_user`, lnbits'
`update_ui_customization`) or passed to the model layer (prefect's `labels: Dict[str, Any]`).

Earlier changes (on the same apps): `request.body()` was dropped (16
reads: webhook signatures, OTLP protobuf, YAML, proxies; 2 handed straight to
`model_validate_json`) and `request.form()` too (4: OAuth token and revoke forms, a multipart
upload, Twilio's signed webhook form); bodies validated by hand are exempt (open-webui's
`GenerateChatCompletionForm(**form_data)` and `Valves(**form_data)`, 8; skyvern's
`validate_python(body)`; prefect's `schema_tools.validate(run_input, ...)` and `validate(hydrate(values))`);
`request.json()` beside `request.body()` is a webhook checking a signature (lnbits' Stripe,
PayPal, Square, Revolut, 4) or beside a model body FastAPI validated (phoenix, 1).

LG704 unserialised-response: 3 true / 0 false / 3 debatable. True: langflow's
`list_files -> list[UserFile]` (the SQLModel table `File` under an import alias), lnbits'
`LnurlErrorResponse | Any`, zenml's `update_pipeline_snapshot -> Any`. Debatable: zenml's three
deprecated deployment endpoints, `-> Any` returning `model_dump(mode="json", exclude=...)` with
an exclude chosen per client. Before the `Response`-building exemption, zenml's dashboard and
catch-all (`-> Any` returning a template, a redirect or a file) were 2 false. Since 2026-12-05 a
`-> Any` handler that calls `model_dump`/`model_dump_json`/`jsonable_encoder` is not reported:
zenml's three debatable ones are gone, so LG704 is 3 true / 0 false / 0 debatable.

LG705 undeclared-response (opt-in; sample of 20 per app with `returns`-reading by hand, seed 15):
no response type: open-webui 17 / 1 / 2 (false: an OAuth callback returning the manager's
redirect), langflow 14 / 6 / 0 (false: event streams, MCP transports and a zip download built
by helpers), chainlit (all 14) 6 / 7 / 1 (false: `_authenticate_user`'s JSONResponse, OAuth
redirects, the Slack and Teams adapters' responses), dstack 10 sampled 0 / 0 / 10 (handlers that
return nothing: the body is `null`); bare dict: langflow 12 and skyvern 11, all true to the rule
(`{"status": "deleted"}`, `model_dump(by_alias=True)`). 37 of 64 no-type findings true: opt-in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from layerguard.api import check
from layerguard.config import DEFAULT_EXCLUDE
from layerguard.model import Config

from .conftest import AIRFLOW, CHAINLIT, DSTACK, LANGFLOW, LNBITS, PREFECT

pytestmark = pytest.mark.slow

CODES = ("LG703", "LG704", "LG705")
SKYVERN = ("skyvern", "1.0.56")
PHOENIX = ("arize-phoenix", "20.26.1")
ARGILLA = ("argilla-server", "2.8.0")
OPEN_WEBUI = ("open-webui", "0.12.4")
ZENML = ("zenml", "0.98.0")

# LG705 is opt-in: selected by its exact code here, as a team that wants it would.
PINNED = {
    OPEN_WEBUI: {"LG703": 14, "LG704": 0, "LG705": 230},
    PHOENIX: {"LG703": 4, "LG704": 0, "LG705": 0},  # every phoenix handler declares its type
    CHAINLIT: {"LG703": 1, "LG704": 0, "LG705": 14},
    LANGFLOW: {"LG703": 0, "LG704": 1, "LG705": 87},
    LNBITS: {"LG703": 0, "LG704": 1, "LG705": 36},
    PREFECT: {"LG703": 0, "LG704": 0, "LG705": 2},
    # Its one `request.json()` is checked with `validate_python`; 11 `-> dict[str, Any]`.
    SKYVERN: {"LG703": 0, "LG704": 0, "LG705": 11},
    # LG704: the deprecated deployment endpoints serialise with `model_dump(...)` themselves.
    ZENML: {"LG703": 0, "LG704": 1, "LG705": 3},  # its one raw read is a webhook's `request.body()`
    # Its `request.json()` reads are in dependencies, not handlers.
    AIRFLOW: {"LG703": 0, "LG704": 0, "LG705": 7},
    ARGILLA: {"LG703": 0, "LG704": 0, "LG705": 0},
    DSTACK: {"LG703": 0, "LG704": 0, "LG705": 22},
}


def findings_of(root: Path, codes: tuple[str, ...]) -> list[tuple[str, int, str]]:
    # The default settings (default `exclude`: tests and migrations are not checked).
    config = Config(root=root, select=codes, exclude=DEFAULT_EXCLUDE, respect_gitignore=False)
    report = check([root], config=config, cache=False)
    assert not [f for f in report.findings if f.code in ("LG000", "LG001")]
    return sorted((f.path.relative_to(root).as_posix(), f.line, f.code) for f in report.findings)


@pytest.mark.parametrize("app", list(PINNED), ids=lambda app: app[0])
def test_counts_on_real_apps(app: tuple[str, str], real_project: Callable[[str, str], Path]) -> None:
    counts = Counter(code for _, _, code in findings_of(real_project(*app), CODES))
    assert {code: counts[code] for code in CODES} == PINNED[app]


def test_the_judged_findings_are_where_the_notes_say(real_project: Callable[[str, str], Path]) -> None:
    """phoenix's four true `request.json()` reads; the upload, which hands the JSON to a helper,
    is not reported."""
    found = findings_of(real_project(*PHOENIX), ("LG703",))
    assert found == [
        ("phoenix/server/api/routers/auth.py", 148, "LG703"),
        ("phoenix/server/api/routers/auth.py", 257, "LG703"),
        ("phoenix/server/api/routers/auth.py", 301, "LG703"),
        ("phoenix/server/api/routers/auth.py", 347, "LG703"),
    ]


def test_only_bodies_read_by_key_are_reported(real_project: Callable[[str, str], Path]) -> None:
    """open-webui: the 14 reported handlers read keys; the pipeline pass-through, the helpers'
    bodies and the merged user info are not reported."""
    found = {(path, line) for path, line, _ in findings_of(real_project(*OPEN_WEBUI), ("LG703",))}
    assert len(found) == 14
    assert ("open_webui/routers/ollama.py", 1417) in found  # `payload = {**form_data}; payload.get(...)`
    for not_read in (
        ("open_webui/routers/pipelines.py", 538),  # `json={**form_data}` to the pipeline server
        ("open_webui/main.py", 1112),  # `generate_embeddings(request, form_data, user)`
        ("open_webui/routers/users.py", 679),  # `{**(user.info or {}), **form_data}`
    ):
        assert not_read not in found


def test_the_orm_response_is_found_through_an_import_alias(real_project: Callable[[str, str], Path]) -> None:
    """langflow imports its `File` table as `UserFile`: LG704 follows the alias to the table."""
    found = findings_of(real_project(*LANGFLOW), ("LG704",))
    assert found == [("langflow/api/v2/files.py", 468, "LG704")]

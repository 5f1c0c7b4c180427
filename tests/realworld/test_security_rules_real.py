"""LG901-LG904 on real FastAPI apps from PyPI, with the default settings: the counts are pinned,
and every finding (or a seeded sample of 25) was read in its code and judged.

Judgements (true / false / debatable), issue 15's audit:

- LG901 hardcoded-secret: 5 / 0 / 3. True: argilla-server `DEFAULT_PASSWORD = "1234"`,
  `DEFAULT_API_KEY = "argilla.apikey"` (the default owner's credentials), phoenix
  `DEFAULT_ADMIN_PASSWORD = "admin"`, skyvern `SECRET_KEY: str = "PLACEHOLDER"` (it signs and
  verifies the org JWTs), langflow `os.environ.get("RABBITMQ_DEFAULT_PASS", "langflow")`.
  Debatable: skyvern `SKYVERN_API_KEY = "PLACEHOLDER"` and `ENCRYPTOR_AES_SECRET_KEY =
  "fillmein"` (sentinels the code compares with and refuses), prefect's `AMPLITUDE_API_KEY`
  (an analytics key the vendor calls public).
- LG902 jwt-without-verification: 1 / 1 / 1. True: open-webui's token exchange reads role and
  group claims from `jwt.decode(form_data.token, options={"verify_signature": False})`. False:
  open-webui reads only the `exp` of an id token the server received from its provider.
  Debatable: langflow's documented, unused `get_user_id_from_token`.
- LG903 cors-wildcard-credentials: none of these apps writes a wildcard next to credentials in
  code (their origins come from settings); dstack's gateway has `allow_origin_regex=".*"`
  without credentials and is rightly clean.
- LG904 error-detail-leak: lnbits 6 / 0 / 0, chainlit 2 / 0 / 0, phoenix 0 / 0 / 1 (a query
  parser's error behind a catch-all), skyvern 9 / 0 / 2 (a catch-all around one URL or one
  schema validation call), open-webui sample of 25: 24 / 0 / 1 (a catch-all around
  `validate_password`), langflow sample of 25: 25 / 0 / 0 — every one `str(exc)` or
  `f"...{exc}"` of an `except Exception` (or of the `@app.exception_handler(Exception)`) sent
  as `detail` or JSON content. Before `isinstance` narrowing, langflow's
  `if isinstance(exc, CustomComponentValidationError): raise HTTPException(400, str(exc))` was
  the one false finding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from layerguard.api import check
from layerguard.config import DEFAULT_EXCLUDE
from layerguard.model import Config

from .conftest import CHAINLIT, LANGFLOW, LNBITS, PREFECT

pytestmark = pytest.mark.slow

CODES = ("LG901", "LG902", "LG903", "LG904")
SKYVERN = ("skyvern", "1.0.56")
PHOENIX = ("arize-phoenix", "20.26.1")
ARGILLA = ("argilla-server", "2.8.0")
OPEN_WEBUI = ("open-webui", "0.12.4")

PINNED = {
    LNBITS: {"LG901": 0, "LG902": 0, "LG903": 0, "LG904": 6},
    PREFECT: {"LG901": 1, "LG902": 0, "LG903": 0, "LG904": 0},
    LANGFLOW: {"LG901": 1, "LG902": 1, "LG903": 0, "LG904": 86},
    CHAINLIT: {"LG901": 0, "LG902": 0, "LG903": 0, "LG904": 2},
    SKYVERN: {"LG901": 3, "LG902": 0, "LG903": 0, "LG904": 11},
    PHOENIX: {"LG901": 1, "LG902": 0, "LG903": 0, "LG904": 1},
    ARGILLA: {"LG901": 2, "LG902": 0, "LG903": 0, "LG904": 0},
    OPEN_WEBUI: {"LG901": 0, "LG902": 2, "LG903": 0, "LG904": 39},
}


@pytest.mark.parametrize("app", list(PINNED), ids=lambda app: app[0])
def test_security_rule_counts_on_real_apps(
    app: tuple[str, str], real_project: Callable[[str, str], Path]
) -> None:
    root = real_project(*app)
    # The default settings (default `exclude`: tests and migrations are not checked).
    config = Config(root=root, select=CODES, exclude=DEFAULT_EXCLUDE, respect_gitignore=False)
    report = check([root], config=config, cache=False)
    assert not [f for f in report.findings if f.code in ("LG000", "LG001")]
    counts = Counter(f.code for f in report.findings)
    assert {code: counts[code] for code in CODES} == PINNED[app]


def test_the_judged_findings_are_where_the_notes_say(real_project: Callable[[str, str], Path]) -> None:
    """The true findings named above, by file and line, so a changed count points at them."""
    root = real_project(*ARGILLA)
    config = Config(root=root, select=("LG901",), exclude=DEFAULT_EXCLUDE, respect_gitignore=False)
    found = sorted(
        (f.path.relative_to(root).as_posix(), f.line)
        for f in check([root], config=config, cache=False).findings
    )
    assert found == [("argilla_server/constants.py", 25), ("argilla_server/constants.py", 26)]

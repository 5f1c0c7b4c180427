"""`layerguard server` on a real application: its diagnostics are the CLI's findings."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_lsp import LanguageClient

from tests.functional.test_server import ENCODING, SERVER, Editor, cli_findings, initialize, shown

from .conftest import LNBITS


@pytest.fixture
def real_app(real_project: Callable[[str, str], Path], tmp_path: Path) -> Path:
    """lnbits, copied so that its settings file (the fortress defaults) changes no other test's tree."""
    copy = tmp_path / "lnbits"
    shutil.copytree(real_project(*LNBITS), copy)
    (copy / "layerguard.toml").write_text("")
    return copy


@pytest.mark.slow
@pytest.mark.asyncio
async def test_server_diagnostics_equal_the_cli_findings_on_a_real_app(real_app: Path) -> None:
    expected = cli_findings(real_app)
    clean = sorted(p.resolve() for p in real_app.rglob("*.py") if p.resolve() not in expected)
    # Every file with findings, and twenty without: each must show exactly what the CLI shows.
    opened = sorted(expected) + clean[:20]
    assert len(expected) >= 20
    client = await SERVER.start()
    assert isinstance(client, LanguageClient)
    try:
        await initialize(client, real_app)
        editor = Editor(client)
        # Non-ASCII lines included: positions come back in UTF-8 and are converted.
        published = {path: shown(await editor.open(path), path.read_text(), ENCODING) for path in opened}
        await client.shutdown_session()
    finally:
        await client.stop()
    assert {path: found for path, found in published.items() if found} == expected

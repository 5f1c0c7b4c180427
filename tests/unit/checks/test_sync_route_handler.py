"""LG301: route handlers defined with `def`."""

from __future__ import annotations

from pathlib import Path

from tmp_project import lint

ROUTES = """\
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/a")
    def sync_handler() -> None: ...

    @router.websocket("/ws")
    async def async_handler() -> None: ...

    @router.post(
        "/b",
        status_code=201,
    )
    def decorated_over_lines() -> None: ...

    def registered() -> None: ...

    router.add_api_route("/c", registered)

    def not_a_route() -> None: ...
    """


def test_sync_handlers_are_reported_at_the_def(tmp_path: Path) -> None:
    assert lint(tmp_path, {"app/api/orders.py": ROUTES}, ["LG301"]) == [
        ("app/api/orders.py", 6, 1, "LG301"),
        ("app/api/orders.py", 15, 1, "LG301"),
        ("app/api/orders.py", 17, 1, "LG301"),
    ]


def test_custom_layers_are_not_checked(tmp_path: Path) -> None:
    settings = '[tool.layerguard.layers.web]\nmodules = ["**.web.**"]\nmay-import = []\n'
    assert lint(tmp_path, {"app/web/orders.py": ROUTES}, ["LG301"], settings) == []

"""LG304: blocking calls inside `async def` (the innermost function decides)."""

from __future__ import annotations

from pathlib import Path

from markers import assert_findings_match, findings_of
from tmp_project import lint

CODES = ["LG304"]


def test_blocking_calls_under_any_import_form() -> None:
    files = {
        "app/jobs.py": """\
            import io
            import os
            import subprocess as sp
            import time
            import urllib.request
            from subprocess import check_output
            from time import sleep

            import httpx
            import requests

            async def job() -> None:
                time.sleep(1)  # error: [LG304]
                sleep(1)  # error: [LG304]
                requests.post("u")  # error: [LG304]
                requests.request("GET", "u")  # error: [LG304]
                requests.Session()  # error: [LG304]
                httpx.get("u")  # error: [LG304]
                httpx.stream("GET", "u")  # error: [LG304]
                httpx.Client()  # error: [LG304]
                urllib.request.urlopen("u")  # error: [LG304]
                sp.Popen(["x"])  # error: [LG304]
                check_output(["x"])  # error: [LG304]
                os.system("x")  # error: [LG304]
                open("f")  # error: [LG304]
                io.open("f")  # error: [LG304]
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_not_blocking_or_not_in_async_code() -> None:
    files = {
        "app/jobs.py": """\
            import asyncio
            import subprocess
            import time

            import httpx
            import requests

            async def job(path) -> None:
                await asyncio.sleep(1)
                await asyncio.to_thread(time.sleep, 1)
                await asyncio.get_running_loop().run_in_executor(None, lambda: requests.get("u"))
                async with httpx.AsyncClient() as client:
                    await client.get("u")
                requests.exceptions.HTTPError("x")
                subprocess.CalledProcessError(1, "x")
                path.open()
                def nested() -> None:
                    time.sleep(1)
                    open("f")

            def sync_job() -> None:
                time.sleep(1)
                requests.get("u")
            """,
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_open_rebound_by_an_import_or_a_definition() -> None:
    files = {
        "app/a.py": "from aiofiles import open\n\nasync def f() -> None:\n    open('x')\n",
        "app/b.py": "def open(name): ...\n\nasync def f() -> None:\n    open('x')\n",
        "app/c.py": "import anyio\n\nasync def f() -> None:\n    await anyio.open_file('x')\n",
    }
    assert_findings_match(findings_of(files, select=CODES), files)


def test_reported_at_the_call_with_the_function_named(tmp_path: Path) -> None:
    files = {"app/jobs.py": "import time\n\nasync def job() -> None:\n    x = time.sleep(1)\n"}
    assert lint(tmp_path, files, CODES) == [("app/jobs.py", 4, 9, "LG304")]

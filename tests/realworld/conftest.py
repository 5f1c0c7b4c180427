"""Real published FastAPI applications, downloaded from PyPI at pinned versions.

Nothing third-party is committed: each wheel is downloaded once per test session into a temp
folder and unpacked there. Without network the tests skip and say why.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

# Pinned so that counts in the tests stay meaningful.
LNBITS = ("lnbits", "1.6.2")  # a FastAPI app: 170 files, raw SQL over its own db layer
PREFECT = ("prefect", "3.9.1")  # its server is FastAPI + SQLAlchemy: 864 files
# Its REST API is FastAPI + SQLAlchemy sessions (`SessionDep` aliases), routers via cadwyn: 748 files
AIRFLOW = ("apache-airflow-core", "3.3.2")
# issue 13's audit apps (/work/briefs/audit-baseline.md), for `init` on real layouts:
DSTACK = ("dstack", "0.22.5")  # FastAPI + SQLAlchemy server, app factory `server/app.py`: 785 files
CHAINLIT = ("chainlit", "2.12.0")  # one module of routes (`server.py`) beside its `app`: 66 files
LANGFLOW = ("langflow-base", "1.13.0")  # FastAPI + SQLModel AsyncSession, services/crud: 938 files


def installed_tool(name: str) -> str | None:
    """The command installed beside this interpreter (a venv run without activating it), else PATH's."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


@pytest.fixture(scope="session")
def real_project(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`real_project(name, version, python="3.11")` -> the unpacked wheel's folder."""
    cache: dict[tuple[str, str], Path] = {}

    def fetch(name: str, version: str, python: str = "3.11") -> Path:
        if (name, version) in cache:
            return cache[(name, version)]
        download = tmp_path_factory.mktemp(f"{name}-download")
        result = subprocess.run(
            # The wheel a Python 3.11 would get, whatever Python runs the tests: the pins hold on
            # 3.10 and 3.13 too (lnbits 1.6.2 requires < 3.13, skyvern >= 3.11). An app that
            # needs a newer Python names it (cowork-server >= 3.12): layerguard still parses it.
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
             "--python-version", python, "-d", str(download), f"{name}=={version}"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        wheels = list(download.glob("*.whl"))
        if result.returncode != 0 or not wheels:
            pytest.skip(f"cannot download {name}=={version} from PyPI: {result.stderr.strip()[-300:]}")
        target = tmp_path_factory.mktemp(name)
        with zipfile.ZipFile(wheels[0]) as wheel:
            wheel.extractall(target)
        cache[(name, version)] = target
        return target

    return fetch

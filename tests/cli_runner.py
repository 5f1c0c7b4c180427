"""Running the real CLI, `python -m layerguard`, as the functional tests do: captured, or with
its stdout on a pseudo-terminal (colour and escapes as a user sees them)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

TIMEOUT = 120


def cli_env(**extra: str) -> dict[str, str]:
    """The current environment without colour and width switches, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env.update(extra)
    return env


def run_cli(
    *args: str | Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    encoding: str = "utf-8",
) -> subprocess.CompletedProcess[str]:
    """`python -m layerguard ARGS` in `cwd`, output decoded as `encoding` (strictly: a byte the
    CLI should not have written fails the test); a hang fails the test instead of blocking."""
    return subprocess.run(
        [sys.executable, "-m", "layerguard", *map(str, args)],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding=encoding,
        env=cli_env() if env is None else env,
        timeout=timeout,
    )


def run_in_pty(*args: str, cwd: Path, env: dict[str, str], timeout: float = TIMEOUT) -> tuple[int, str]:
    """Run `layerguard ARGS` with stdout on a pseudo-terminal; its exit code and output."""
    main, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "layerguard", *args],
            cwd=cwd,
            stdout=secondary,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    finally:
        os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    return process.wait(timeout=timeout), b"".join(chunks).decode("utf-8", "replace")

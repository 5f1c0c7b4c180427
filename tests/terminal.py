"""Running the real CLI with its stdout on a pseudo-terminal (colour, escapes as a user sees them)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path


def run_in_pty(*args: str, cwd: Path, env: dict[str, str], timeout: float = 120) -> tuple[int, str]:
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

"""Latency of `layerguard server`: from `didChange` to the `publishDiagnostics` that answers it.

    python bench/server_latency.py                # prefect 3.9.1 (864 files) and the ×12 tree
    python bench/server_latency.py --edits 100 --no-scale

Prepares the projects as bench/run.py does (pinned wheels from PyPI into a work folder outside the
repository; the 10,000-file tree is prefect copied 12 times), warms the on-disk cache with one
CLI run, then drives the real server over stdio with a minimal JSON-RPC client: start-up (spawn
to the first diagnostics of the opened file), then `--edits` edits of that file one after the
other, each timed until its diagnostics arrive. Prints p50/p95, start-up against a warm CLI run
of the same file, the server's peak RSS, and a profile of one edit's check in-process.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench_run  # bench/run.py: fetching and scaling, shared


class Client:
    """The least LSP client that can time a server: send messages, collect what comes back."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.inbox: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while (header := stream.readline()) not in (b"\r\n", b""):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            if not header:
                return
            message = json.loads(stream.read(length))
            self.inbox.put((time.perf_counter(), message))

    def send(self, method: str, params: Any, *, request: bool = False) -> int | None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return message.get("id")

    def wait(self, accept: Any, timeout: float = 600) -> float:
        """The arrival time of the first message `accept` takes; answers server requests with null."""
        deadline = time.perf_counter() + timeout
        while True:
            arrived, message = self.inbox.get(timeout=max(0.0, deadline - time.perf_counter()))
            if "id" in message and "method" in message:  # a request to the client
                reply = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": None}).encode()
                assert self.process.stdin is not None
                self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(reply) + reply)
                self.process.stdin.flush()
            if accept(message):
                return arrived

    def peak_rss_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def stop(self) -> None:
        self.send("shutdown", None, request=True)
        self.send("exit", None)
        self.process.wait(timeout=60)


def published(uri: str, version: int) -> Any:
    return lambda m: (
        m.get("method") == "textDocument/publishDiagnostics"
        and m["params"]["uri"] == uri
        and m["params"].get("version") == version
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def warm_cli_seconds(root: Path, target: Path, rounds: int = 5) -> float:
    """The median wall time of `layerguard check FILE` as a process, on a warm cache."""
    command = [sys.executable, "-m", "layerguard", "check", "--format", "concise", str(target)]
    subprocess.run(command, cwd=root, capture_output=True, check=False)  # warms the cache
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(command, cwd=root, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(root: Path, relative: str, edits: int) -> dict[str, float]:
    target = (root / relative).resolve()
    uri = target.as_uri()
    text = target.read_text(encoding="utf-8")
    warm_cli = warm_cli_seconds(root, target)
    client = Client([sys.executable, "-m", "layerguard", "server"], root)
    client.send(
        "initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}}, request=True
    )
    client.wait(lambda m: m.get("id") == 1)
    client.send("initialized", {})
    client.send(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    startup = client.wait(published(uri, 1)) - client.started
    latencies = []
    for version in range(2, edits + 3):
        # Each edit changes the file's text (a new line at its end), as typing does.
        edited = text + f"\nedited_{version} = {version}\n"
        sent = time.perf_counter()
        client.send(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": edited}]},
        )
        latencies.append(client.wait(published(uri, version)) - sent)
    rss = client.peak_rss_mib()
    client.stop()
    first, steady = latencies[0], latencies[1:]  # the first edit waits for the warm-up's facts
    return {
        "startup": startup,
        "warm_cli": warm_cli,
        "first_edit": first,
        "p50": statistics.median(steady),
        "p95": percentile(steady, 0.95),
        "max": max(steady),
        "rss": rss,
    }


def profile_one_edit(root: Path, relative: str) -> str:
    """cProfile of one edit's narrow check, in-process, the top of the cumulative listing."""
    from layerguard.api import load_config
    from layerguard.engine import Workspace, collector_paused

    target = (root / relative).resolve()
    config = load_config([target])
    with collector_paused():
        workspace = Workspace(config)
        workspace.check([target], narrow=True)
        workspace.update(target, target.read_bytes() + b"\nedited = 1\n")
        profiler = cProfile.Profile()
        profiler.enable()
        workspace.check([target], narrow=True)
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    return out.getvalue()


def edit_stages(root: Path, relative: str, edits: int = 15) -> list[tuple[str, float]]:
    """Where one edit's narrow check goes, in-process: each project rule, the file rules,
    parsing, the facts lookup, and the rest (discovery, views, suppression); medians over
    `edits` edits after the warm-up the server makes. Rules are timed by wrapping them, so the
    first rule to ask for a shared table (the import edges, the layers) is charged for it."""
    from layerguard import engine
    from layerguard.api import load_config
    from layerguard.checks import ProjectRule

    target = (root / relative).resolve()
    config = load_config([target])
    spent: dict[str, float] = {}

    def timed(name: str, function: Any, *, listed: bool = False) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = function(*args, **kwargs)
                return list(result) if listed else result
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return run

    parse, facts_of = engine._parse_files, engine.Workspace._facts_of
    engine._parse_files = timed("parse the edited file", parse)  # type: ignore[assignment]
    engine.Workspace._facts_of = timed("facts", facts_of)  # type: ignore[method-assign]
    rows: dict[str, list[float]] = {}
    try:
        with engine.collector_paused():
            workspace = engine.Workspace(config)
            for rule in workspace.rules:
                if isinstance(rule, ProjectRule):
                    rule.check_project = timed(rule.meta.code, rule.check_project, listed=True)  # type: ignore[method-assign]
                else:
                    rule.check_file = timed("file rules", rule.check_file, listed=True)  # type: ignore[method-assign]
            workspace.check([target])
            workspace.project([root])
            workspace.check([target], narrow=True)
            for number in range(edits):
                workspace.update(target, target.read_bytes() + f"\nedited_{number} = {number}\n".encode())
                spent.clear()
                started = time.perf_counter()
                workspace.check([target], narrow=True)
                total = time.perf_counter() - started
                spent["facts"] -= spent.get("parse the edited file", 0.0)
                spent["the rest"] = total - sum(spent.values())
                spent["whole check"] = total
                for name, seconds in spent.items():
                    rows.setdefault(name, []).append(seconds)
    finally:
        engine._parse_files, engine.Workspace._facts_of = parse, facts_of  # type: ignore[method-assign]
    medians = [(name, statistics.median(values)) for name, values in rows.items()]
    return sorted(medians, key=lambda row: -row[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--scale-copies", type=int, default=12)
    parser.add_argument("--no-scale", action="store_true", help="skip the 10,000-file tree")
    parser.add_argument("--profile", action="store_true", help="print a profile of one edit's check")
    parser.add_argument("--stages", action="store_true", help="print where one edit's check goes, by rule")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "layerguard-bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    app = bench_run.APPS[0]  # prefect
    root = bench_run.prepare(app, args.work)
    projects = [(f"{app.name} {app.version}", root, app.changed_file)]
    if not args.no_scale:
        scaled_root, scaled = bench_run.scale_tree(app, root, args.work, args.scale_copies)
        projects.append((f"{app.name} ×{args.scale_copies}", scaled_root, scaled.changed_file))
    print(f"Machine: {bench_run.machine()}")
    print(f"Command: python bench/server_latency.py {' '.join(sys.argv[1:])}".rstrip())
    print()
    columns = "project | files | didChange→publish p50 | p95 | max | first edit | start-up | warm CLI"
    columns += " | peak RSS"
    print(f"| {columns} |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, project_root, relative in projects:
        files = len(bench_run.python_files(project_root))
        result = measure(project_root, relative, args.edits)
        print(
            f"| {name} | {files:,} | {result['p50'] * 1000:.0f} ms | {result['p95'] * 1000:.0f} ms "
            f"| {result['max'] * 1000:.0f} ms | {result['first_edit'] * 1000:.0f} ms "
            f"| {result['startup']:.2f} s | {result['warm_cli']:.2f} s | {result['rss']:.0f} MiB |",
            flush=True,
        )
    if args.profile:
        print()
        print(profile_one_edit(root, app.changed_file))
    if args.stages:
        print()
        print(f"One edit's narrow check, in-process (median of 15; load average {os.getloadavg()[0]:.1f}):")
        print()
        print("| stage | time |\n|---|---|")
        for name, seconds in edit_stages(root, app.changed_file):
            print(f"| {name} | {seconds * 1000:.1f} ms |")


if __name__ == "__main__":
    main()

"""Do two layerguard installations report byte-identical output on the same projects?

    python bench/same_output.py /tmp/venv-mid/bin/python /tmp/venv-after/bin/python \
        --pypi lnbits==1.6.2 --pypi prefect==3.9.1 --pypi apache-airflow-core==3.3.2 \
        --pypi langflow-base==1.13.0 $(dirname tests/fixtures/*/pyproject.toml)

Each interpreter has its own layerguard installed (one venv per revision). In every project
root, each runs `python -m layerguard check --no-cache --format F` for every format F (SARIF
with the tool's version blanked) and the stdout bytes and exit codes are compared; a short
unified diff is printed for each difference. `--pypi NAME==VERSION` downloads that wheel
(`pip download --no-deps`), unpacks it under --work and checks the unpacked folder with the
realworld tests' configuration (a `layerguard.toml`: no gitignore, every rule selected), unless
it already has one. Each run's address space is capped (--memory-limit); --mask REGEX hides
what differs from run to run (a PID). Exit 0 when everything is identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import resource
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

REALWORLD_CONFIG = 'respect-gitignore = false\nextend-select = ["LG805", "LG806"]\n'
SARIF_VERSION = re.compile(rb'("driver": \{\s*"name": "layerguard",\s*"version": )"[^"]*"')


def fetch(spec: str, work: Path) -> Path:
    """The unpacked wheel of `spec` (NAME==VERSION) under `work`, with a layerguard.toml."""
    name, _, version = spec.partition("==")
    target = work / f"{name}-{version}"
    if not target.is_dir():
        wheels = work / "wheels"
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
             "--quiet", "-d", str(wheels), spec],
            check=True,
        )  # fmt: skip
        stem = re.sub(r"[-_.]+", "_", name).lower()
        [wheel] = [p for p in wheels.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]
        unpacking = Path(tempfile.mkdtemp(dir=work))
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(unpacking)
        unpacking.rename(target)
    config = target / "layerguard.toml"
    if not config.exists():
        config.write_text(REALWORLD_CONFIG)
    return target


def run(python: str, root: Path, fmt: str, args: argparse.Namespace) -> tuple[bytes, int, bytes]:
    """stdout (SARIF's tool version blanked, --mask applied), exit code and stderr of one check."""
    command = [python, "-m", "layerguard", "check", "--no-cache", "--format", fmt]
    if args.jobs is not None:
        command += ["--jobs", str(args.jobs)]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PYTHONPATH")}
    limit = args.memory_limit * 2**20

    def cap_memory() -> None:  # an old layerguard may read /dev/zero through a link until OOM
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = subprocess.run(
        command, cwd=root, env=env, capture_output=True, timeout=1800, check=False,
        preexec_fn=cap_memory if limit else None,
    )  # fmt: skip
    stdout = SARIF_VERSION.sub(rb'\1""', result.stdout, count=1) if fmt == "sarif" else result.stdout
    for mask in args.mask:
        stdout = re.sub(mask.encode(), b"<masked>", stdout)
    return stdout, result.returncode, result.stderr


def short_diff(old: bytes, new: bytes, limit: int) -> str:
    lines = list(
        difflib.unified_diff(
            old.decode(errors="replace").splitlines(),
            new.decode(errors="replace").splitlines(),
            "old",
            "new",
            n=0,
            lineterm="",
        )
    )
    cut = f"\n    ... {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "\n".join(f"    {line}" for line in lines[:limit]) + cut


def compare(old: str, new: str, root: Path, fmt: str, args: argparse.Namespace) -> bool:
    """Print one line (and a diff when they differ); True when identical."""
    (out_a, code_a, err_a), (out_b, code_b, err_b) = (run(p, root, fmt, args) for p in (old, new))
    if args.keep is not None:
        for side, out in (("old", out_a), ("new", out_b)):
            (args.keep / f"{root.name}.{fmt}.{side}").write_bytes(out)
    same = out_a == out_b and code_a == code_b
    label = f"{root} [{fmt}]"
    print(f"{'identical' if same else 'DIFFERENT'}: {label} ({len(out_a)} bytes, exit {code_a})")
    if code_a != code_b:
        print(f"    exit code: old {code_a}, new {code_b}")
    if out_a != out_b:
        print(short_diff(out_a, out_b, args.diff_lines))
    if err_a != err_b:
        print("    stderr differs:\n" + short_diff(err_a, err_b, args.diff_lines))
    return same


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old_python", help="interpreter with the old layerguard installed")
    parser.add_argument("new_python", help="interpreter with the new layerguard installed")
    parser.add_argument("roots", nargs="*", type=Path, help="project roots to check in")
    parser.add_argument("--pypi", action="append", default=[], metavar="NAME==VERSION",
                        help="also a wheel from PyPI, unpacked under --work (repeatable)")  # fmt: skip
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "layerguard-same-output",
        help="where --pypi wheels are downloaded and unpacked (default: $TMPDIR/layerguard-same-output)",
    )  # fmt: skip
    parser.add_argument("--formats", default="json,concise,sarif", help="comma separated: %(default)s")
    parser.add_argument("--jobs", type=int, default=None, help="--jobs for layerguard (default: its own)")
    parser.add_argument("--diff-lines", type=int, default=20, help="diff lines shown per difference")
    parser.add_argument("--keep", type=Path, default=None, help="save every output in this folder")
    parser.add_argument("--mask", action="append", default=[], metavar="REGEX",
                        help="replaced in both outputs before comparing (e.g. '/proc/[0-9]+/')")  # fmt: skip
    parser.add_argument("--memory-limit", type=int, default=4096, help="address space per run, MiB (0: none)")
    args = parser.parse_intermixed_args(argv)
    roots = [root.resolve() for root in args.roots]
    if args.pypi:
        args.work.mkdir(parents=True, exist_ok=True)
        roots += [fetch(spec, args.work) for spec in args.pypi]
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    if not roots:
        parser.error("no project: give roots or --pypi")
    results = [
        compare(args.old_python, args.new_python, root, fmt, args)
        for root in roots
        for fmt in args.formats.split(",")
    ]
    print(f"\n{results.count(True)} of {len(results)} outputs identical")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

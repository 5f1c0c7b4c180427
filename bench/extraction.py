"""What fact extraction costs next to `ast.parse`, in process, as the pipeline runs it.

    python bench/extraction.py ROOT [ROOT ...] [--rounds 5] [--digest]

Every `*.py` file under the roots is parsed and its facts extracted the way `facts.workers`
does it: the cyclic collector paused, each file parsed, its facts extracted with the engine's
call filter, then `gc.collect(0)`. Prints the best round's CPU seconds of `ast.parse`, of
`extract_facts` and of the collections, and extraction as a multiple of the parse.

`--digest` prints instead one SHA-256 over every file's facts (`repr`, which covers every field
of every fact): run it with two installations on the same roots, with `PYTHONHASHSEED=0` (a few
facts list names in set order), to show a change left the facts equal. See bench/README.md,
"Building facts".
"""

from __future__ import annotations

import argparse
import ast
import gc
import hashlib
import time
from pathlib import Path

from layerguard.engine import CALLS_READ
from layerguard.facts.ast_extract import extract_facts
from layerguard.facts.parse import parse_file


def sources(roots: list[Path]) -> list[tuple[Path, str]]:
    """Every file that decodes as UTF-8 and parses with this Python's `ast`."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            try:
                text = path.read_text("utf-8")
                ast.parse(text)
            except (UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
                continue
            found.append((path, text))
    return found


def one_round(files: list[tuple[Path, str]]) -> tuple[float, float, float]:
    clock = time.process_time
    parse = extract = collect = 0.0
    for path, text in files:
        start = clock()
        tree = ast.parse(text, str(path))
        parsed = clock()
        extract_facts(text, tree, path, "m." + path.stem, path.name == "__init__.py", CALLS_READ)
        extracted = clock()
        del tree
        gc.collect(0)
        collected = clock()
        parse += parsed - start
        extract += extracted - parsed
        collect += collected - extracted
    return parse, extract, collect


def digest(roots: list[Path]) -> str:
    total = hashlib.sha256()
    count = 0
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            facts = parse_file(path, "m." + path.stem, path.name == "__init__.py", calls=CALLS_READ)
            total.update(path.as_posix().encode() + repr(facts).encode())
            count += 1
    return f"{count} files, facts digest {total.hexdigest()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--digest", action="store_true")
    args = parser.parse_args()
    if args.digest:
        print(digest(args.roots))
        return
    files = sources(args.roots)
    gc.disable()
    rounds = [one_round(files) for _ in range(args.rounds)]
    parse, extract, collect = (min(r[i] for r in rounds) for i in range(3))
    print(
        f"{len(files)} files, best of {args.rounds}: ast.parse {parse:.3f} s, extract_facts {extract:.3f} s "
        f"({extract / parse:.2f}x the parse), gc.collect(0) {collect:.3f} s"
    )


if __name__ == "__main__":
    main()

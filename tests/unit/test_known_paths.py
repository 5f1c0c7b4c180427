"""Paths in the cache's pickles come back as the objects discovery made (`known_paths`)."""

from __future__ import annotations

import pickle
from pathlib import Path, PurePosixPath

from layerguard import known_paths
from layerguard.facts.stored import pickle_facts
from layerguard.model import FileFacts, Finding, Severity


def _finding(path: Path) -> Finding:
    return Finding(path, 1, 0, 1, 4, "LG101", "layer-violation", Severity.ERROR, "message")


def test_a_registered_path_is_unpickled_as_that_very_object(tmp_path: Path) -> None:
    path = known_paths.known(tmp_path / "app" / "users.py")
    copy = Path(str(path))  # equal, another object: what the pickle is made from
    loaded = pickle.loads(known_paths.dumps((_finding(copy), [copy])))
    assert loaded[0].path is path
    assert loaded[1][0] is path


def test_an_unknown_path_comes_back_equal_and_is_registered(tmp_path: Path) -> None:
    path = tmp_path / "never" / "seen.py"
    first = pickle.loads(known_paths.dumps(path))
    assert first == path and type(first) is type(path)
    assert pickle.loads(known_paths.dumps(path)) is first


def test_facts_pickled_for_the_cache_keep_their_registered_path(tmp_path: Path) -> None:
    path = known_paths.known(tmp_path / "svc.py")
    facts = FileFacts(path=Path(str(path)), module="svc", is_package=False)
    loaded = pickle.loads(pickle_facts(facts))
    assert loaded == facts
    assert loaded.path is path


def test_pure_paths_keep_their_own_pickling() -> None:
    pure = PurePosixPath("a/b.py")
    loaded = pickle.loads(known_paths.dumps(pure))
    assert loaded == pure and type(loaded) is PurePosixPath

"""A service process moves what start-up built out of the garbage collector's sight."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from slrt.runtime import settle_heap


@pytest.fixture
def restore_gc() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("restore_gc")
def test_settle_heap_freezes_what_lives() -> None:
    survivor = {"built at start-up": list(range(10))}
    settle_heap()
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(survivor)

"""Group commit: who is grouped with whom, and that one bad item fails only its own call."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from slrt.grouping import GroupRunner


class Recorder:
    """A batch function that records its batches; `gate` holds a batch until it is set."""

    def __init__(self, *, bad: frozenset[int] = frozenset()) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.bad = bad

    async def run(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        await self.gate.wait()
        if self.bad & set(items):
            raise ValueError(f"bad item in {items}")
        return [item * 10 for item in items]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_lone_call_runs_at_once_and_alone() -> None:
    recorder = Recorder()
    runner = GroupRunner(recorder.run)
    assert await runner.submit(7) == 70
    assert recorder.batches == [[7]]


async def test_calls_that_arrive_while_a_group_runs_form_the_next_group() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    runner = GroupRunner(recorder.run, max_running=1)
    first = asyncio.create_task(runner.submit(1))
    await settle()
    later = [asyncio.create_task(runner.submit(n)) for n in (2, 3, 4)]
    await settle()
    assert recorder.batches == [[1]]  # still running: the others wait together
    recorder.gate.set()
    assert await asyncio.gather(first, *later) == [10, 20, 30, 40]
    assert recorder.batches == [[1], [2, 3, 4]]
    assert runner.groups_run == 2


async def test_a_second_drain_starts_while_the_first_is_busy() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    runner = GroupRunner(recorder.run, max_running=2)
    first = asyncio.create_task(runner.submit(1))
    await settle()
    second = asyncio.create_task(runner.submit(2))
    await settle()
    assert recorder.batches == [[1], [2]]
    recorder.gate.set()
    assert await asyncio.gather(first, second) == [10, 20]


async def test_groups_are_cut_at_max_items() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    runner = GroupRunner(recorder.run, max_items=2, max_running=1)
    calls = [asyncio.create_task(runner.submit(n)) for n in range(1, 6)]
    await settle()
    recorder.gate.set()
    assert await asyncio.gather(*calls) == [10, 20, 30, 40, 50]
    assert recorder.batches == [[1, 2], [3, 4], [5]]


async def test_a_bad_item_fails_only_its_own_call() -> None:
    recorder = Recorder(bad=frozenset({3}))
    recorder.gate.clear()
    runner = GroupRunner(recorder.run, max_running=1)
    calls = [asyncio.create_task(runner.submit(n)) for n in (1, 2, 3, 4)]
    await settle()
    recorder.gate.set()
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert results[:2] == [10, 20] and results[3] == 40
    assert isinstance(results[2], ValueError)
    # the failed group was run again item by item
    assert recorder.batches == [[1, 2, 3, 4], [1], [2], [3], [4]]


async def test_a_batch_with_the_wrong_number_of_results_fails_its_callers() -> None:
    async def short(items: list[int]) -> list[int]:
        return items[:-1]

    runner = GroupRunner(short)
    with pytest.raises(RuntimeError, match="gave 0 results"):
        await runner.submit(1)


async def test_a_caller_that_goes_away_does_not_cancel_its_group() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    runner = GroupRunner(recorder.run, max_running=1)
    leaving = asyncio.create_task(runner.submit(1))
    staying = asyncio.create_task(runner.submit(2))
    await settle()
    leaving.cancel()
    await settle()
    recorder.gate.set()
    assert await staying == 20
    await runner.wait_idle()
    assert recorder.batches == [[1, 2]]  # item 1 was still written


async def test_the_drain_runs_outside_the_context_of_the_call_that_started_it() -> None:
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id",
                                                                    default="none")
    seen: list[str] = []

    async def run(items: list[int]) -> list[int]:
        seen.append(request_id.get())
        return items

    runner = GroupRunner(run)
    request_id.set("request-a")
    await runner.submit(1)
    assert seen == ["none"]


def test_limits_must_allow_at_least_one() -> None:
    with pytest.raises(ValueError):
        GroupRunner(Recorder().run, max_items=0)

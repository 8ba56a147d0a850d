"""The rules that decide which records of a vendor batch start, and when."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shoprelay.delivery.batch import HELD_BACK, Pause, Schedule, out_of_time, pause_for
from shoprelay.delivery.deadline import NotStartedError
from shoprelay.delivery.errors import RetryableDeliveryError

SHOP, OTHER = "a.myshopify.com", "b.myshopify.com"


def test_records_of_different_orders_start_together_up_to_the_shops_bound() -> None:
    schedule = Schedule([(SHOP, f"order:{n}") for n in range(5)], {SHOP: 3})
    assert schedule.ready() == [0, 1, 2]
    assert schedule.ready() == []
    schedule.done(1)
    assert schedule.ready() == [3]


def test_records_of_one_order_run_one_after_another_in_batch_order() -> None:
    # ADD and PAY of order 1, with order 2 between them in the batch
    schedule = Schedule([(SHOP, "order:1"), (SHOP, "order:2"), (SHOP, "order:1")], {SHOP: 10})
    assert schedule.ready() == [0, 1]
    schedule.done(1)
    assert schedule.ready() == []  # PAY waits for ADD, however much room there is
    schedule.done(0)
    assert schedule.ready() == [2]


def test_a_failed_record_holds_back_the_rest_of_its_order_only() -> None:
    keys = [(SHOP, "order:1"), (SHOP, "order:2"), (SHOP, "order:1"), (SHOP, "order:1"), (SHOP, "order:2")]
    schedule = Schedule(keys, {SHOP: 10})
    assert schedule.ready() == [0, 1]
    schedule.failed(0)
    schedule.done(1)
    assert schedule.ready() == [4]
    schedule.done(4)
    assert schedule.ready() == []
    assert schedule.unstarted() == [(2, HELD_BACK), (3, HELD_BACK)]


def test_a_rate_limit_stops_the_shops_records_and_not_another_shops() -> None:
    keys = [(SHOP, "order:1"), (SHOP, "order:2"), (SHOP, "order:3"), (OTHER, "order:4"), (OTHER, "order:5")]
    schedule = Schedule(keys, {SHOP: 2, OTHER: 1})
    assert schedule.ready() == [0, 1, 3]
    pause = Pause(status=429, retry_after=30)
    schedule.failed(0, pause)
    assert schedule.ready() == []  # room for the shop, but the vendor asked it to wait
    schedule.done(1)
    schedule.done(3)
    assert schedule.ready() == [4]
    schedule.done(4)
    ((index, why),) = schedule.unstarted()
    assert index == 2
    assert why.pause == pause
    assert "HTTP 429 (Retry-After 30 s)" in why.reason


def test_a_record_without_time_stops_every_later_start() -> None:
    schedule = Schedule([(SHOP, f"order:{n}") for n in range(4)], {SHOP: 2})
    assert schedule.ready() == [0, 1]
    error = NotStartedError("the record", needed=40.0, left=12.0)
    schedule.stop(1, out_of_time(error))
    schedule.done(0)
    assert schedule.ready() == []
    unstarted = schedule.unstarted()
    assert [index for index, _ in unstarted] == [1, 2, 3]
    assert {why.reason for _, why in unstarted} == {str(error)}
    assert unstarted[0][1].needed == 40.0


def test_a_record_that_could_not_even_be_read_stops_the_batch_before_it_starts() -> None:
    schedule = Schedule([(SHOP, "order:1"), (SHOP, "order:2")], {SHOP: 2})
    schedule.stop(0, out_of_time(NotStartedError("reading the record", needed=10.5, left=3.0)))
    assert schedule.ready() == []
    assert [index for index, _ in schedule.unstarted()] == [0, 1]


def test_a_shop_without_a_known_bound_runs_one_record_at_a_time() -> None:
    schedule = Schedule([(SHOP, "order:1"), (SHOP, "order:2")], {})
    assert schedule.ready() == [0]


def test_only_a_rate_limit_or_a_named_wait_pauses_the_shop() -> None:
    assert pause_for(RetryableDeliveryError("x", status=429)) == Pause(429, None)
    assert pause_for(RetryableDeliveryError("x", status=503, retry_after=5)) == Pause(503, 5)
    assert pause_for(RetryableDeliveryError("x", status=503)) is None
    assert pause_for(RetryableDeliveryError("timed out")) is None


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[tuple[str, str]], dict[str, int], list[int]]:
    size = draw(st.integers(min_value=1, max_value=10))
    keys = [(draw(st.sampled_from([SHOP, OTHER])), f"order:{draw(st.integers(0, 4))}") for _ in range(size)]
    bounds = {SHOP: draw(st.integers(1, 10)), OTHER: draw(st.integers(1, 10))}
    failing = draw(st.lists(st.integers(0, size - 1), unique=True))
    return keys, bounds, failing


@given(batches())
def test_any_batch_keeps_its_orders_in_sequence_and_its_shops_in_bounds(
    batch: tuple[list[tuple[str, str]], dict[str, int], list[int]],
) -> None:
    keys, bounds, failing = batch
    schedule = Schedule(keys, bounds)
    running: list[int] = []
    started: list[int] = []
    while True:
        running += schedule.ready()
        started += [index for index in running if index not in started]
        for shop, bound in bounds.items():
            assert sum(1 for index in running if keys[index][0] == shop) <= bound
        lanes = [keys[index][1] for index in running if keys[index][0] == SHOP]
        assert len(lanes) == len(set(lanes))
        if not running:
            break
        index = running.pop(0)  # finish the oldest
        if index in failing:
            schedule.failed(index)
        else:
            schedule.done(index)
    unstarted = [index for index, _ in schedule.unstarted()]
    assert sorted(started + unstarted) == list(range(len(keys)))
    for lane in {lane for _, lane in keys}:
        for shop in (SHOP, OTHER):
            order = [index for index in started if keys[index] == (shop, lane)]
            assert order == sorted(order)  # a lane starts in batch order
            first_failure = next((index for index in order if index in failing), None)
            if first_failure is not None:  # nothing of the order starts after its failure
                assert order[-1] == first_failure

"""Change-only publication: urgent changes at once, the rest batched, CAS values kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from retail_canon.ats import Change, Publisher


def test_crossing_zero_or_low_stock_is_published_at_once():
    pub = Publisher(low_stock=3, published={("web", "A"): 10})
    assert pub.offer([Change("web", "A", 10, 8)]) == []
    assert pub.offer([Change("web", "A", 8, 3)]) == [Change("web", "A", 10, 3)]
    assert pub.offer([Change("web", "A", 3, 0)]) == [Change("web", "A", 3, 0)]
    assert pub.offer([Change("web", "A", 0, 1)]) == [Change("web", "A", 0, 1)]
    assert pub.flush() == []


def test_batched_changes_collapse_and_vanish_when_they_cancel():
    pub = Publisher(low_stock=2)
    pub.offer([Change("web", "A", 10, 9), Change("app", "A", 5, 6), Change("web", "A", 9, 10)])
    assert pub.flush() == [Change("app", "A", 5, 6)]
    assert pub.published == {("web", "A"): 10, ("app", "A"): 6}


def test_an_urgent_change_takes_over_a_waiting_one():
    pub = Publisher(published={("web", "A"): 10})
    pub.offer([Change("web", "A", 10, 7)])
    assert pub.offer([Change("web", "A", 7, 0), Change("web", "A", 0, 2)]) == [
        Change("web", "A", 10, 2)
    ]
    assert pub.flush() == []


@given(
    st.lists(st.tuples(st.sampled_from(["web", "app"]), st.integers(0, 12)), max_size=40),
    st.integers(0, 5),
    st.lists(st.booleans(), max_size=40),
)
def test_what_a_channel_receives_always_chains_and_ends_current(updates, low, flushes):
    # A channel applying every published change with compare-and-swap never sees a stale
    # old value, and after a flush holds exactly the engine's values.
    engine = {"web": 5, "app": 5}
    channel = dict(engine)
    pub = Publisher(low_stock=low, published={(c, "A"): v for c, v in channel.items()})

    def receive(changes):
        for c in changes:
            assert channel[c.channel] == c.old  # changeFromQuantity would match
            assert c.old != c.new
            channel[c.channel] = c.new

    for i, (name, value) in enumerate(updates):
        old, engine[name] = engine[name], value
        if old != value:
            receive(pub.offer([Change(name, "A", old, value)]))
        if i < len(flushes) and flushes[i]:
            receive(pub.flush())
        for c in ("web", "app"):
            # urgent moves are never held back
            if (channel[c] > 0) != (engine[c] > 0):
                raise AssertionError("a zero crossing is waiting in a batch")
    receive(pub.flush())
    assert channel == engine

"""`IdempotencyStore` on SQLite and PostgreSQL: one suite for both."""

from __future__ import annotations

import pytest

from retail_canon.workflow import ClaimInProgress, NotClaimed, SQLiteIdempotencyStore


def test_first_claim_wins_and_a_repeat_gets_the_stored_outcome(backend):
    store = backend.idempotency()
    first = store.claim("shopify:SO-1", owner="w1")
    assert (first.won, first.done, first.outcome, first.owner) == (True, False, None, "w1")
    again = store.claim("shopify:SO-1", owner="w2")
    assert (again.won, again.done, again.owner) == (False, False, "w1")
    store.record("shopify:SO-1", {"erp_order": "SO/0001", "lines": [1, 2]})
    repeat = store.claim("shopify:SO-1", owner="w3")
    assert (repeat.won, repeat.done) == (False, True)
    assert repeat.outcome == {"erp_order": "SO/0001", "lines": [1, 2]}


def test_run_does_the_work_once(backend):
    store = backend.idempotency()
    calls = []

    def post():
        calls.append(1)
        return "SO/0001"

    assert store.run("k", post) == "SO/0001"
    assert store.run("k", post) == "SO/0001"
    assert calls == [1]


def test_a_failed_run_releases_the_key(backend):
    store = backend.idempotency()

    def boom():
        raise RuntimeError("ERP down")

    with pytest.raises(RuntimeError):
        store.run("k", boom)
    assert store.outcome("k") is None
    assert store.run("k", lambda: 7) == 7


def test_a_pending_claim_is_in_progress_for_others(backend):
    store = backend.idempotency()
    store.claim("k")
    with pytest.raises(ClaimInProgress) as info:
        store.run("k", lambda: 1)
    assert info.value.code == "idempotency_claim_in_progress"
    assert info.value.key == "k"


def test_recording_needs_a_pending_claim(backend):
    store = backend.idempotency()
    with pytest.raises(NotClaimed):
        store.record("never-claimed", 1)
    store.claim("k")
    store.record("k", None)
    with pytest.raises(NotClaimed):
        store.record("k", 2)  # an outcome is never overwritten
    with pytest.raises(NotClaimed):
        store.release("k")
    assert store.claim("k").outcome is None
    assert store.claim("k").done


def test_outcomes_survive_reopening_and_migrations_run_once(backend):
    backend.idempotency().run("k", lambda: {"a": 1})
    other = backend.idempotency()
    assert other.claim("k").outcome == {"a": 1}
    assert backend.execute(
        "SELECT version FROM retail_canon_schema WHERE component = 'workflow_idempotency'"
    ) == [(1,)]


def test_the_empty_key_is_refused_and_the_store_stays_usable(backend):
    store = backend.idempotency()
    with pytest.raises(backend.database_error):
        store.claim("")
    assert store.run("k", lambda: 1) == 1  # the failed transaction was rolled back


def test_in_memory_default_and_context_manager():
    with SQLiteIdempotencyStore() as store:
        assert store.run("k", lambda: [1]) == [1]
        assert store.outcome("k").outcome == [1]

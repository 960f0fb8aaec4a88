"""The in-process cache: hits skip the store, stays correct after changes, is bounded."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from retail_canon.models import ExternalRef
from retail_canon.xref import ResolutionCache, SQLiteStore, XrefResolver

ME = {"actor": "tests", "reason": "cache"}


def ref(value: str) -> ExternalRef:
    return ExternalRef(system="erp", scheme="item_code", value=value, scope="acme")


def asin(value: str = "B00EXAMPLE") -> ExternalRef:
    return ExternalRef(system="amazon", scheme="asin", value=value, scope="ATVPDKIKX0DER")


class Spy:
    """A store wrapper that counts lookups."""

    def __init__(self, store):
        self._store = store
        self.lookups = 0

    def find_links(self, *args, **kwargs):
        self.lookups += 1
        return self._store.find_links(*args, **kwargs)

    def resolve_keys(self, *args, **kwargs):
        self.lookups += 1
        return self._store.resolve_keys(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_a_hit_does_not_query_the_store(store):
    spy = Spy(store)
    xref = XrefResolver(spy)
    xref.link("product", "P1", ref("IT-1"), **ME)
    first = xref.resolve(ref("IT-1"))
    assert spy.lookups == 1
    assert xref.resolve(ref("IT-1")) is first
    assert xref.resolve_many([ref("IT-1")] * 3) == [first] * 3
    assert spy.lookups == 1
    xref.resolve(ref("IT-1"), to_system="amazon")  # another question: a miss
    assert spy.lookups == 2
    at = datetime.now(UTC)
    xref.resolve(ref("IT-1"), at=at)
    xref.resolve(ref("IT-1"), at=at)  # dated lookups are not cached
    assert spy.lookups == 4
    uncached = XrefResolver(spy, cache_size=0)
    uncached.resolve(ref("IT-1"))
    uncached.resolve(ref("IT-1"))
    assert spy.lookups == 6


def test_misses_are_cached_and_forgotten_when_a_link_appears(store):
    xref = XrefResolver(store)
    assert xref.resolve(asin(), to_system="erp").canonical_id is None
    xref.link("product", "P1", asin(), **ME)
    assert xref.resolve(asin(), to_system="erp").canonical_id == "P1"
    xref.link("product", "P1", ref("IT-1"), **ME)
    assert xref.resolve(asin(), to_system="erp").target == ref("IT-1")
    xref.relink("product", "P2", asin(), **ME)
    assert xref.resolve(asin(), to_system="erp").canonical_id == "P2"
    xref.unlink("product", "P2", asin(), **ME)
    assert xref.resolve(asin(), to_system="erp").canonical_id is None


def test_writes_through_another_resolver_or_store_of_this_process_are_seen(backend, store):
    reader = XrefResolver(store)
    same_store = XrefResolver(store)
    other_store = XrefResolver(backend.open())
    assert reader.resolve(asin()).canonical_id is None
    same_store.link("product", "P1", asin(), **ME)
    assert reader.resolve(asin()).canonical_id == "P1"
    other_store.relink("product", "P2", asin(), **ME)
    assert reader.resolve(asin()).canonical_id == "P2"
    other_store.import_csv(
        __import__("io").StringIO(
            "entity,canonical_id,system,scheme,value,scope,action\n"
            "product,P3,amazon,asin,B00EXAMPLE,ATVPDKIKX0DER,relink\n"
        ),
        **ME,
        dry_run=False,
    )
    assert reader.resolve(asin()).canonical_id == "P3"


def test_sqlite_sees_writes_of_another_process(tmp_path):
    # SQLite's data_version shows other connections' commits; PostgreSQL has cache_ttl.
    path = tmp_path / "shared.db"
    with SQLiteStore(path) as store:
        reader = XrefResolver(store)
        assert reader.resolve(asin()).canonical_id is None
        _link_in_another_process(path)
        assert reader.resolve(asin()).canonical_id == "P7"


def _link_in_another_process(path):
    script = (
        "from retail_canon.models import ExternalRef\n"
        "from retail_canon.xref import SQLiteStore, XrefResolver\n"
        f"with SQLiteStore({str(path)!r}) as store:\n"
        "    XrefResolver(store).link('product', 'P7', ExternalRef(system='amazon', "
        "scheme='asin', value='B00EXAMPLE', scope='ATVPDKIKX0DER'), actor='other', reason='r')\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


class Frozen:
    """A store whose change token never moves (like another process's PostgreSQL writes)."""

    def __init__(self, inner):
        self._inner = inner

    def change_token(self):
        return 0

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_own_writes_are_seen_even_if_the_store_token_does_not_move(store):
    xref = XrefResolver(Frozen(store))
    assert xref.resolve(asin()).canonical_id is None
    xref.link("product", "P1", asin(), **ME)
    assert xref.resolve(asin()).canonical_id == "P1"


def test_ttl_drops_entries_written_elsewhere(store):
    writer = XrefResolver(store)
    stale = XrefResolver(Frozen(store))
    fresh = XrefResolver(Frozen(store), cache_ttl=0.05)
    assert stale.resolve(asin()).canonical_id is None
    assert fresh.resolve(asin()).canonical_id is None
    writer.link("product", "P1", asin(), **ME)
    assert stale.resolve(asin()).canonical_id is None  # why a ttl exists
    time.sleep(0.06)
    assert fresh.resolve(asin()).canonical_id == "P1"
    stale.clear_cache()
    assert stale.resolve(asin()).canonical_id == "P1"


def test_the_cache_is_bounded_and_keeps_recently_used_entries(store):
    xref = XrefResolver(store, cache_size=10)
    for i in range(100):
        xref.link("product", f"P{i}", ref(f"IT-{i}"), **ME)
    xref.resolve_many(ref(f"IT-{i}") for i in range(100))
    assert len(xref._cache) == 10
    spy = Spy(store)
    xref.store = spy  # the cache stays; count what still needs the store
    xref.resolve(ref("IT-90"))  # cached, and now the most recently used
    xref.resolve_many(ref(f"IT-{i}") for i in range(50, 59))  # evicts 91..99, not 90
    assert spy.lookups == 1
    xref.resolve(ref("IT-90"))
    assert spy.lookups == 1
    xref.resolve(ref("IT-91"))
    assert spy.lookups == 2


def test_cache_arguments_are_checked():
    with pytest.raises(ValueError, match="size"):
        ResolutionCache(-1, None, lambda: 0)
    with pytest.raises(ValueError, match="ttl"):
        ResolutionCache(10, 0, lambda: 0)

"""Properties: any link/unlink/relink sequence keeps one ref → one id, and the audit replays.

Each example works in its own system name, so examples share the store without sharing refs.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retail_canon.models import ExternalRef
from retail_canon.xref import XrefConflict, XrefResolver

_NAMESPACES = itertools.count()

OPS = st.lists(
    st.tuples(
        st.sampled_from(["link", "unlink", "relink"]),
        st.integers(0, 3),  # which ref
        st.integers(0, 2),  # which canonical id
    ),
    max_size=20,
)


def _clock():
    ticks = itertools.count()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return lambda: start + timedelta(seconds=next(ticks))


def _replay(entries):
    state = {}
    for entry in entries:
        assert state.get(entry.ref) == entry.before, "the audit's before is the previous after"
        state[entry.ref] = entry.after
    return {ref: owner for ref, owner in state.items() if owner is not None}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_link_sequences_keep_one_ref_one_id_and_history_replays(store, ops):
    system = f"ns{next(_NAMESPACES)}"
    clock = _clock()
    xref = XrefResolver(store, clock=clock)
    refs = [ExternalRef(system=system, scheme="sku", value=f"v{i}", scope="s") for i in range(4)]
    model: dict[int, str] = {}
    snapshots: list[tuple[datetime, dict[int, str]]] = []
    for op, r, c in ops:
        ref, cid, current = refs[r], f"C{c}", model.get(r)
        who = {"actor": "prop", "reason": op}
        if op == "link":
            if current not in (None, cid):
                with pytest.raises(XrefConflict) as caught:
                    xref.link("product", cid, ref, **who)
                assert caught.value.existing == ("product", current)
            else:
                assert xref.link("product", cid, ref, **who).canonical_id == cid
                model[r] = cid
        elif op == "unlink":
            if current is not None and current != cid:
                with pytest.raises(XrefConflict):
                    xref.unlink("product", cid, ref, **who)
            else:
                closed = xref.unlink("product", cid, ref, **who)
                assert (closed is None) == (current is None)
                model.pop(r, None)
        else:
            assert xref.relink("product", cid, ref, **who).canonical_id == cid
            model[r] = cid
        snapshots.append((clock(), dict(model)))

    # the current answer of every ref is the model's
    answers = xref.resolve_many(refs)
    assert [a.canonical_id for a in answers] == [model.get(i) for i in range(4)]
    # the database holds one open link per ref at most, and no overlapping history
    for ref in refs:
        history = xref.history(ref)
        assert all(link.valid_to is not None for link in history[:-1])
        for older, newer in itertools.pairwise(history):
            assert older.valid_to is not None
            assert older.valid_to <= newer.valid_from
    # replaying the audit gives the current links, as exported
    exported = io.StringIO()
    xref.export_csv(exported)
    exported.seek(0)
    current = {
        ExternalRef(
            system=row["system"],
            scheme=row["scheme"],
            value=row["value"],
            scope=row["scope"] or None,
        ): (row["entity"], row["canonical_id"])
        for row in csv.DictReader(exported)
        if row["system"] == system
    }
    audit = [entry for entry in xref.audit() if entry.ref.system == system]
    expected = {refs[i]: ("product", cid) for i, cid in model.items()}
    assert _replay(audit) == current == expected
    # and every past state can be asked for by date
    for when, state in snapshots:
        past = xref.resolve_many(refs, at=when)
        assert [a.canonical_id for a in past] == [state.get(i) for i in range(4)]

"""Hypothesis strategies for ATS: small networks, rules, positions, holds and event streams.

Sizes stay small (a handful of SKUs and nodes) so that collisions happen: the same
position hit by deltas, counts and holds, reservation ids reused, sequences repeated.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from retail_canon.ats import (
    Baseline,
    Bucket,
    Channel,
    Count,
    Delta,
    Demand,
    Eligibility,
    Kit,
    Node,
    Pool,
    Position,
    Release,
    Reservation,
    Reserve,
    Rules,
    SafetyStock,
    Threshold,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SKUS = ("A", "B", "C", "D")
NODES = (
    Node("DC1", "DC"),
    Node("DC2", "DC"),
    Node("S1", "STORE", {"SHIP", "PICKUP", "SHIP_FROM_STORE"}),
    Node("S2", "STORE", {"PICKUP"}),
)
NODE_IDS = (*(n.node_id for n in NODES), "GHOST")  # GHOST: not in the rules
SOURCES = ("wms", "pos", "oms")
CHANNELS = ("web", "app", "mkt_a", "mkt_b")


def minutes(lo: int, hi: int) -> st.SearchStrategy[datetime]:
    return st.integers(lo, hi).map(lambda m: T0 + timedelta(minutes=m))


@st.composite
def rules(draw: st.DrawFn) -> Rules:
    """A network of four nodes, two direct channels and a pool with two members."""
    share_a = draw(st.sampled_from(["30", "50", "33.3", "0", "100"]))
    rest = 100 - float(share_a)
    share_b = draw(st.sampled_from(["0", "20", str(int(rest))])) if rest > 0 else "0"
    pool = Pool(
        "mkt",
        [("mkt_a", share_a), ("mkt_b", share_b)],
        node_types=draw(st.sampled_from([None, {"DC"}])),
    )
    channels = [Channel("web", {"SHIP", "PICKUP"}), Channel("app", {"PICKUP", "SHIP_FROM_STORE"})]
    sources = ["web", "app", "mkt"]
    ss = draw(
        st.lists(
            st.one_of(
                st.builds(lambda q: SafetyStock(q), st.integers(0, 3)),
                st.builds(
                    lambda q, c: SafetyStock(q, channel=c),
                    st.integers(0, 3),
                    st.sampled_from(sources),
                ),
                st.builds(
                    lambda p, t: SafetyStock(percent=p, node_type=t),
                    st.sampled_from(["10", "12.5", "50", "100"]),
                    st.sampled_from(["DC", "STORE"]),
                ),
                st.builds(
                    lambda q, n: SafetyStock(q, node=n),
                    st.integers(0, 4),
                    st.sampled_from(NODE_IDS[:4]),
                ),
                st.builds(
                    lambda q, k, n: SafetyStock(q, sku=k, node=n),
                    st.integers(0, 5),
                    st.sampled_from(SKUS),
                    st.sampled_from(NODE_IDS[:4]),
                ),
            ),
            max_size=6,
        )
    )
    elig = draw(
        st.lists(
            st.one_of(
                st.builds(
                    lambda c, a, n: Eligibility(c, a, node=n),
                    st.sampled_from(sources),
                    st.booleans(),
                    st.sampled_from(NODE_IDS[:4]),
                ),
                st.builds(
                    lambda c, a, k, n: Eligibility(c, a, sku=k, node=n),
                    st.sampled_from(sources),
                    st.booleans(),
                    st.sampled_from(SKUS),
                    st.sampled_from(NODE_IDS[:4]),
                ),
            ),
            max_size=3,
        )
    )
    thresholds = draw(
        st.lists(
            st.builds(
                Threshold,
                st.sampled_from([*sources, "mkt_a", "mkt_b"]),
                st.integers(0, 3),
                st.sampled_from([None, *SKUS]),
            ),
            max_size=3,
        )
    )
    kits = [Kit("KIT", [("A", 2), ("B", 1)])] if draw(st.booleans()) else []
    return Rules(
        nodes=NODES,
        channels=channels,
        pools=[pool],
        safety_stock=ss,
        eligibility=elig,
        thresholds=thresholds,
        kits=kits,
    )


def positions(max_size: int = 12) -> st.SearchStrategy[list[Position]]:
    """Positions with unique SKU × node keys; on_hand may be negative (oversold)."""
    row = st.builds(
        Position,
        st.sampled_from(SKUS),
        st.sampled_from(NODE_IDS),
        st.integers(-10, 40),
        st.integers(0, 6),
        st.integers(0, 3),
        st.integers(0, 2),
        st.integers(0, 2),
        st.integers(0, 2),
        st.integers(0, 5),
    )
    return st.lists(row, max_size=max_size, unique_by=lambda p: (p.sku, p.node))


def reservations(max_size: int = 6) -> st.SearchStrategy[list[Reservation]]:
    hold = st.builds(
        Reservation,
        st.sampled_from([f"R{i}" for i in range(8)]),
        st.sampled_from(SKUS),
        st.sampled_from(NODE_IDS),
        st.integers(1, 5),
        st.one_of(st.none(), minutes(-30, 60)),
        st.sampled_from([None, *CHANNELS]),
    )
    return st.lists(hold, max_size=max_size, unique_by=lambda r: r.reservation_id)


def unassigned() -> st.SearchStrategy[dict[tuple[str, str], int]]:
    return st.dictionaries(
        st.tuples(st.sampled_from(CHANNELS), st.sampled_from(SKUS)), st.integers(-2, 6), max_size=3
    )


@st.composite
def baselines(draw: st.DrawFn) -> Baseline:
    return Baseline(
        positions=draw(positions(8)),
        reservations=draw(reservations(3)),
        unassigned=draw(unassigned()),
        watermarks=draw(st.dictionaries(st.sampled_from(SOURCES), st.integers(0, 5), max_size=2)),
        as_of=T0,
    )


@st.composite
def events(draw: st.DrawFn, max_size: int = 30) -> list:
    """A stream of events with unique keys; sequences per source may repeat or skip."""
    n = draw(st.integers(0, max_size))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(["delta"] * 6 + ["count", "reserve", "release", "demand"]))
        common = {
            "key": f"e{i}",
            "source": draw(st.sampled_from(SOURCES)),
            "sequence": draw(st.integers(0, 12)),
            "occurred_at": draw(minutes(-20, 40)),
        }
        sku = draw(st.sampled_from(SKUS))
        node = draw(st.sampled_from(NODE_IDS))
        if kind == "delta":
            bucket = draw(st.sampled_from([Bucket.ON_HAND] * 4 + list(Bucket)))
            out.append(
                Delta(
                    **common, sku=sku, node=node, bucket=bucket, quantity=draw(st.integers(-6, 6))
                )
            )
        elif kind == "count":
            marks = draw(
                st.one_of(st.none(), st.dictionaries(st.sampled_from(SOURCES), st.integers(0, 12)))
            )
            out.append(
                Count(
                    **common,
                    sku=sku,
                    node=node,
                    bucket=Bucket.ON_HAND,
                    quantity=draw(st.integers(0, 30)),
                    watermarks=marks,
                )
            )
        elif kind == "reserve":
            out.append(
                Reserve(
                    **common,
                    reservation_id=draw(st.sampled_from([f"R{i}" for i in range(8)])),
                    sku=sku,
                    node=node,
                    quantity=draw(st.integers(1, 5)),
                    expires_at=draw(st.one_of(st.none(), minutes(-10, 60))),
                    channel=draw(st.sampled_from([None, *CHANNELS])),
                )
            )
        elif kind == "release":
            rid = draw(st.sampled_from([f"R{i}" for i in range(8)]))
            out.append(Release(**common, reservation_id=rid))
        else:
            out.append(
                Demand(
                    **common,
                    channel=draw(st.sampled_from(CHANNELS)),
                    sku=sku,
                    quantity=draw(st.integers(-3, 5)),
                )
            )
    return out

"""`match`: the layered settlement matcher."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from retail_canon.models import SettlementRecord
from retail_canon.normalize.money import ExchangeRate
from retail_canon.settlement._context import Context
from retail_canon.settlement._errors import EngineUnavailable, SettlementInputError
from retail_canon.settlement._policy import MatchPolicy
from retail_canon.settlement._result import MatchResult
from retail_canon.settlement._tables import DocumentTable, SettlementTable
from retail_canon.settlement._types import ErpDocument, RefResolver

__all__ = ["Engine", "match"]

Engine = Literal["auto", "python", "numpy"]


def _numpy_available() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def match(
    settlements: Iterable[SettlementRecord] | SettlementTable,
    receivables: Iterable[ErpDocument] | DocumentTable,
    *,
    policy: MatchPolicy | None = None,
    resolver: RefResolver | None = None,
    rates: Mapping[str, ExchangeRate] | None = None,
    engine: Engine = "auto",
    threads: int = 2,
) -> MatchResult:
    """Match marketplace settlements to ERP receivables, in layers, conserving every cent.

    1. Payout integrity: lines add up to the deposit; the reserve carries over; the same
       settlement twice is a duplicate.
    2. Lines grouped by their strongest key: order id, or refund id for refunds (order ids
       mapped through ``resolver`` when one is given).
    3. Groups hash-joined to documents by key: 1:1, n:1 (one invoice across settlements),
       1:n (one order invoiced per shipment).
    4. Tolerance per amount type; the remainder is a reason-coded variance.
    5. FX: with ``policy.functional_currency`` and ``rates`` (settlement id → rate from
       the settlement's currency to the functional one), the exchange difference against
       each document's booking rate, reported apart from mismatches.
    6. A bounded fuzzy stage for what is left.
    7. Everything else becomes an exception or an open item with a reason code.

    Args:
        settlements: canonical settlement records, or a `SettlementTable`.
        receivables: open ERP documents, or a `DocumentTable`.
        policy: tolerances, fee schedule, windows; ``MatchPolicy()`` by default.
        resolver: maps marketplace order ids to ERP references (the xref resolver).
        rates: payout-date rates by settlement id, for FX differences.
        engine: ``python`` (pure Python), ``numpy`` (vectorised fast path, the same
            result) or ``auto`` (numpy when it is installed).
        threads: threads the numpy engine may use (default 2; more than 2 uses 2): with
            2 it runs some whole-array steps of large tables (100,000 lines or more) in
            a worker thread, with the same result as 1. The pure-Python engine uses one.

    Returns:
        The `MatchResult`; its conservation is checked before it is returned.

    Raises:
        SettlementInputError: a table column out of range, a line without amount type,
            ``threads`` below 1.
        NotMinorUnits: an amount with fractions of a minor unit.
        UnknownCurrency: a currency that is not ISO 4217.
        EngineUnavailable: ``engine="numpy"`` without numpy.
    """
    policy = policy or MatchPolicy()
    if isinstance(settlements, SettlementTable):
        table = settlements
    else:
        table = SettlementTable.from_records(
            settlements, refund_ref_schemes=policy.refund_ref_schemes
        )
    if isinstance(receivables, DocumentTable):
        docs = receivables
    else:
        docs = DocumentTable.from_documents(receivables, keys=table.keys)
    if engine not in ("auto", "python", "numpy"):
        msg = f"engine {engine!r}: use 'auto', 'python' or 'numpy'"
        raise SettlementInputError(msg)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        msg = f"threads {threads!r}: use a whole number, 1 or more"
        raise SettlementInputError(msg)
    use_numpy = engine == "numpy" or (engine == "auto" and _numpy_available())
    if engine == "numpy" and not _numpy_available():
        msg = "engine='numpy' needs numpy: pip install numpy, or use engine='python'"
        raise EngineUnavailable(msg)
    ctx = Context(table, docs, policy, rates)
    ctx.resolver = resolver
    if use_numpy:
        from retail_canon.settlement import _engine_np

        _engine_np.run(ctx, threads)
    else:
        from retail_canon.settlement import _engine_py

        _engine_py.run(ctx)
    result = MatchResult(ctx)
    result.check_conservation()
    return result

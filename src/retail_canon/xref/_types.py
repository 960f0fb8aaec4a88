"""The values the resolver returns: links, resolutions, audit entries, fallback chains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from retail_canon.models import ExternalRef

__all__ = [
    "DIRECT",
    "AuditEntry",
    "Canonical",
    "ChainStep",
    "FallbackChain",
    "Link",
    "Resolution",
    "ResolutionStatus",
]

DIRECT = "direct"
"""The `Resolution.rule` of a lookup of the ref itself (not through a fallback chain)."""


class Canonical(NamedTuple):
    """What a ref points to: a kind of object and its canonical id."""

    entity: str
    """The kind of object: ``product``, ``order``, ``customer``, ``location``, ..."""
    canonical_id: str
    """The object's id in the canonical model."""


@dataclass(frozen=True, slots=True)
class Link:
    """One effective-dated link from an external ref to a canonical id.

    A link is valid from ``valid_from`` (inclusive) to ``valid_to`` (exclusive); an open
    link (``valid_to is None``) is the ref's current meaning.
    """

    entity: str
    canonical_id: str
    ref: ExternalRef
    """The normalised ref (GTIN-14, upper-case ASIN, ...)."""
    valid_from: datetime
    valid_to: datetime | None

    @property
    def canonical(self) -> Canonical:
        """``(entity, canonical_id)``."""
        return Canonical(self.entity, self.canonical_id)

    def valid_at(self, at: datetime) -> bool:
        """Whether the link was in force at ``at``."""
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


class ResolutionStatus(StrEnum):
    """How a lookup ended: nothing, exactly one answer, or several competing answers."""

    NONE = "none"
    ONE = "one"
    CONFLICT = "conflict"


class Resolution(NamedTuple):
    """The answer to a lookup; never an exception for "not found", never a silent pick.

    An immutable named tuple (cheap to make by the million in `XrefResolver.resolve_many`).

    * ``none``: the ref is not linked (``canonical_id is None``), or it is linked but the
      canonical object has no ref in the requested system (``canonical_id`` is set,
      ``target`` is ``None``).
    * ``one``: the canonical object and, when a target system was asked for, its one ref
      there (``target``).
    * ``conflict``: several answers; ``candidates`` lists the competing links.
    """

    status: ResolutionStatus
    entity: str | None = None
    canonical_id: str | None = None
    target: ExternalRef | None = None
    """The ref of the canonical object in the requested system (status ``one``)."""
    rule: str | None = None
    """Which rule matched: `DIRECT`, or the name of the fallback chain's step."""
    matched: ExternalRef | None = None
    """The normalised ref that matched (``None`` when nothing matched)."""
    candidates: tuple[Link, ...] = ()
    """The competing links of a conflict."""
    tried: tuple[str, ...] = ()
    """Steps of a fallback chain that were tried and found nothing, in order."""

    @property
    def found(self) -> bool:
        """Whether the status is ``one``."""
        return self.status is ResolutionStatus.ONE


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One appended change: who, when, why, and the ref's link before and after."""

    id: int
    """Increasing number of the entry in its store."""
    recorded_at: datetime
    """When the change was written."""
    actor: str
    reason: str
    action: Literal["link", "unlink"]
    ref: ExternalRef
    before: Canonical | None
    after: Canonical | None
    effective_at: datetime
    """When the change takes effect: the new link's ``valid_from`` or the old one's ``valid_to``."""


@dataclass(frozen=True, slots=True)
class ChainStep:
    """One step of a fallback chain: look the line up by its ref of ``scheme``.

    Attributes:
        name: recorded as `Resolution.rule` when the step matches, e.g. ``seller_sku``.
        scheme: which of the line's refs this step uses.
        system: only refs of this system are used, and looked up as they are; ``None``
            uses the line's refs of ``scheme`` from any system and looks their value up in
            every system (the way to match a GTIN wherever it was linked).
    """

    name: str
    scheme: str
    system: str | None = None


@dataclass(frozen=True, slots=True)
class FallbackChain:
    """A declared order of keys: the first step that identifies a canonical object wins.

    A step whose refs are unknown falls through to the next; a step whose refs point to
    several canonical objects ends the chain with a conflict. A step with no ref on the
    line is skipped.

    >>> chain = FallbackChain(
    ...     "amazon_line",
    ...     (
    ...         ChainStep("seller_sku", "sku", "amazon"),
    ...         ChainStep("gtin", "gtin"),
    ...         ChainStep("asin", "asin", "amazon"),
    ...     ),
    ... )
    >>> [step.name for step in chain.steps]
    ['seller_sku', 'gtin', 'asin']
    """

    name: str
    steps: tuple[ChainStep, ...]

    def __post_init__(self) -> None:
        names = [step.name for step in self.steps]
        if not names or len(set(names)) != len(names):
            msg = f"fallback chain {self.name!r}: steps must be non-empty with unique names"
            raise ValueError(msg)

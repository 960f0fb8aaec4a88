"""What the ``xref`` transform needs from a cross-reference resolver: a small protocol.

`retail_canon.xref.XrefResolver` satisfies it, and so does any object with a ``resolve``
method of this shape (a dict-backed fake in tests, a cache in front of a remote service).
The mapping toolkit never imports `retail_canon.xref`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from retail_canon.models import ExternalRef

__all__ = ["XrefAnswer", "XrefLookup"]


class XrefAnswer(Protocol):
    """The answer of a lookup, as `retail_canon.xref.Resolution` gives it.

    ``status`` is ``"one"`` (found), ``"none"`` or ``"conflict"``; with ``"one"``,
    ``target`` is the ref in the requested system (when one was asked for) and
    ``canonical_id`` the canonical id.
    """

    @property
    def status(self) -> str:
        """``"one"``, ``"none"`` or ``"conflict"``."""

    @property
    def canonical_id(self) -> str | None:
        """The canonical id the ref is linked to."""

    @property
    def target(self) -> ExternalRef | None:
        """The ref of the same object in the requested system."""


@runtime_checkable
class XrefLookup(Protocol):
    """Anything that resolves an `ExternalRef`, like `retail_canon.xref.XrefResolver`."""

    def resolve(
        self, ref: ExternalRef, *, to_system: str | None = None, to_scheme: str | None = None
    ) -> XrefAnswer:
        """What ``ref`` is: its canonical id and, with ``to_system``, its ref there."""

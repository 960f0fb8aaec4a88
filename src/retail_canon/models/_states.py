"""State machines: the allowed status transitions of stateful canonical objects."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar

from retail_canon._exceptions import InvalidTransition
from retail_canon.models._base import CanonicalModel

__all__ = ["StateMachine", "StatefulModel"]

S = TypeVar("S", bound=StrEnum)


class StateMachine(Generic[S]):
    """The transitions of one status enum.

    Rules shared by every machine:

    * staying in the same status is always allowed (re-delivered events are harmless);
    * ``OTHER`` (a status the source reported that has no canonical meaning) can be
      entered from any non-terminal status and left to any status;
    * a status with no outgoing transitions is terminal.
    """

    def __init__(self, kind: str, transitions: Mapping[S, Iterable[S]], other: S) -> None:
        self.kind = kind
        self.other = other
        members = list(type(other))
        table = {state: frozenset(transitions.get(state, ())) for state in members}
        self.terminal = frozenset(s for s in members if s is not other and not table[s])
        for state in members:
            if state is other:
                table[state] = frozenset(members)
            elif state not in self.terminal:
                table[state] = table[state] | {other}
        self._table: dict[S, frozenset[S]] = {
            state: targets | {state} for state, targets in table.items()
        }

    def allowed(self, current: S) -> frozenset[S]:
        """Every status ``current`` may move to (itself included)."""
        return self._table[current]

    def is_terminal(self, state: S) -> bool:
        """Whether ``state`` has no way out."""
        return state in self.terminal

    def check(self, current: S, target: S) -> None:
        """Raise `InvalidTransition` unless ``current`` may move to ``target``."""
        allowed = self._table[current]
        if target not in allowed:
            raise InvalidTransition(
                self.kind,
                str(current),
                str(target),
                frozenset(str(s) for s in allowed - {current}),
            )


class StatefulModel(CanonicalModel):
    """A canonical object with a ``status`` field governed by a `StateMachine`.

    Subclasses define ``status`` and ``source_status`` fields and set ``state_machine``.
    """

    state_machine: ClassVar[StateMachine[Any]]

    def allowed_transitions(self) -> frozenset[Any]:
        """The statuses this object may move to from its current one."""
        return self.state_machine.allowed(getattr(self, "status"))  # noqa: B009

    def transition_to(self, target: Any, *, source_status: str | None = None) -> Self:
        """A copy in status ``target``, or `InvalidTransition` if the move is illegal.

        Args:
            target: the new canonical status.
            source_status: the source system's raw status value behind the change.
        """
        current = getattr(self, "status")  # noqa: B009
        target = type(current)(target)
        self.state_machine.check(current, target)
        return self.model_copy(update={"status": target, "source_status": source_status})

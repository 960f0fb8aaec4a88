"""The read side: turn groups of keys into resolutions, in a few batched queries.

A *question* is a group of keys that should all point to the same canonical object: one
key for a direct lookup, the line's refs of one scheme for a step of a fallback chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from retail_canon.models import ExternalRef
from retail_canon.xref._schemes import Key, SchemeRegistry
from retail_canon.xref._store import LinkRow, XrefStore
from retail_canon.xref._types import (
    DIRECT,
    Canonical,
    FallbackChain,
    Resolution,
    ResolutionStatus,
)
from retail_canon.xref._writes import link_of, ref_of

__all__ = ["lookup", "lookup_direct", "resolve_chain_many"]

_NOTHING = Resolution(ResolutionStatus.NONE)


def _resolution(links: list[LinkRow], targets: list[LinkRow] | None, rule: str) -> Resolution:
    """The answer to one question, from its links and (if asked for) the owner's targets."""
    if not links:
        return Resolution(ResolutionStatus.NONE)
    owner = links[0].canonical
    matched = ref_of(links[0].key)
    if any(link.canonical != owner for link in links):
        candidates = tuple(link_of(link) for link in sorted(links, key=lambda link: link.key))
        return Resolution(
            ResolutionStatus.CONFLICT, rule=rule, matched=matched, candidates=candidates
        )
    entity, canonical_id = owner
    if targets is None:
        return Resolution(ResolutionStatus.ONE, entity, canonical_id, rule=rule, matched=matched)
    own = {link.link_id for link in links}
    found = [t for t in targets if t.link_id not in own]
    if not found:
        return Resolution(ResolutionStatus.NONE, entity, canonical_id, rule=rule, matched=matched)
    if len(found) > 1:
        candidates = tuple(link_of(t) for t in sorted(found, key=lambda t: t.key))
        return Resolution(
            ResolutionStatus.CONFLICT,
            entity,
            canonical_id,
            rule=rule,
            matched=matched,
            candidates=candidates,
        )
    return Resolution(
        ResolutionStatus.ONE, entity, canonical_id, ref_of(found[0].key), rule, matched
    )


def lookup(
    store: XrefStore,
    groups: Sequence[Sequence[Key]],
    *,
    to_system: str | None,
    to_scheme: str | None,
    at: datetime | None,
    any_system: bool,
    rule: str,
) -> list[Resolution]:
    """One resolution per group of keys, read from one snapshot of ``store``."""
    flat = list(dict.fromkeys(key for group in groups for key in group))
    index = {key: i for i, key in enumerate(flat)}
    answers: list[list[LinkRow]] = []
    targets: list[list[LinkRow]] = []
    owners: dict[Canonical, int] = {}
    with store.read():
        found = store.find_links(flat, at=at, any_system=any_system)
        for group in groups:
            if len(group) == 1:
                answers.append(found[index[group[0]]])
            else:
                unique = {link.link_id: link for key in group for link in found[index[key]]}
                answers.append(list(unique.values()))
        if to_system is not None:
            for links in answers:
                if links and all(link.canonical == links[0].canonical for link in links):
                    owners.setdefault(links[0].canonical, len(owners))
            targets = store.find_refs(list(owners), at=at, system=to_system, scheme=to_scheme)
    out: list[Resolution] = []
    for links in answers:
        wanted: list[LinkRow] | None = None
        if to_system is not None:
            at_owner = owners.get(links[0].canonical) if links else None
            wanted = targets[at_owner] if at_owner is not None else []
        out.append(_resolution(links, wanted, rule))
    return out


def lookup_direct(
    store: XrefStore,
    keys: Sequence[Key],
    matched: Sequence[ExternalRef],
    *,
    to_system: str | None,
    to_scheme: str | None,
    at: datetime | None,
) -> list[Resolution]:
    """The resolution of each key by itself (`DIRECT`); ``matched[i]`` is ``keys[i]``'s ref.

    The hot path of `XrefResolver.resolve_many`: one query per batch of keys, one
    resolution object per key. A key has one link at a time at most (the store enforces
    it), so the only conflict is an object with several refs in the target system, whose
    links are then read in full to list them.
    """
    one, none = ResolutionStatus.ONE, ResolutionStatus.NONE
    out: list[Resolution] = []
    conflicts: list[int] = []
    with store.read():
        found = store.resolve_keys(keys, at=at, system=to_system, scheme=to_scheme)
        append = out.append
        for i, rows in enumerate(found):
            if not rows:
                append(_NOTHING)
                continue
            if len(rows) > 1:  # several of the object's links, some maybe in to_system
                targets = [row for row in rows if row[3] is not None]
                if len(targets) > 1:
                    append(_NOTHING)  # replaced below
                    conflicts.append(i)
                    continue
                rows = targets or rows
            _, entity, canonical_id, system, scheme, value, scope = rows[0]
            if system is None:
                status = one if to_system is None else none
                append(Resolution(status, entity, canonical_id, None, DIRECT, matched[i]))
                continue
            # the query matched system (and scheme, if given) to the asked-for names: reuse them
            target = ExternalRef(
                system=to_system or system,
                scheme=to_scheme or scheme,
                value=value,
                scope=scope or None,
            )
            append(Resolution(one, entity, canonical_id, target, DIRECT, matched[i]))
        if conflicts:
            owners = [Canonical(found[i][0][1], found[i][0][2]) for i in conflicts]
            links = store.find_refs(owners, at=at, system=to_system, scheme=to_scheme)
            for i, owner, rows_of_owner in zip(conflicts, owners, links, strict=True):
                others = sorted(
                    (row for row in rows_of_owner if row.key != keys[i]), key=lambda row: row.key
                )
                out[i] = Resolution(
                    ResolutionStatus.CONFLICT,
                    owner.entity,
                    owner.canonical_id,
                    rule=DIRECT,
                    matched=matched[i],
                    candidates=tuple(link_of(row) for row in others),
                )
    return out


def _with_tried(answer: Resolution, tried: list[str]) -> Resolution:
    return answer._replace(tried=tuple(tried)) if tried else answer


def _lower(value: str | None) -> str | None:
    return value.strip().lower() if value is not None else None


def resolve_chain_many(
    store: XrefStore,
    schemes: SchemeRegistry,
    chain: FallbackChain,
    lines: Sequence[Sequence[ExternalRef]],
    *,
    to_system: str | None,
    to_scheme: str | None,
    at: datetime | None,
) -> list[Resolution]:
    """Resolve each line through ``chain``: one batched lookup per step for all lines.

    A step answers a line when its refs are linked (to one object: ``one``, or ``none``
    with the id when the object has no ref in ``to_system``; to several: ``conflict``);
    a line whose refs of the step are unknown moves on to the next step.
    """
    out: list[Resolution | None] = [None] * len(lines)
    tried: list[list[str]] = [[] for _ in lines]
    pending = list(range(len(lines)))
    for step in chain.steps:
        step_system, step_scheme = _lower(step.system), _lower(step.scheme)
        asked: list[int] = []
        groups: list[tuple[Key, ...]] = []
        for i in pending:
            keys = tuple(
                schemes.key(ref)
                for ref in lines[i]
                if ref.scheme.strip().lower() == step_scheme
                and (step_system is None or ref.system.strip().lower() == step_system)
            )
            if keys:
                asked.append(i)
                groups.append(keys)
        if not groups:
            continue
        answers = lookup(
            store,
            groups,
            to_system=to_system,
            to_scheme=to_scheme,
            at=at,
            any_system=step_system is None,
            rule=step.name,
        )
        for i, answer in zip(asked, answers, strict=True):
            if answer.status is ResolutionStatus.NONE and answer.canonical_id is None:
                tried[i].append(step.name)
            else:
                out[i] = _with_tried(answer, tried[i])
        pending = [i for i in pending if out[i] is None]
    return [
        answer if answer is not None else Resolution(ResolutionStatus.NONE, tried=tuple(tried[i]))
        for i, answer in enumerate(out)
    ]

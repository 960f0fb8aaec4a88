"""Properties over mutated vendor payloads (the worked example's samples, broken at random).

- every problem names a real source path: reading the record there gives the bad value
  (or nothing, for a missing value);
- provenance covers every filled field, and only filled fields;
- reading the record at each provenance source gives back the recorded source value;
- a batch drops nothing.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retail_canon.mapping import read_path
from retail_canon.mapping._golden import flatten
from retail_canon.mapping._paths import format_steps, parse_path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fjordline_market"
# A mutated status is unknown: it maps to OTHER with a warning the status tables give once
# per process. As an error (filterwarnings=error) it would reject only the first such record.
pytestmark = pytest.mark.filterwarnings("ignore::retail_canon.UnknownStatusValue")

SAMPLES = [
    json.loads(path.read_text("utf-8"), parse_float=Decimal)
    for path in sorted((EXAMPLE / "samples").glob("*.json"))
]
BAD_VALUES = st.sampled_from(
    [None, "", "garbage", "1.249,50", -1, 0, 1.5, True, [], {}, ["x"], {"a": 1}, "2026-13-45"]
)
DELETE = object()


def _places(value: Any, steps: tuple = ()) -> list[tuple]:
    """Every path (as steps) inside a record, containers included."""
    out = [steps] if steps else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _places(item, (*steps, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _places(item, (*steps, i))
    return out


def _mutate(record: Any, steps: tuple, replacement: Any) -> None:
    parent = record
    for step in steps[:-1]:
        parent = parent[step]
    if replacement is DELETE:
        del parent[steps[-1]]
    else:
        parent[steps[-1]] = copy.deepcopy(replacement)


@st.composite
def payloads(draw: st.DrawFn) -> dict:
    record = copy.deepcopy(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(0, 4))):
        places = _places(record)
        if not places:
            break
        steps = draw(st.sampled_from(places))
        _mutate(record, steps, draw(st.one_of(BAD_VALUES, st.just(DELETE))))
    return record


def _absent(value: Any) -> bool:
    return value is None or value == ""


@given(payloads())
def test_every_problem_names_a_real_source_path(example_mapper, record):
    result = example_mapper.apply(record)
    assert result.ok == (not result.problems)
    for problem in result.problems:
        parse_path(problem.source_path)  # a path in the documented syntax
        found = read_path(record, problem.source_path)
        if problem.code == "missing_value":
            assert _absent(found), problem
        else:
            assert found == problem.value, problem
            assert type(found) is type(problem.value), problem


@given(payloads())
def test_provenance_covers_every_filled_field_and_only_those(example_mapper, record):
    result = example_mapper.apply(record)
    if not result.ok:
        return
    filled = flatten(result.canonical.model_dump(mode="json", exclude_unset=True))
    fields = list(result.provenance)

    def under(path: str, prefix: str) -> bool:
        return path == prefix or (path.startswith(prefix) and path[len(prefix)] in ".[")

    for leaf in filled:
        assert any(under(leaf, field) for field in fields), leaf
    for field in fields:
        assert any(under(leaf, field) for leaf in filled), field


@given(payloads())
def test_provenance_reads_back_the_source_values(example_mapper, record):
    result = example_mapper.apply(record)
    for entry in result.provenance.values():
        assert len(entry.sources) == len(entry.source_values)
        if entry.origin in ("path", "paths"):
            for source, value in zip(entry.sources, entry.source_values, strict=True):
                assert read_path(record, source) == value, entry
        elif entry.origin == "const":
            assert entry.sources == ()


@given(st.lists(payloads(), max_size=6))
def test_a_batch_drops_nothing(example_mapper, records):
    batch = example_mapper.run(records)
    assert batch.total == len(records)
    failing = [i for i, record in enumerate(records) if not example_mapper.apply(record).ok]
    assert [reject.index for reject in batch.rejects] == failing
    for reject in batch.rejects:
        assert reject.record is records[reject.index]
        assert reject.problems


def test_mutations_reach_every_kind_of_problem(example_mapper):
    # The strategy is not toothless: its bad values produce each stage of problem.
    record = copy.deepcopy(SAMPLES[0])
    _mutate(record, ("items", 0, "unitPrice"), 1.5)
    _mutate(record, ("created",), "garbage")
    _mutate(record, ("delivery", "country"), DELETE)
    _mutate(record, ("buyer",), ["x"])
    _mutate(record, ("currency",), -1)
    stages = {problem.stage for problem in example_mapper.apply(record).problems}
    assert stages == {"read", "transform", "validate"}
    assert format_steps(("items", 0, "unitPrice")) == "items[0].unitPrice"

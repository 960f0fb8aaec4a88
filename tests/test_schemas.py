"""JSON Schema goldens, the change classifier and the versioning policy."""

from __future__ import annotations

import json
import shutil
from enum import StrEnum
from pathlib import Path
from typing import ClassVar

import jsonschema
import pytest
from pydantic import Field

from retail_canon.models import (
    KINDS,
    CanonicalModel,
    Money,
    check_schema_history,
    compare_schemas,
    export_schemas,
    json_schema,
)

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = ROOT / "schemas"


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_committed_golden_matches_the_model(kind, mode):
    model = KINDS[kind]
    golden = GOLDENS / kind / model.SCHEMA_VERSION / f"{mode}.json"
    assert golden.exists(), f"missing golden {golden}: run `retail-canon schema export schemas`"
    current = json_schema(model, mode)
    committed = json.loads(golden.read_text("utf-8"))
    changes = [str(c) for c in compare_schemas(committed, current)]
    assert committed == current, (
        f"{kind} schema changed without regenerating the golden; run "
        f"`retail-canon schema export schemas`. Changes: {changes}"
    )


def test_committed_history_follows_the_policy():
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    assert check_schema_history(GOLDENS, changelog) == []


def test_schema_has_dialect_id_and_pii_marks():
    schema = json_schema(KINDS["sales-order"])
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:retail-canon:schema:sales-order:1.0:validation"
    assert schema["$defs"]["Address"]["properties"]["email"]["x-pii"] is True
    assert ">>>" not in json.dumps(schema)


def test_serialization_schema_writes_amounts_as_strings():
    schema = json_schema(KINDS["sales-order"], "serialization")
    assert schema["$defs"]["Money"]["properties"]["amount"]["type"] == "string"


def test_schemas_validate_real_documents():
    from retail_canon._demo import SAMPLE_ORDER, order_from_sample

    order = order_from_sample(SAMPLE_ORDER)
    document = json.loads(order.model_dump_json())
    jsonschema.validate(document, json_schema(KINDS["sales-order"], "serialization"))
    jsonschema.validate(document, json_schema(KINDS["sales-order"], "validation"))
    document["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json_schema(KINDS["sales-order"], "validation"))


# --- the classifier, on small models that change in one way each -------------------------


class Colour(StrEnum):
    RED = "RED"
    OTHER = "OTHER"


class ColourMore(StrEnum):
    RED = "RED"
    BLUE = "BLUE"
    OTHER = "OTHER"


class V1(CanonicalModel):
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    name: str
    note: str | None = None
    price: Money
    colour: Colour = Colour.RED
    tags: tuple[str, ...] = ()


def _schema(model: type[CanonicalModel]) -> dict:
    return model.model_json_schema()


def _changes(new: type[CanonicalModel]) -> list:
    return compare_schemas(_schema(V1), _schema(new))


def test_identical_schemas_have_no_changes():
    assert compare_schemas(_schema(V1), _schema(V1)) == []


def test_adding_an_optional_field_is_compatible():
    class V2(V1):
        extra_note: str | None = None

    changes = _changes(V2)
    assert [(c.path, c.breaking) for c in changes] == [("extra_note", False)]


def test_adding_a_required_field_is_breaking():
    class V2(V1):
        must: int

    assert [(c.path, c.change, c.breaking) for c in _changes(V2)] == [
        ("must", "required field added", True)
    ]


def test_removing_or_renaming_a_field_is_breaking():
    class Renamed(CanonicalModel):
        title: str
        note: str | None = None
        price: Money
        colour: Colour = Colour.RED
        tags: tuple[str, ...] = ()

    found = {(c.path, c.breaking) for c in _changes(Renamed)}
    assert ("name", True) in found
    assert ("title", True) in found


def test_narrowing_a_type_is_breaking_and_widening_is_not():
    class Narrow(V1):
        note: str  # type: ignore[assignment]

    class Wide(V1):
        name: str | int  # type: ignore[assignment]

    narrow = _changes(Narrow)
    assert any(c.path == "note" and c.breaking and "narrowed" in c.change for c in narrow)
    wide = _changes(Wide)
    assert [(c.path, c.breaking) for c in wide] == [("name", False)]


def test_adding_an_enum_value_is_breaking():
    class V2(V1):
        colour: ColourMore = ColourMore.RED  # type: ignore[assignment]

    changes = _changes(V2)
    assert [(c.path, c.change, c.breaking) for c in changes] == [
        ("colour", "enum value 'BLUE' added", True)
    ]


def test_tighter_constraint_in_a_nested_model_is_breaking():
    class TightMoney(CanonicalModel):
        amount: str = Field(max_length=5)
        currency: str

    class V2(V1):
        price: TightMoney  # type: ignore[assignment]

    changes = _changes(V2)
    assert any(c.path.startswith("price.") and c.breaking for c in changes)


# --- the versioning policy over a directory of published versions ------------------------


def _publish(directory: Path, kind: str, version: str, model: type[CanonicalModel]) -> None:
    target = directory / kind / version
    target.mkdir(parents=True)
    for mode in ("validation", "serialization"):
        schema = model.model_json_schema(mode=mode)
        (target / f"{mode}.json").write_text(json.dumps(schema), "utf-8")


def test_history_refuses_a_breaking_change_in_a_minor_version(tmp_path):
    class V11(V1):
        must: int

    _publish(tmp_path, "thing", "1.0", V1)
    _publish(tmp_path, "thing", "1.1", V11)
    problems = check_schema_history(tmp_path)
    assert len(problems) == 1
    assert "thing 1.0 → 1.1" in problems[0]
    assert "major" in problems[0]


def test_history_accepts_a_major_bump_with_a_flagged_changelog(tmp_path):
    class V2(V1):
        must: int

    _publish(tmp_path, "thing", "1.0", V1)
    _publish(tmp_path, "thing", "2.0", V2)
    assert check_schema_history(tmp_path, "- ⚠️ thing 2.0: `must` is required") == []
    missing = check_schema_history(tmp_path, "- thing 2.0: `must` is required")
    assert len(missing) == 1
    assert "⚠️" in missing[0]


def test_history_accepts_compatible_minor_versions(tmp_path):
    class V11(V1):
        extra_note: str | None = None

    _publish(tmp_path, "thing", "1.0", V1)
    _publish(tmp_path, "thing", "1.1", V11)
    assert check_schema_history(tmp_path, "") == []


def test_export_writes_every_kind_and_mode(tmp_path):
    written = export_schemas(tmp_path)
    assert len(written) == 2 * len(KINDS)
    for kind in KINDS:
        assert (tmp_path / kind / "1.0" / "validation.json").exists()


def test_export_check_detects_drift(tmp_path, capsys):
    from retail_canon.cli import main

    shutil.copytree(GOLDENS, tmp_path / "schemas")
    assert main(["schema", "export", str(tmp_path / "schemas"), "--check"]) == 0
    path = tmp_path / "schemas" / "sales-order" / "1.0" / "validation.json"
    edited = json.loads(path.read_text("utf-8"))
    del edited["properties"]["channel"]
    edited["required"].remove("channel")
    path.write_text(json.dumps(edited, indent=2) + "\n", "utf-8")
    assert main(["schema", "export", str(tmp_path / "schemas"), "--check"]) == 1
    out = capsys.readouterr().out
    assert "out of date" in out
    assert "BREAKING: channel: required field added" in out


def test_schema_check_cli_flags_breaking_change_without_bump(tmp_path, capsys):
    from retail_canon.cli import main

    class V11(V1):
        must: int

    _publish(tmp_path / "old", "thing", "1.0", V1)
    _publish(tmp_path / "new", "thing", "1.1", V11)
    assert main(["schema", "check", str(tmp_path / "old"), str(tmp_path / "new")]) == 1
    assert "BREAKING: must: required field added" in capsys.readouterr().out
    shutil.rmtree(tmp_path / "new")
    _publish(tmp_path / "new", "thing", "2.0", V11)
    assert main(["schema", "check", str(tmp_path / "old"), str(tmp_path / "new")]) == 0

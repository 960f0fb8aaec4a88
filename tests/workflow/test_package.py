"""The public surface of `retail_canon.workflow` and its import budget."""

from __future__ import annotations

import json
import subprocess
import sys

import retail_canon.workflow as workflow
from retail_canon import RetailCanonError

HEAVY = ["psycopg", "pint", "babel", "httpx", "dateutil", "cloudevents"]


def test_all_is_sorted_and_complete():
    assert workflow.__all__ == sorted(workflow.__all__)
    public = {
        name
        for name, value in vars(workflow).items()
        if name[0].isalpha() and not isinstance(value, type(sys)) and name != "annotations"
    }
    assert set(workflow.__all__) == public


def test_import_loads_no_heavy_dependency():
    code = "import sys, json, retail_canon.workflow\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    loaded = set(json.loads(out.stdout))
    assert [name for name in HEAVY if name in loaded] == []


def test_errors_are_retail_canon_errors_with_stable_codes():
    errors = [workflow.ClaimInProgress, workflow.InvalidEnvelope, workflow.NotClaimed]
    errors.append(workflow.UnknownExceptionRecord)
    codes = {cls.code for cls in errors}
    assert len(codes) == len(errors)
    assert all(issubclass(cls, workflow.WorkflowError) for cls in errors)
    assert issubclass(workflow.WorkflowError, RetailCanonError)
    assert workflow.WorkflowError.code == "workflow_error"

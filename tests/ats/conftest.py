"""Every ATS test runs twice: on the compiled ``apply`` and on the pure-Python one.

The compiled path (``_speedups.c``) is optional: where it was not built, its half is
skipped, except with ``RETAIL_CANON_REQUIRE_EXTENSIONS=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os

import pytest

from retail_canon.ats import _core


@pytest.fixture(autouse=True, params=["compiled", "python"])
def apply_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which ``apply`` the engines of the test use."""
    if request.param == "python":
        monkeypatch.setattr(_core, "_FAST", None)
    elif _core._FAST is None:
        if os.environ.get("RETAIL_CANON_REQUIRE_EXTENSIONS"):
            pytest.fail("the compiled ATS path was not built (RETAIL_CANON_REQUIRE_EXTENSIONS=1)")
        pytest.skip("the compiled ATS path was not built on this machine")
    return str(request.param)

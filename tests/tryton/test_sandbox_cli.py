"""The sandbox command line: start, status, stop (one extra server start, from the cache)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from retail_canon.connectors.tryton import _sandbox
from tryton.conftest import TrytonServer, start_sandbox


def test_start_status_stop(
    tryton_server: TrytonServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # tryton_server first: the runtime and the template exist (or the test skips).
    directory = tmp_path / "session"
    assert _sandbox.main(["status", "--dir", str(directory)]) == 1
    assert _sandbox.main(["start", "--dir", str(directory)]) == 0
    try:
        state = json.loads((directory / "state.json").read_text())
        answer = httpx.post(
            f"{state['url']}/rpc/",
            json={"id": 1, "method": "common.server.version", "params": []},
        )
        assert answer.json()["result"] == "8.2"
        assert _sandbox.main(["start", "--dir", str(directory)]) == 0  # already running
        assert _sandbox.main(["status", "--dir", str(directory)]) == 0
        out = capsys.readouterr().out
        assert "already running" in out
        assert "answering" in out
    finally:
        assert _sandbox.main(["stop", "--dir", str(directory)]) == 0
    assert not _sandbox._is_trytond(int(state["pid"]))
    assert not (directory / "state.json").exists()
    assert _sandbox.main(["stop", "--dir", str(directory)]) == 0  # idempotent


def test_template_is_cached_and_keyed(tryton_server: TrytonServer) -> None:
    assert tryton_server.runtime is not None
    first = _sandbox.template(tryton_server.runtime, password=tryton_server.password)
    again = _sandbox.template(tryton_server.runtime, password=tryton_server.password)
    assert first == again
    assert first.stat().st_size > 1_000_000
    assert (tryton_server.directory / "db" / f"{tryton_server.database}.sqlite").exists()


def test_missing_runtime_is_an_error_not_a_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETAIL_CANON_TRYTON_CACHE", str(tmp_path))
    monkeypatch.setattr(_sandbox, "_has_tryton", lambda python: False)
    with pytest.raises(_sandbox.SandboxError, match="not installed"):
        _sandbox.runtime(build=False)
    assert not any(tmp_path.glob("venv-*"))


@pytest.mark.parametrize(("required", "outcome"), [("1", "fail"), ("0", "skip")])
def test_missing_tryton_fails_in_ci_and_skips_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, required: str, outcome: str
) -> None:
    def unavailable(**kwargs: object) -> _sandbox.Runtime:
        assert kwargs["build"] is (required == "1")  # CI builds the isolated environment
        raise _sandbox.SandboxError("no trytond here")

    monkeypatch.setenv("RETAIL_CANON_REQUIRE_TRYTON", required)
    monkeypatch.setattr(_sandbox, "runtime", unavailable)
    expected = pytest.fail.Exception if outcome == "fail" else pytest.skip.Exception
    with pytest.raises(expected, match="no trytond here"):
        start_sandbox(tmp_path)

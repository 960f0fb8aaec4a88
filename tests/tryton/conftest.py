"""A real Tryton 8.2 server for the contract tests, started once per test session.

Nothing is installed at test time: ``trytond`` and its modules come from the ``tryton``
extra. The fixture initialises a throwaway SQLite database (``trytond-admin``, ~35 s),
seeds it (``seed_db.py``: company, chart of accounts, fiscal year, payment term), starts
``trytond -d`` on a free loopback port and stops it by PID (recipe: erp.md §1, pitfalls
§3). Without trytond the tests skip, or fail when ``RETAIL_CANON_REQUIRE_TRYTON=1`` (CI).
The server's own warnings go to its log: ``PYTHONWARNINGS=ignore`` in the subprocesses.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).parent
DB = "rc_sandbox"
LOGIN = "admin"
PASSWORD = "rc-test-secret-tryton-admin"


@dataclass
class TrytonServer:
    """A running Tryton server; `stop` and `start` restart it on the same port and data."""

    url: str
    database: str
    login: str
    password: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        """Start ``trytond -d`` (it preloads the pool, §3.2) and wait until it answers."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [_script("trytond"), "-d", self.database],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                tail = self.log.read_text()[-4000:]
                pytest.fail(f"trytond exited ({self.process.returncode}):\n{tail}")
            try:
                answer = httpx.post(
                    f"{self.url}/rpc/",
                    json={"id": 0, "method": "common.server.version", "params": []},
                    timeout=2,
                )
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"trytond not ready after 60 s:\n{self.log.read_text()[-4000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server by its PID."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def _script(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found next to {sys.executable} or on PATH")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: list[str], env: dict[str, str], log: Path, timeout: float) -> None:
    with log.open("ab") as out:
        done = subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    if done.returncode:
        pytest.fail(f"{args[0]} failed ({done.returncode}):\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def tryton_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrytonServer]:
    """Start a seeded Tryton server on 127.0.0.1; stop it at the end of the session."""
    if importlib.util.find_spec("trytond") is None or importlib.util.find_spec("proteus") is None:
        message = "trytond is not installed (pip install -e '.[tryton]')"
        if os.environ.get("RETAIL_CANON_REQUIRE_TRYTON") == "1":
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("tryton")
    (root / "db").mkdir()
    port = _free_port()
    config = root / "trytond.conf"
    config.write_text(
        f"[database]\nuri = sqlite://\npath = {root / 'db'}\n[web]\nlisten = 127.0.0.1:{port}\n"
    )
    passfile = root / "passfile"
    passfile.write_text(PASSWORD + "\n")
    env = {
        **os.environ,
        "TRYTOND_CONFIG": str(config),
        "TRYTONPASSFILE": str(passfile),
        "PYTHONWARNINGS": "ignore",
    }
    log = root / "trytond.log"
    (root / "db" / f"{DB}.sqlite").touch()  # the sqlite backend needs the file (§3.3)
    admin = [_script("trytond-admin"), "-d", DB, "-u", "sale", "--activate-dependencies"]
    _run([*admin, "--email", "admin@example.com"], env, log, timeout=300)
    _run([sys.executable, str(HERE / "seed_db.py"), DB], env, log, timeout=120)
    server = TrytonServer(f"http://127.0.0.1:{port}", DB, LOGIN, PASSWORD, env, log)
    try:
        server.start()
        yield server
    finally:
        server.stop()

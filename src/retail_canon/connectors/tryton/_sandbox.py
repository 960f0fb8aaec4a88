"""A local Tryton 8.2 server on SQLite: for contract tests, benchmarks and trials.

``retail-canon sandbox tryton start|stop|status`` (or
``python -m retail_canon.connectors.tryton._sandbox start|stop|status``):

1. the runtime: the current interpreter when it has ``trytond`` 8.2 and ``proteus`` (the
   ``tryton`` extra), else a virtual environment of its own built once with the pinned
   versions (`PINS`) under the cache directory;
2. the template: a database initialised (``trytond-admin -u sale``) and seeded once
   (``_seed.py``: company, chart of accounts, fiscal year, payment term, product
   category), cached under a key made of the installed Tryton versions, the seed script,
   the admin password and the year (the fiscal year spans last year to next year);
3. a session: a copy of the template in its own directory, ``trytond -d`` on a free
   loopback port, stopped by its PID.

Only the standard library is imported here: ``trytond`` runs in a subprocess. The cache is
``$RETAIL_CANON_TRYTON_CACHE``, else ``$XDG_CACHE_HOME/retail_canon/tryton``, else
``~/.cache/retail_canon/tryton``. Recipe and pitfalls: ``erp.md`` §1 and §3.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_DATABASE",
    "DEFAULT_LOGIN",
    "DEFAULT_PASSWORD",
    "PINS",
    "Runtime",
    "TEST_PASSWORD",
    "SandboxError",
    "TrytonSandbox",
    "cache_dir",
    "main",
    "run",
    "runtime",
    "template",
]

PINS: tuple[str, ...] = (
    "trytond==8.2.1",
    "trytond-account==8.2.1",
    "trytond-account-invoice==8.2.0",
    "trytond-account-invoice-stock==8.2.0",
    "trytond-account-product==8.2.0",
    "trytond-company==8.2.0",
    "trytond-country==8.2.0",
    "trytond-currency==8.2.0",
    "trytond-party==8.2.0",
    "trytond-product==8.2.0",
    "trytond-sale==8.2.0",
    "trytond-stock==8.2.1",
    "proteus==8.2.0",
    "python-sql==1.8.1",
    "Werkzeug==3.1.9",
    "lxml==6.1.3",
    "relatorio==1.0.0",
    "Genshi==0.7.12",
    "python-dateutil==4.0.0",
    "pwdlib==0.3.1",
    "argon2-cffi==25.1.0",
)
"""The versions of the isolated environment (the set verified in ``erp.md`` §4)."""

DEFAULT_DATABASE = "sandbox"
DEFAULT_LOGIN = "admin"
DEFAULT_PASSWORD = "admin"
"""The admin password of a sandbox started from the command line (a local throwaway)."""
TEST_PASSWORD = "rc-test-secret-tryton-admin"
"""The admin password of the contract tests and the ``erp`` benchmark: one shared template
(its key includes the password), and a value the tests' secret scanner recognises."""
MODULES = "sale"
"""The module activated with its dependencies (stock, account_invoice, ...)."""

SEED = Path(__file__).with_name("_seed.py")
_VERSION_PROBE = (
    "import importlib.metadata as m, json, sys\n"
    "names = sorted({(d.metadata['Name'] or '').lower().replace('_', '-'): d.version\n"
    "    for d in m.distributions()\n"
    "    if (d.metadata['Name'] or '').lower().startswith(('trytond', 'proteus'))}.items())\n"
    "print(json.dumps({'python': sys.version.split()[0], 'packages': names}))\n"
)


class SandboxError(RuntimeError):
    """The sandbox cannot be built, started or stopped; the message says why (log tail)."""


def cache_dir() -> Path:
    """Where runtimes, templates and the CLI's session live."""
    explicit = os.environ.get("RETAIL_CANON_TRYTON_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "retail_canon" / "tryton"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (one builder at a time; POSIX ``flock``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock, builds are atomic renames
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _run(args: Sequence[str], env: dict[str, str], log: Path, timeout: float) -> None:
    with log.open("ab") as out:
        done = subprocess.run(
            list(args), env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False
        )
    if done.returncode:
        tail = log.read_text(errors="replace")[-4000:]
        msg = f"{Path(args[0]).name} {' '.join(args[1:3])} failed ({done.returncode}):\n{tail}"
        raise SandboxError(msg)


class Runtime:
    """A Python with ``trytond`` 8.2 and ``proteus``: the interpreter and its scripts."""

    def __init__(self, python: Path, *, isolated: bool) -> None:
        self.python = python
        self.isolated = isolated
        self._versions: dict[str, Any] | None = None

    def script(self, name: str) -> str:
        """The path of a console script (``trytond``, ``trytond-admin``) of this runtime."""
        beside = self.python.parent / name
        if beside.exists():
            return str(beside)
        found = shutil.which(name)
        if found is None:
            msg = f"{name} not found next to {self.python} or on PATH"
            raise SandboxError(msg)
        return found

    def versions(self) -> dict[str, Any]:
        """The Python version and the installed Tryton distributions."""
        if self._versions is None:
            done = subprocess.run(
                [str(self.python), "-c", _VERSION_PROBE],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            if done.returncode:
                msg = f"{self.python}: cannot list its packages:\n{done.stderr[-2000:]}"
                raise SandboxError(msg)
            self._versions = json.loads(done.stdout)
        return self._versions

    def __repr__(self) -> str:
        return f"Runtime({str(self.python)!r}, isolated={self.isolated})"


def _has_tryton(python: Path) -> bool:
    probe = (
        "import importlib.metadata as m, importlib.util as u, sys\n"
        "ok = u.find_spec('trytond') and u.find_spec('proteus')\n"
        "sys.exit(0 if ok and m.version('trytond').startswith('8.2.') else 1)\n"
    )
    done = subprocess.run([str(python), "-c", probe], capture_output=True, timeout=60, check=False)
    return done.returncode == 0


def runtime(*, isolated: bool = False, build: bool = True) -> Runtime:
    """The runtime to use: this interpreter if it has Tryton 8.2 (unless ``isolated``).

    Otherwise the isolated environment under `cache_dir`, built with `PINS` when missing
    and ``build`` is true (``python -m venv`` + ``pip install``, ~30 s; needs the package
    index).

    Raises:
        SandboxError: no runtime, and ``build`` is false or the build failed.
    """
    here = Path(sys.executable)
    if not isolated and _has_tryton(here):
        return Runtime(here, isolated=False)
    venv = cache_dir() / f"venv-{_digest(sys.version.split()[0], *PINS)}"
    python = venv / "bin" / "python"
    with _locked(cache_dir() / "venv.lock"):
        if (venv / "ready").exists() and python.exists():
            return Runtime(python, isolated=True)
        if not build:
            msg = (
                "Tryton 8.2 is not installed here (pip install 'retail-canon[tryton]') and no "
                f"sandbox environment was built at {venv}"
            )
            raise SandboxError(msg)
        shutil.rmtree(venv, ignore_errors=True)
        log = cache_dir() / "venv-build.log"
        env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        _run([sys.executable, "-m", "venv", str(venv)], env, log, timeout=300)
        _run([str(python), "-m", "pip", "install", "-q", *PINS], env, log, timeout=900)
        (venv / "ready").write_text(json.dumps(PINS))
    return Runtime(python, isolated=True)


def _config(directory: Path, port: int) -> Path:
    config = directory / "trytond.conf"
    config.write_text(
        f"[database]\nuri = sqlite://\npath = {directory / 'db'}\n"
        f"[web]\nlisten = 127.0.0.1:{port}\n"
    )
    return config


def _env(rt: Runtime, config: Path, passfile: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "TRYTOND_CONFIG": str(config), "PYTHONWARNINGS": "ignore"}
    if rt.isolated:
        env.pop("PYTHONPATH", None)
    if passfile is not None:
        env["TRYTONPASSFILE"] = str(passfile)
    return env


def template(rt: Runtime, *, password: str = DEFAULT_PASSWORD) -> Path:
    """The seeded template database (an ``.sqlite`` file), built once per key.

    The key: the runtime's Python and Tryton versions, the seed script, the admin
    password and the current year. A build takes about a minute (``trytond-admin`` ~40 s,
    seeding ~5 s); later calls return the cached file.

    Raises:
        SandboxError: ``trytond-admin`` or the seed failed (the message has the log's tail).
    """
    key = _digest(
        json.dumps(rt.versions(), sort_keys=True),
        SEED.read_text(),
        password,
        MODULES,
        str(datetime.now(UTC).year),
    )
    target = cache_dir() / "templates" / f"{key}.sqlite"
    with _locked(cache_dir() / "template.lock"):
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix="build-") as scratch:
            work = Path(scratch)
            (work / "db").mkdir()
            passfile = work / "passfile"
            passfile.write_text(password + "\n")
            env = _env(rt, _config(work, _free_port()), passfile)
            log = work / "build.log"
            (work / "db" / f"{DEFAULT_DATABASE}.sqlite").touch()  # must exist (§3.3)
            admin = [rt.script("trytond-admin"), "-d", DEFAULT_DATABASE, "-u", MODULES]
            _run(
                [*admin, "--activate-dependencies", "--email", "admin@example.com"],
                env,
                log,
                timeout=900,
            )
            _run([str(rt.python), str(SEED), DEFAULT_DATABASE], env, log, timeout=300)
            built = work / "db" / f"{DEFAULT_DATABASE}.sqlite"
            os.replace(built, target)
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    body = json.dumps({"id": 0, "method": "common.server.version", "params": []}).encode()
    request = urllib.request.Request(
        f"{url}/rpc/", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:
            return bool(answer.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _is_trytond(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    return not cmdline.exists() or b"trytond" in cmdline.read_bytes()


class TrytonSandbox:
    """One sandbox session: a copy of the template in ``directory`` and its server.

    Args:
        directory: the session's files (``db/``, ``trytond.conf``, ``trytond.log``,
            ``state.json``).
        database: the database name (the JSON-RPC path is ``/<database>/rpc/``).
        password: the admin password (the template is keyed on it).
        isolated: use the isolated environment even if this interpreter has Tryton.
        build: build a missing isolated environment (else `SandboxError`).
        port: the loopback port (default: a free one, kept across restarts).

    `start` and `stop` may be repeated: the data stays (a restart keeps the sales).
    """

    login = DEFAULT_LOGIN

    def __init__(
        self,
        directory: Path,
        *,
        database: str = DEFAULT_DATABASE,
        password: str = DEFAULT_PASSWORD,
        isolated: bool = False,
        build: bool = True,
        port: int | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.database = database
        self.password = password
        self._isolated = isolated
        self._build = build
        self.port = port or _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.runtime: Runtime | None = None

    @property
    def url(self) -> str:
        """The server's base URL (``http://127.0.0.1:<port>``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.directory / "trytond.log"

    @property
    def pid(self) -> int:
        """The running server's process id.

        Raises:
            SandboxError: not running.
        """
        if self.process is None:
            msg = "the sandbox server is not running"
            raise SandboxError(msg)
        return self.process.pid

    def prepare(self) -> None:
        """Find or build the runtime and the template; copy it here unless already there."""
        self.runtime = runtime(isolated=self._isolated, build=self._build)
        seeded = template(self.runtime, password=self.password)
        db = self.directory / "db"
        db.mkdir(parents=True, exist_ok=True)
        target = db / f"{self.database}.sqlite"
        if not target.exists():
            for stale in (f"{target}-wal", f"{target}-shm", f"{target}-journal"):
                Path(stale).unlink(missing_ok=True)
            shutil.copyfile(seeded, target)

    def start(self, *, timeout: float = 60, detach: bool = False) -> None:
        """Start ``trytond -d`` (it preloads the pool, §3.2) and wait until it answers.

        Args:
            timeout: seconds to wait for the first answer.
            detach: a new session, so that the server outlives this process (the CLI).

        Raises:
            SandboxError: the server exited or did not answer in time (log tail included).
        """
        if self.runtime is None:
            self.prepare()
        assert self.runtime is not None
        env = _env(self.runtime, _config(self.directory, self.port))
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [self.runtime.script("trytond"), "-d", self.database],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=detach,
            )
        deadline = time.monotonic() + timeout
        while not _answers(self.url):
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                msg = f"trytond exited ({code}):\n{self.log.read_text(errors='replace')[-4000:]}"
                raise SandboxError(msg)
            if time.monotonic() > deadline:
                self.stop()
                tail = self.log.read_text(errors="replace")[-4000:]
                msg = f"trytond did not answer within {timeout:g} s:\n{tail}"
                raise SandboxError(msg)
            time.sleep(0.2)
        self._save_state()

    def stop(self) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL after 15 s)."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        (self.directory / "state.json").unlink(missing_ok=True)

    def _save_state(self) -> None:
        state = {
            "pid": self.pid,
            "url": self.url,
            "database": self.database,
            "login": self.login,
            "port": self.port,
            "directory": str(self.directory),
        }
        (self.directory / "state.json").write_text(json.dumps(state, indent=2) + "\n")

    def detach(self) -> None:
        """Forget the server without stopping it (the CLI: `stop` finds it by its PID)."""
        self._save_state()
        if self.process is not None:
            self.process.returncode = 0  # not ours to wait for: no ResourceWarning
            self.process = None

    def __enter__(self) -> TrytonSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"TrytonSandbox(url={self.url!r}, database={self.database!r})"


# -- command line ------------------------------------------------------------------------


def _state(directory: Path) -> dict[str, Any] | None:
    path = directory / "state.json"
    if not path.exists():
        return None
    state: dict[str, Any] = json.loads(path.read_text())
    return state


def _cmd_start(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    state = _state(directory)
    if state and _is_trytond(int(state["pid"])):
        print(f"already running: {state['url']} (pid {state['pid']})")
        return 0
    if args.reset:
        shutil.rmtree(directory / "db", ignore_errors=True)
    sandbox = TrytonSandbox(directory, isolated=args.isolated, port=args.port)
    print("preparing (first run: builds the database, about a minute) ...", flush=True)
    try:
        sandbox.prepare()
        sandbox.start(detach=True)
    except SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"running: {sandbox.url}  database={sandbox.database}  login={sandbox.login}  "
        f"password={sandbox.password}  pid={sandbox.pid}\n"
        f"stop with: retail-canon sandbox tryton stop"
    )
    sandbox.detach()
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    state = _state(directory)
    if state is None:
        print("not running")
        return 0
    pid = int(state["pid"])
    if _is_trytond(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while _is_trytond(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _is_trytond(pid):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):  # started by this process: reap it
        os.waitpid(pid, os.WNOHANG)
    (directory / "state.json").unlink(missing_ok=True)
    print(f"stopped (pid {pid})")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    state = _state(Path(args.dir))
    if state is None or not _is_trytond(int(state["pid"])):
        print("not running")
        return 1
    answering = "answering" if _answers(str(state["url"])) else "NOT answering"
    print(f"running: {state['url']}  database={state['database']}  pid={state['pid']}  {answering}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run a parsed ``start|stop|status`` command; the exit status.

    ``args``: ``action``, ``dir`` (`None`: the cache's ``session/``), ``port``,
    ``isolated`` and ``reset``, as ``retail-canon sandbox tryton`` defines them.
    """
    if args.dir is None:
        args.dir = str(cache_dir() / "session")
    commands = {"start": _cmd_start, "stop": _cmd_stop, "status": _cmd_status}
    return commands[args.action](args)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m retail_canon.connectors.tryton._sandbox start|stop|status``.

    The same as ``retail-canon sandbox tryton ...``, whose parser defines the arguments.
    """
    from retail_canon.cli import main as cli_main

    return cli_main(["sandbox", "tryton", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())

"""Every gate of the project is a nox session: ``nox -t check`` runs what CI runs."""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.needs_version = ">=2024.10.9"

# Sessions run on the interpreter that runs nox (Python >= 3.11).


@nox.session(tags=["check"])
def tests(session: nox.Session) -> None:
    """Run the whole test suite (and the doctests in src/).

    The xref tests start a throwaway PostgreSQL; with RETAIL_CANON_REQUIRE_POSTGRES=1 (CI)
    a missing server fails them instead of skipping them.
    """
    session.install("-e", ".[dev,postgres,tryton]")
    # The seeded Tryton database the Tryton tests and the `erp` benchmark share: built once
    # per Tryton version (about a minute on a new machine), then cached.
    session.run(
        "python",
        "-c",
        "from retail_canon.connectors.tryton import _sandbox as s; "
        "s.template(s.runtime(), password=s.TEST_PASSWORD)",
    )
    passed = (
        "RETAIL_CANON_REQUIRE_POSTGRES",
        "RETAIL_CANON_REQUIRE_TRYTON",
        "RETAIL_CANON_REQUIRE_EXTENSIONS",
    )
    # pytest exits 5 when it collected nothing: nox treats that as a failure, on purpose.
    session.run(
        "python",
        "-m",
        "pytest",
        "--doctest-modules",
        "src/retail_canon",
        "tests",
        *session.posargs,
        env={name: os.environ[name] for name in passed if name in os.environ},
    )


@nox.session(tags=["check"])
def typing(session: nox.Session) -> None:
    """mypy --strict on src/ (with psycopg, which PostgresStore is typed against)."""
    session.install("-e", ".[dev,postgres]")
    session.run("mypy", "--strict")


@nox.session(tags=["check"])
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(tags=["check"])
def docs(session: nox.Session) -> None:
    """Build the documentation site with --strict."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session
def demo(session: nox.Session) -> None:
    """Install the package and run ``retail-canon demo``."""
    session.install("-e", ".")
    session.run("retail-canon", "demo")


@nox.session
def bench(session: nox.Session) -> None:
    """Run benchmarks: ``nox -s bench -- import --tier M``."""
    session.install("-e", ".[bench]")
    args = session.posargs or ["all", "--tier", "S"]
    session.run("python", "benchmarks/run.py", *args)


@nox.session
def schemas(session: nox.Session) -> None:
    """Regenerate the golden JSON Schemas under schemas/."""
    session.install("-e", ".")
    session.run("retail-canon", "schema", "export", "schemas")

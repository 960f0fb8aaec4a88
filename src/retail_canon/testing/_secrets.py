"""`SecretScanner`: find secret values in log records, exceptions and text.

Give it the secret values a test uses (and patterns for values generated during the test,
such as the access tokens fakes issue); capture every log record with `capture`; then
`leaks` lists where a secret appeared. Findings show only a secret's first characters, so
a report never leaks what it found.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pydantic import SecretStr

from retail_canon.testing._fake import TOKEN_PREFIX

__all__ = ["TEST_SECRET_PREFIX", "Leak", "SecretScanner"]

TEST_SECRET_PREFIX = "rc-test-secret-"
"""Prefix of the secret values retail_canon's tests and fakes use."""

_DEFAULT_PATTERNS = (
    re.escape(TEST_SECRET_PREFIX) + r"[\w.|-]+",
    re.escape(TOKEN_PREFIX) + r"[\w-]+",
)
_STANDARD = frozenset(vars(logging.LogRecord("n", 0, "p", 0, "m", None, None)))


@dataclass(frozen=True, slots=True)
class Leak:
    """A secret found somewhere it must not be.

    Attributes:
        where: what was scanned, e.g. ``"log retail_canon.connectors.demo"``.
        hint: the secret's first characters followed by an ellipsis.
    """

    where: str
    hint: str

    def __str__(self) -> str:
        return f"secret {self.hint} in {self.where}"


def _hint(secret: str) -> str:
    return f"{secret[:6]}…"


class SecretScanner:
    """Looks for secret values and secret-shaped strings.

    Args:
        secrets: exact values to look for.
        patterns: regular expressions of generated secrets; by default retail_canon's
            test-secret and fake-token prefixes.
        keep_records: keep the captured log records on `records` (for assertions).

    >>> scanner = SecretScanner(["hunter2-long"])
    >>> scanner.find("password is hunter2-long")
    ['hunter…']
    >>> scanner.find("token rc-fake-token-3-abc")
    ['rc-fak…']
    """

    def __init__(
        self,
        secrets: Iterable[str | SecretStr] = (),
        patterns: Iterable[str] = _DEFAULT_PATTERNS,
        *,
        keep_records: bool = False,
    ) -> None:
        self.keep_records = keep_records
        self._values: set[str] = set()
        self._patterns = [re.compile(p) for p in patterns]
        self._lock = threading.Lock()
        self.records: list[logging.LogRecord] = []
        self.leaks: list[Leak] = []
        self.scanned = 0
        self.add(*secrets)

    def add(self, *secrets: str | SecretStr) -> None:
        """Also look for these values."""
        plain = [s.get_secret_value() if isinstance(s, SecretStr) else s for s in secrets]
        with self._lock:
            self._values.update(v for v in plain if v)

    def find(self, text: str) -> list[str]:
        """Hints of the secrets in ``text``."""
        found = {_hint(v) for v in self._values if v in text}
        found |= {_hint(m.group(0)) for p in self._patterns for m in p.finditer(text)}
        return sorted(found)

    def scan_text(self, text: str, where: str) -> list[Leak]:
        """Scan ``text``; record and return what it leaks."""
        leaks = [Leak(where, hint) for hint in self.find(text)]
        with self._lock:
            self.scanned += 1
            self.leaks.extend(leaks)
        return leaks

    def scan_record(self, record: logging.LogRecord) -> list[Leak]:
        """Scan a log record: its message, every extra field, and its exception."""
        parts = [record.getMessage()]
        parts += [repr(v) for k, v in vars(record).items() if k not in _STANDARD]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(describe_exception(record.exc_info[1]))
        if record.exc_text:
            parts.append(record.exc_text)
        return self.scan_text("\n".join(parts), f"log {record.name}")

    def scan_exception(self, exc: BaseException, where: str = "exception") -> list[Leak]:
        """Scan an exception: ``str``, ``repr``, and its causes."""
        return self.scan_text(describe_exception(exc), f"{where} {type(exc).__name__}")

    @contextmanager
    def capture(
        self,
        logger: str = "",
        level: int = logging.DEBUG,
        raise_level: Iterable[str] = ("retail_canon",),
    ) -> Iterator[SecretScanner]:
        """Scan every record logged under ``logger`` (root by default) while inside.

        ``raise_level`` loggers are set to ``level`` meanwhile, so their debug records are
        created and scanned too.
        """
        handler = _ScanHandler(self)
        target = logging.getLogger(logger)
        raised = [(logging.getLogger(name), logging.getLogger(name).level) for name in raise_level]
        for lg, _ in raised:
            lg.setLevel(level)
        target.addHandler(handler)
        try:
            yield self
        finally:
            target.removeHandler(handler)
            for lg, old in raised:
                lg.setLevel(old)


def describe_exception(exc: BaseException) -> str:
    """Everything an error tracker would show of ``exc``: messages and reprs of the chain."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [type(current).__name__, str(current), repr(current)]
        parts += [repr(a) for a in current.args]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


class _ScanHandler(logging.Handler):
    def __init__(self, scanner: SecretScanner) -> None:
        super().__init__(logging.NOTSET)
        self.scanner = scanner

    def emit(self, record: logging.LogRecord) -> None:
        if self.scanner.keep_records:
            self.scanner.records.append(record)
        self.scanner.scan_record(record)

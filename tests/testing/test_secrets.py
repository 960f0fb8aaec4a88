"""SecretScanner: finds values and secret-shaped strings in records, exceptions and text."""

from __future__ import annotations

import logging

from pydantic import SecretStr

from retail_canon.testing import SecretScanner


def record(message, *args, **extra):
    rec = logging.LogRecord("retail_canon.x", logging.INFO, __file__, 1, message, args, None)
    rec.__dict__.update(extra)
    return rec


def test_values_and_patterns_are_found_and_reported_as_hints():
    scanner = SecretScanner([SecretStr("hunter2-long"), "", "other-value"])
    assert scanner.find("nothing here") == []
    assert scanner.find("a hunter2-long b rc-test-secret-x c rc-fake-token-9-ab") == [
        "hunter…",
        "rc-fak…",
        "rc-tes…",
    ]


def test_records_are_scanned_with_their_fields():
    scanner = SecretScanner(["val-secret-1"])
    assert scanner.scan_record(record("fine %s", "arg")) == []
    leaks = scanner.scan_record(record("fine", url="https://x?k=val-secret-1"))
    assert [str(leak) for leak in leaks] == ["secret val-se… in log retail_canon.x"]
    assert scanner.scan_record(record("%s", "val-secret-1"))
    assert scanner.scanned == 3
    assert len(scanner.leaks) == 2


def test_exceptions_are_scanned_with_their_causes():
    scanner = SecretScanner(["val-secret-2"])
    try:
        try:
            raise KeyError("val-secret-2")
        except KeyError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as exc:
        leaks = scanner.scan_exception(exc)
    assert [leak.where for leak in leaks] == ["exception RuntimeError"]


def test_capture_collects_records_of_every_logger_at_debug():
    scanner = SecretScanner(keep_records=True)
    logger = logging.getLogger("retail_canon.connectors.capture-test")
    before = logging.getLogger("retail_canon").level
    with scanner.capture():
        logger.debug("debug is captured")
        logging.getLogger("elsewhere").warning("so is this")
    logger.warning("not after")
    assert [r.getMessage() for r in scanner.records] == ["debug is captured", "so is this"]
    assert logging.getLogger("retail_canon").level == before
    assert scanner.leaks == []

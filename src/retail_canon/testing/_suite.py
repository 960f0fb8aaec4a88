"""`connector_suite`: the conformance tests every connector subclasses.

```python
from retail_canon.testing import connector_suite

class TestAcme(connector_suite(
    AcmeConnector,
    fake=AcmeFake,
    config={"api_key": "rc-test-secret-acme"},
    samples={"orders": make_orders, "inventory": make_positions},
    sandbox_env={"api_key": "ACME_SANDBOX_KEY"},
    sandbox_config={"base_url": "https://sandbox.acme.example"},
)):
    pass
```

The class runs each test against the fake (every run) and, if ``sandbox_env`` is given,
against the vendor's sandbox: those runs carry the ``sandbox`` marker, run only under
``pytest -m sandbox``, and skip unless every environment variable is set. Tests that need
to look inside the vendor (seeding, faults, reading back writes) run against the fake only.

What it checks, per declared capability: declaration and the typed error for a missing
one; keyword-only, validated configuration with secrets hidden; reads return canonical
objects with unique identities, identical sync and async, resumable from a checkpoint,
unchanged under throttling, 5xx, timeouts, resets and truncated bodies, and through an
access-token expiry; writes land once, even when a timeout hides the first answer; a
vendor that keeps failing ends in a `RetriableConnectorError`; and no secret reaches a log
record or an exception.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from retail_canon.connectors import (
    Capability,
    ConfigurationError,
    RetriableConnectorError,
    UnsupportedCapability,
)
from retail_canon.connectors._config import secret_values
from retail_canon.testing._clock import FakeClock
from retail_canon.testing._fake import FakeVendor
from retail_canon.testing._faults import FaultKind, FaultRule
from retail_canon.testing._secrets import SecretScanner

__all__ = ["SuiteTarget", "connector_suite"]

SampleFactory = Callable[[int], Sequence[Any]]


@dataclass
class SuiteTarget:
    """What one suite test runs against: a connector and, in fake runs, its fake."""

    kind: str
    connector: Any
    make: Callable[[], Any]
    fake: FakeVendor | None = None
    clock: FakeClock | None = None
    extra: list[Any] = field(default_factory=list)

    def require_fake(self) -> FakeVendor:
        """The fake; skips the test in sandbox runs."""
        if self.fake is None:
            pytest.skip("needs the fake: it looks inside the vendor")
        return self.fake

    def fresh(self) -> Any:
        """Another connector on the same fake or sandbox (closed with the target)."""
        connector = self.make()
        self.extra.append(connector)
        return connector


def _identities(cap: Capability, objects: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [cap.identity(o) for o in objects]


async def _collect(records: Any, limit: int | None) -> list[Any]:
    out = []
    async with records:
        async for item in records:
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
    return out


def _read(connector: Any, cap: Capability, limit: int | None = None) -> list[Any]:
    records = getattr(connector, cap.method)()
    with records:
        return list(itertools.islice(records, limit))


def connector_suite(
    connector_class: type[Any],
    *,
    fake: Callable[..., FakeVendor],
    config: Mapping[str, Any] | Callable[[FakeVendor], Mapping[str, Any]],
    samples: Mapping[str, SampleFactory] | None = None,
    sandbox_env: Mapping[str, str] | None = None,
    sandbox_config: Mapping[str, Any] | None = None,
    sandbox_writes: bool = False,
    sample_size: int = 7,
    sandbox_skip: Mapping[str, str] | None = None,
) -> type:
    """Build the conformance test class for ``connector_class``; subclass it in a test module.

    Args:
        connector_class: an `HttpConnector` subclass declaring its capabilities.
        fake: builds the fake; called as ``fake(clock=FakeClock())``.
        config: the connector's settings for the fake, or a function of the fake
            returning them.
        samples: per capability noun (``"orders"``, ``"inventory"``, ...), a function
            ``n -> n canonical objects``: seeded into the fake for sources, written for
            sinks. Every declared capability needs one. A key naming a capability
            (``"InventorySink"``) overrides the noun's for that capability alone, for
            connectors whose source and sink of one noun differ (Amazon reads FBA
            inventory but writes merchant-fulfilled quantities); the fake is then seeded
            and read back with that key too (``fake.put("InventorySink", ...)``,
            ``fake.get("InventorySink")``).
        sandbox_env: ``setting → environment variable`` for the sandbox run (no sandbox
            run without it).
        sandbox_config: fixed settings of the sandbox run (its ``base_url``, ...).
        sandbox_writes: also run the write tests against the sandbox.
        sample_size: how many objects each test seeds or writes.
        sandbox_skip: capability name → why its tests cannot run against the sandbox
            (a static sandbox that answers only fixed requests); those sandbox runs are
            skipped with that reason, the fake runs are not.

    Raises:
        TypeError: the connector declares no capability, or a sample factory is missing.
    """
    caps = connector_class.capabilities()
    if not caps:
        msg = f"{connector_class.__name__} declares no capability"
        raise TypeError(msg)
    given = dict(samples or {})
    factories: dict[str, SampleFactory] = {}
    kinds: dict[str, str] = {}
    for c in caps:
        kind = c.name if c.name in given else c.noun
        if kind in given:
            factories[c.name], kinds[c.name] = given[kind], kind
    missing = sorted({c.noun for c in caps if c.name not in factories})
    if missing:
        msg = (
            f"connector_suite({connector_class.__name__}): samples needed for {', '.join(missing)}"
        )
        raise TypeError(msg)
    unknown = sorted(set(sandbox_skip or {}) - {c.name for c in caps})
    if unknown:
        msg = (
            f"connector_suite({connector_class.__name__}): sandbox_skip names capabilities "
            f"it does not declare: {', '.join(unknown)}"
        )
        raise TypeError(msg)
    skips = dict(sandbox_skip or {})
    sources = [c for c in caps if c.direction == "source"]
    sinks = [c for c in caps if c.direction == "sink"]
    targets: list[Any] = ["fake"]
    if sandbox_env:
        targets.append(pytest.param("sandbox", marks=pytest.mark.sandbox))
    n = sample_size

    def make_fake_target() -> SuiteTarget:
        clock = FakeClock()
        vendor = fake(clock=clock)
        settings = dict(config(vendor) if callable(config) else config)

        def make() -> Any:
            return connector_class(transport=vendor, clock=clock, rng=random.Random(7), **settings)

        return SuiteTarget("fake", make(), make, vendor, clock)

    def make_sandbox_target() -> SuiteTarget:
        env = dict(sandbox_env or {})
        absent = sorted(var for var in env.values() if not os.environ.get(var))
        if absent:
            pytest.skip(f"sandbox credentials not set: {', '.join(absent)}")
        settings = {**dict(sandbox_config or {}), **{k: os.environ[v] for k, v in env.items()}}

        def make() -> Any:
            return connector_class(**settings)

        return SuiteTarget("sandbox", make(), make)

    class ConnectorSuite:
        """Conformance tests (see `retail_canon.testing.connector_suite`)."""

        connector_cls = connector_class

        @pytest.fixture(params=targets)
        def target(self, request: pytest.FixtureRequest) -> Iterator[SuiteTarget]:
            if request.param == "sandbox":
                cap = request.node.callspec.params.get("cap")
                if cap is not None and cap.name in skips:
                    pytest.skip(f"{cap.name} against the sandbox: {skips[cap.name]}")
            built = make_sandbox_target() if request.param == "sandbox" else make_fake_target()
            yield built
            for connector in [built.connector, *built.extra]:
                connector.close()

        @pytest.fixture
        def scanner(self, target: SuiteTarget) -> Iterator[SecretScanner]:
            scanner = SecretScanner(secret_values(target.connector.config), keep_records=True)
            with scanner.capture():
                yield scanner
            final = SecretScanner(
                [*secret_values(target.connector.config), *target.connector.redactor.secrets]
            )
            for record in scanner.records:
                final.scan_record(record)
            assert not final.leaks, [str(leak) for leak in final.leaks]

        def test_declares_capabilities(self, target: SuiteTarget) -> None:
            connector = target.connector
            assert connector.capabilities() == caps
            for cap in caps:
                assert isinstance(connector, cap.protocol)
                assert connector.capability(cap.protocol) is connector
                assert callable(getattr(connector, cap.method))
                assert callable(getattr(connector, cap.async_method))

        def test_missing_capability_is_a_typed_error(self, target: SuiteTarget) -> None:
            from retail_canon.connectors import CAPABILITIES

            absent = [c for c in CAPABILITIES if c not in caps]
            if not absent:
                pytest.skip("the connector declares every capability")
            with pytest.raises(UnsupportedCapability) as info:
                target.connector.capability(absent[0].protocol)
            assert set(info.value.supported) == {c.name for c in caps}
            assert absent[0].name in str(info.value)

        def test_configuration_is_keyword_only_and_validated(self, target: SuiteTarget) -> None:
            config = target.connector.config
            with pytest.raises(TypeError):
                connector_class(config)
            with pytest.raises(ConfigurationError) as info:
                connector_class(**config.model_dump(), no_such_setting=1)
            assert "no_such_setting" in str(info.value)
            secrets = [s.get_secret_value() for s in secret_values(config)]
            texts = [str(info.value), repr(info.value), repr(target.connector), repr(config)]
            for secret in secrets:
                assert all(secret not in text for text in texts)

        if sources:

            @pytest.mark.parametrize("cap", sources, ids=lambda c: c.name)
            def test_read_returns_canonical_objects(
                self, target: SuiteTarget, cap: Capability, scanner: SecretScanner
            ) -> None:
                model = cap.model_class()
                if target.fake is not None:
                    seeded = factories[cap.name](n)
                    target.fake.put(kinds[cap.name], seeded)
                    read = _read(target.connector, cap)
                    assert sorted(_identities(cap, read)) == sorted(_identities(cap, seeded))
                else:
                    read = _read(target.connector, cap, limit=n)
                assert all(isinstance(item, model) for item in read)
                identities = _identities(cap, read)
                assert len(set(identities)) == len(identities)

            @pytest.mark.parametrize("cap", sources, ids=lambda c: c.name)
            def test_sync_and_async_reads_agree(self, target: SuiteTarget, cap: Capability) -> None:
                vendor = target.require_fake()
                vendor.put(kinds[cap.name], factories[cap.name](n))
                sync = _read(target.connector, cap)
                other = target.fresh()
                asynchronous = asyncio.run(_collect(getattr(other, cap.async_method)(), None))
                assert asynchronous == sync

            @pytest.mark.parametrize("cap", sources, ids=lambda c: c.name)
            def test_read_resumes_from_checkpoint(
                self, target: SuiteTarget, cap: Capability
            ) -> None:
                vendor = target.require_fake()
                vendor.put(kinds[cap.name], factories[cap.name](n))
                everything = _read(target.connector, cap)
                half = len(everything) // 2
                records = getattr(target.connector, cap.method)()
                with records:
                    first = list(itertools.islice(records, half))
                    checkpoint = records.checkpoint
                if checkpoint is None:
                    pytest.skip(f"{cap.name} reads have no checkpoints")
                rest = list(getattr(target.connector, cap.method)(checkpoint=checkpoint))
                assert _identities(cap, first + rest) == _identities(cap, everything)

            @pytest.mark.parametrize("cap", sources, ids=lambda c: c.name)
            def test_read_survives_faults(
                self, target: SuiteTarget, cap: Capability, scanner: SecretScanner
            ) -> None:
                vendor = target.require_fake()
                vendor.put(kinds[cap.name], factories[cap.name](n))
                clean = _identities(cap, _read(target.connector, cap))
                vendor.faults.add(
                    FaultRule(FaultKind.RATE_LIMIT, every=5, retry_after=1.0),
                    FaultRule(FaultKind.SERVER_ERROR, every=7),
                    FaultRule(FaultKind.TIMEOUT, every=11),
                    FaultRule(FaultKind.CONNECTION_RESET, every=13),
                    FaultRule(FaultKind.TRUNCATED_BODY, every=17),
                )
                again = [_identities(cap, _read(target.fresh(), cap)) for _ in range(3)]
                assert all(run == clean for run in again)

            @pytest.mark.parametrize("cap", sources, ids=lambda c: c.name)
            def test_read_survives_access_token_expiry(
                self, target: SuiteTarget, cap: Capability
            ) -> None:
                vendor = target.require_fake()
                if not target.connector.auth_provider.refreshable:
                    pytest.skip("the connector's credentials do not expire")
                vendor.put(kinds[cap.name], factories[cap.name](n))
                clean = _identities(cap, _read(target.connector, cap))
                vendor.faults.add(FaultRule(FaultKind.AUTH_TOKEN_EXPIRY, every=2, limit=3))
                assert _identities(cap, _read(target.connector, cap)) == clean

        if sinks:

            @pytest.mark.parametrize("cap", sinks, ids=lambda c: c.name)
            def test_write_lands_canonical_objects(
                self, target: SuiteTarget, cap: Capability, scanner: SecretScanner
            ) -> None:
                if target.fake is None and not sandbox_writes:
                    pytest.skip("writes to the sandbox are off (sandbox_writes=False)")
                items = list(factories[cap.name](n))
                report = getattr(target.connector, cap.method)(items)
                assert report.ok, [str(e) for e in report.skipped]
                assert len(report.written) == len(items)
                if target.fake is not None:
                    stored = _identities(cap, target.fake.get(kinds[cap.name]))
                    assert sorted(stored) == sorted(_identities(cap, items))

            @pytest.mark.parametrize("cap", sinks, ids=lambda c: c.name)
            def test_async_write_lands_canonical_objects(
                self, target: SuiteTarget, cap: Capability
            ) -> None:
                vendor = target.require_fake()
                items = list(factories[cap.name](n))
                report = asyncio.run(getattr(target.connector, cap.async_method)(items))
                assert report.ok
                assert sorted(_identities(cap, vendor.get(kinds[cap.name]))) == sorted(
                    _identities(cap, items)
                )

            @pytest.mark.parametrize("cap", sinks, ids=lambda c: c.name)
            def test_write_hidden_by_a_timeout_lands_once(
                self, target: SuiteTarget, cap: Capability
            ) -> None:
                vendor = target.require_fake()
                items = list(factories[cap.name](2))
                getattr(target.connector, cap.method)(items[:1])
                vendor.faults.add(FaultRule(FaultKind.TIMEOUT, every=1, limit=1))
                try:
                    getattr(target.connector, cap.method)(items[1:])
                except RetriableConnectorError as exc:
                    # Without idempotency keys the write must not be repeated blindly.
                    failure: RetriableConnectorError | None = exc
                else:
                    failure = None
                assert failure is None or failure.maybe_applied
                stored = _identities(cap, vendor.get(kinds[cap.name]))
                assert stored.count(cap.identity(items[1])) == 1
                assert len(stored) == len(set(stored))

        def test_a_failing_vendor_ends_in_a_retriable_error(
            self, target: SuiteTarget, scanner: SecretScanner
        ) -> None:
            vendor = target.require_fake()
            cap = caps[0]
            vendor.faults.add(FaultRule(FaultKind.SERVER_ERROR, every=1))
            if cap.direction == "source":

                def attempt() -> Any:
                    return _read(target.connector, cap)
            else:

                def attempt() -> Any:
                    return getattr(target.connector, cap.method)(factories[cap.name](1))

            with pytest.raises(RetriableConnectorError) as info:
                attempt()
            assert info.value.status == 503
            assert not scanner.scan_exception(info.value, "raised")

    ConnectorSuite.__name__ = ConnectorSuite.__qualname__ = f"{connector_class.__name__}Suite"
    return ConnectorSuite

"""The testing kit: vendor fakes, fault injection, a conformance suite, a pytest plugin.

- `FakeVendor`: base of stateful vendor fakes served as httpx transports (sync and
  async), with `FaultRule`/`FaultPlan` fault injection by schedule or probability, a
  server-side rate limit, expiring access and page tokens, and ``put``/``get`` to seed
  canonical objects and read back what a connector wrote.
- `FakeClock`: simulated time shared by a connector and a fake; sleeping is instant.
- `connector_suite`: builds the conformance test class a connector's tests subclass; it
  runs against the fake, and against the vendor's sandbox under ``pytest -m sandbox``.
- `SecretScanner`: finds secrets in log records and exceptions.
- `DemoVendorFake` and `DemoConnector`: a generic vendor and its connector, used by the
  framework's own tests and benchmarks, and a reference implementation.

The pytest plugin (module ``retail_canon.testing._plugin``, entry point ``pytest11``)
registers the ``sandbox`` marker and the ``rc_*`` fixtures. Everything here loads on first
use, so the plugin costs pytest's startup nothing; this package needs httpx, and
`connector_suite` needs pytest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retail_canon.testing._clock import FakeClock
    from retail_canon.testing._demo import DemoVendorFake
    from retail_canon.testing._demo_connector import DemoConfig, DemoConnector
    from retail_canon.testing._fake import Exchange, FakeRequest, FakeVendor, route
    from retail_canon.testing._faults import FaultEvent, FaultKind, FaultPlan, FaultRule
    from retail_canon.testing._secrets import Leak, SecretScanner
    from retail_canon.testing._suite import SuiteTarget, connector_suite

__all__ = [
    "connector_suite",
    "DemoConfig",
    "DemoConnector",
    "DemoVendorFake",
    "Exchange",
    "FakeClock",
    "FakeRequest",
    "FakeVendor",
    "FaultEvent",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "Leak",
    "route",
    "SecretScanner",
    "SuiteTarget",
]

_LAZY = {
    "connector_suite": "retail_canon.testing._suite",
    "DemoConfig": "retail_canon.testing._demo_connector",
    "DemoConnector": "retail_canon.testing._demo_connector",
    "DemoVendorFake": "retail_canon.testing._demo",
    "Exchange": "retail_canon.testing._fake",
    "FakeClock": "retail_canon.testing._clock",
    "FakeRequest": "retail_canon.testing._fake",
    "FakeVendor": "retail_canon.testing._fake",
    "FaultEvent": "retail_canon.testing._faults",
    "FaultKind": "retail_canon.testing._faults",
    "FaultPlan": "retail_canon.testing._faults",
    "FaultRule": "retail_canon.testing._faults",
    "Leak": "retail_canon.testing._secrets",
    "route": "retail_canon.testing._fake",
    "SecretScanner": "retail_canon.testing._secrets",
    "SuiteTarget": "retail_canon.testing._suite",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'retail_canon.testing' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

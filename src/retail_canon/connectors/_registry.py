"""Connector discovery through the entry-point group ``retail_canon.connectors``.

A package ships a connector by declaring it in its ``pyproject.toml``:

```toml
[project.entry-points."retail_canon.connectors"]
acme = "acme_connector:AcmeConnector"
```

`available` lists the installed connectors without importing them (``refresh=True`` after
an install); `load` imports one
class; `get` builds one from keyword settings. ``importlib.metadata`` (~60 ms) is imported
on the first call, not with the package.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from retail_canon.connectors._errors import ConnectorError, UnknownConnector

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from retail_canon.connectors._base import Connector

__all__ = ["ENTRY_POINT_GROUP", "ConnectorInfo", "available", "get", "load"]

ENTRY_POINT_GROUP = "retail_canon.connectors"

_lock = threading.Lock()
_cache: dict[str, EntryPoint] | None = None


@dataclass(frozen=True, slots=True)
class ConnectorInfo:
    """An installed connector, as declared (nothing imported).

    Attributes:
        name: the entry point's name, what `get` takes.
        target: ``"module:Class"``.
        distribution: the package that declares it, e.g. ``"retail-canon"``.
        version: that package's version.
    """

    name: str
    target: str
    distribution: str | None
    version: str | None


def _entry_points() -> dict[str, EntryPoint]:
    global _cache
    with _lock:
        if _cache is None:
            from importlib.metadata import entry_points

            found: dict[str, EntryPoint] = {}
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                # The first distribution on sys.path wins, as for imports.
                found.setdefault(ep.name, ep)
            _cache = found
        return _cache


def available(*, refresh: bool = False) -> dict[str, ConnectorInfo]:
    """The installed connectors by name, sorted, without importing any of them.

    Discovery runs once per process; ``refresh=True`` looks again (after an install).
    """
    global _cache
    if refresh:
        with _lock:
            _cache = None
    infos = {}
    for name, ep in sorted(_entry_points().items()):
        dist = ep.dist
        infos[name] = ConnectorInfo(
            name=name,
            target=ep.value,
            distribution=dist.metadata["Name"] if dist is not None else None,
            version=dist.version if dist is not None else None,
        )
    return infos


def load(name: str) -> type[Connector[Any]]:
    """The connector class registered as ``name``.

    Raises:
        UnknownConnector: no such connector (the error lists the installed ones).
        ConnectorError: the entry point does not lead to a `Connector` subclass.
    """
    from retail_canon.connectors._base import Connector

    eps = _entry_points()
    ep = eps.get(name)
    if ep is None:
        raise UnknownConnector(name, eps)
    cls = ep.load()
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        msg = f"entry point {name!r} ({ep.value}) is not a Connector subclass"
        raise ConnectorError(msg)
    return cls


def get(name: str, /, **settings: Any) -> Connector[Any]:
    """Build the connector registered as ``name`` from keyword settings.

    Settings are the connector's configuration fields plus what its constructor takes
    (``transport``, ``clock``, ...), e.g.
    ``get("amazon", refresh_token=..., client_id=..., client_secret=...)``.

    Raises:
        UnknownConnector: no such connector.
        ConfigurationError: the settings are invalid.
    """
    return load(name)(**settings)

"""Connector configuration: keyword-only, validated, secrets as `SecretStr`.

Each connector has a configuration model, a subclass of `ConnectorConfig` that adds the
vendor's fields (credentials as `pydantic.SecretStr`, region, marketplace, ...). Invalid
configuration raises `ConfigurationError` naming each bad field and the rule it broke,
never the value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from retail_canon.connectors._errors import ConfigurationError

__all__ = ["ConnectorConfig", "RateLimit", "build_config", "secret_values"]


class RateLimit(BaseModel):
    """A token bucket: ``rate`` requests (or cost points) per second, up to ``burst`` at once.

    >>> RateLimit(rate=0.0167, burst=20)
    RateLimit(rate=0.0167, burst=20.0)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate: float = Field(gt=0, allow_inf_nan=False)
    burst: float = Field(ge=1, allow_inf_nan=False)


class ConnectorConfig(BaseModel):
    """Settings every HTTP connector has; vendors subclass it to add their own.

    Attributes:
        base_url: the vendor's API root (production or sandbox host).
        timeout: seconds to connect, and to wait for each read or write.
        max_attempts: attempts per request, the first one included.
        max_elapsed: seconds after the first attempt after which no retry starts.
        backoff_base: cap of the first retry's jittered backoff; doubles per retry.
        backoff_max: the largest backoff between two attempts.
        rate_limits: ``operation → RateLimit``, overriding the connector's documented
            defaults; key ``"*"`` applies to operations without their own entry.
        user_agent: the ``User-Agent`` header; the connector's default when unset.
        telemetry: OpenTelemetry spans: `None` (the default) emits them when the
            ``opentelemetry`` package is installed, `False` never.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", hide_input_in_errors=True, validate_default=True
    )

    base_url: str = Field(min_length=1)
    timeout: float = Field(default=30.0, gt=0, allow_inf_nan=False)
    max_attempts: int = Field(default=5, ge=1)
    max_elapsed: float = Field(default=120.0, gt=0, allow_inf_nan=False)
    backoff_base: float = Field(default=0.5, ge=0, allow_inf_nan=False)
    backoff_max: float = Field(default=30.0, ge=0, allow_inf_nan=False)
    rate_limits: Mapping[str, RateLimit] = Field(default_factory=dict)
    user_agent: str | None = None
    telemetry: bool | None = None


def build_config(model: type[ConnectorConfig], given: Any, settings: Mapping[str, Any]) -> Any:
    """Validate a connector's configuration from an object or keyword settings.

    Raises:
        ConfigurationError: both or neither given, or a field is missing or invalid; the
            message names fields and rules, never values.
    """
    if given is not None and settings:
        names = ", ".join(sorted(settings))
        msg = f"pass either config= or keyword settings, not both (got config and {names})"
        raise ConfigurationError(msg)
    if given is not None:
        if not isinstance(given, model):
            msg = f"config must be a {model.__name__}, not {type(given).__name__}"
            raise ConfigurationError(msg)
        return given
    try:
        return model(**settings)
    except ValidationError as exc:
        problems = [
            (".".join(str(part) for part in error["loc"]) or "(config)", error["msg"])
            for error in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
        listing = "; ".join(f"{field}: {problem}" for field, problem in problems)
        msg = f"invalid {model.__name__}: {listing}"
        raise ConfigurationError(msg, errors=problems) from None


def secret_values(config: BaseModel) -> Iterator[SecretStr]:
    """Every `SecretStr` in a configuration, nested models and mappings included."""
    yield from _walk(config)


def _walk(value: Any) -> Iterator[SecretStr]:
    if isinstance(value, SecretStr):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(item)

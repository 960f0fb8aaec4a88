"""`Envelope`: CloudEvents 1.0 structured mode, tracing keys, canonical data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from retail_canon.models import Money
from retail_canon.workflow import Envelope, InvalidEnvelope, WorkflowError

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _ids():
    n = iter(range(1, 100))
    return lambda: f"evt-{next(n)}"


def test_structured_mode_json_has_the_cloudevents_attributes():
    env = Envelope(
        id="evt-1",
        source="/channels/shopify",
        type="com.example.order.received",
        subject="SO-1001",
        time=T0,
        data={"order": "SO-1001"},
        idempotency_key="shopify:SO-1001",
    )
    obj = json.loads(env.to_json())
    assert obj == {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "/channels/shopify",
        "type": "com.example.order.received",
        "subject": "SO-1001",
        "time": "2025-03-01T12:00:00Z",
        "datacontenttype": "application/json",
        "idempotencykey": "shopify:SO-1001",
        "correlationid": "evt-1",
        "data": {"order": "SO-1001"},
    }


def test_round_trip_with_a_canonical_model():
    env = Envelope.new("/erp", "com.example.price", Money(amount="12.30", currency="EUR"))
    back = Envelope.from_json(env.to_json(), Money)
    assert back == env
    assert isinstance(back.data, Money)
    assert Envelope.from_json(env.to_json()).data == {"amount": "12.30", "currency": "EUR"}


def test_caused_events_share_the_correlation_id_and_name_their_cause():
    ids = _ids()
    first = Envelope.new("/channels/amazon", "order.received", id_factory=ids, time=T0)
    second = first.caused("/erp", "order.posted", id_factory=ids, time=T0)
    third = second.caused("/wms", "order.released", id_factory=ids, time=T0)
    assert first.correlation_id == second.correlation_id == third.correlation_id == "evt-1"
    assert (first.causation_id, second.causation_id, third.causation_id) == (
        None,
        "evt-1",
        "evt-2",
    )
    assert third.idempotency_key == "evt-3"


def test_time_keeps_its_instant_across_zones():
    paris = timezone(timedelta(hours=1))
    env = Envelope("a", "/s", "t", time=datetime(2025, 3, 1, 13, 0, tzinfo=paris))
    assert json.loads(env.to_json())["time"] == "2025-03-01T12:00:00Z"
    assert Envelope.from_json(env.to_json()).time == T0


def test_extensions_round_trip_and_unknown_attributes_are_kept():
    env = Envelope("a", "/s", "t", time=T0, extensions={"tenant": "acme"})
    assert Envelope.from_json(env.to_json()).extensions == {"tenant": "acme"}
    foreign = {
        "specversion": "1.0",
        "id": "x",
        "source": "/s",
        "type": "t",
        "time": "2025-03-01T12:00:00Z",
        "traceparent": "00-ab",
    }
    assert Envelope.from_dict(foreign).extensions == {"traceparent": "00-ab"}
    assert Envelope.from_dict(foreign).idempotency_key == "x"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"id": ""},
        {"source": ""},
        {"type": ""},
        {"time": datetime(2025, 1, 1)},
        {"extensions": {"Bad-Name": "x"}},
        {"extensions": {"correlationid": "x"}},
    ],
)
def test_invalid_envelopes_are_refused(kwargs):
    base = {"id": "a", "source": "/s", "type": "t", "time": T0}
    with pytest.raises(InvalidEnvelope) as info:
        Envelope(**{**base, **kwargs})
    assert isinstance(info.value, WorkflowError)
    assert isinstance(info.value, ValueError)
    assert info.value.code == "invalid_envelope"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1]",
        '{"specversion": "0.3", "id": "a", "source": "/s", "type": "t", "time": "2025-01-01T00:00:00Z"}',  # noqa: E501
        '{"specversion": "1.0", "id": "a", "source": "/s", "type": "t", "time": "yesterday"}',
        '{"specversion": "1.0", "id": "a", "source": "/s", "type": "t"}',
        '{"specversion": "1.0", "id": "a", "source": "/s", "type": "t", "time": "2025-01-01T00:00:00Z", "data_base64": "AA=="}',  # noqa: E501
    ],
)
def test_invalid_json_is_refused(text):
    with pytest.raises(InvalidEnvelope):
        Envelope.from_json(text)


def test_defaults_are_fresh_per_event():
    a = Envelope.new("/s", "t")
    b = Envelope.new("/s", "t")
    assert a.id != b.id
    assert a.time.tzinfo is not None
    assert a.idempotency_key == a.id
    assert a.correlation_id == a.id

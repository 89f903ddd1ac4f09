"""Events: the transactional outbox every module writes to, and the list API over it."""

from digiplus.core.events.consumers import pending_count, register_consumer, run_consumer
from digiplus.core.events.models import Event
from digiplus.core.events.service import emit, event_types, get_event, register_event_type, serialize_event

__all__ = [
    "Event",
    "emit",
    "event_types",
    "get_event",
    "pending_count",
    "register_consumer",
    "register_event_type",
    "run_consumer",
    "serialize_event",
]

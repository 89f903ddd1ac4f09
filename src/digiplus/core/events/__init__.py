"""Events: the transactional outbox every module writes to, and the list API over it."""

from digiplus.core.events.service import emit, serialize_event

__all__ = ["emit", "serialize_event"]

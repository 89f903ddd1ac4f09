"""The catalogue's services, by topic: datasets (publishing), ingest, reads, search, access."""

from __future__ import annotations

from digiplus.core.events import register_event_type

register_event_type("data.dataset.created", "A dataset was published in the catalogue.")
register_event_type("data.dataset.updated", "A dataset's metadata changed.")
register_event_type("data.dataset.deleted", "A dataset was removed from the catalogue.")
register_event_type("data.distribution.created", "An external API was registered as a dataset's distribution.")
register_event_type("data.revision.created", "An ingest published a new revision of a dataset's data.")

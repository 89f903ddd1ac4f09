"""The data economy: a DCAT-AP catalogue (publish, ingest, validate, search, harvest),
alliances and the demand board; later the exchange (contracts, metered delivery).

Other modules use this surface only::

    from digiplus.data import can_see, visible_datasets, get_visible_dataset, search, SearchQuery
"""

from digiplus.data.service.access import can_see, get_visible_dataset, member_alliance_ids, visible_datasets
from digiplus.data.service.search import SearchOutcome, SearchQuery, index_dataset, reindex_all, search

__all__ = [
    "SearchOutcome",
    "SearchQuery",
    "can_see",
    "get_visible_dataset",
    "index_dataset",
    "member_alliance_ids",
    "reindex_all",
    "search",
    "visible_datasets",
]

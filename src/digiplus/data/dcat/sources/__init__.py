"""Harvest source parsers: each turns what a source sent into :class:`ParsedSource` records.

``dcat`` (RDF in JSON-LD, Turtle or RDF/XML), ``ckan`` (the Action API's
``package_search`` pages) and ``datagovtw`` (data.gov.tw's dataset export).
They never raise on bad content: a bad item is an :class:`ItemFailure`, a bad
source a ``ParsedSource(error=…)``.
"""

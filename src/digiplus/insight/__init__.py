"""Consumer insight for merchants: sales, peak hours, mixes, foreign visitors, RFM segments,
cohort retention, customer lifetime value and basket analysis, from the lake's fact tables
through Ibis (DuckDB by default, Spark at scale). See docs/insight.md.

The figures are reached through ``digiplus.insight.service.figures.figure(name, caller, options)``
(the API, the CLI and the pages call it); the package itself imports nothing, so loading the
registry does not load Ibis."""

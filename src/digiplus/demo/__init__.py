"""The demo world: a few organisations of every kind, their people and a test key (``digiplus demo``)."""

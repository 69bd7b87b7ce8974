"""Canned query packs and the runner (``pbgraph.queries``)."""

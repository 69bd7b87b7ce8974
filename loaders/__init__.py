"""Loaders: rosters (台账) and documents into the graph (``pbgraph.loaders``)."""

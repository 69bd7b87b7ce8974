"""Moved to :mod:`pbgraph.loaders.demo`; this name stays until the notebooks import the API (issue 20)."""

from pbgraph.loaders.demo import REPORT, main

__all__ = ["REPORT", "main"]

if __name__ == "__main__":
    main()

"""The graph model and the backends that store it (``pbgraph.graph``)."""

from .backends.base import Backend, Counts, Result, Statement, WriteSummary, gc_paused
from .connect import default_location, open_backend, resolve_location, using
from .errors import PbgraphError

__all__ = [
    "Backend",
    "Counts",
    "PbgraphError",
    "Result",
    "Statement",
    "WriteSummary",
    "default_location",
    "gc_paused",
    "open_backend",
    "resolve_location",
    "using",
]

"""pbgraph: a graph model of regionalized urban party building (区域化党建).

``pbgraph.connect(location)`` opens a session (:class:`pbgraph.api.Graph`) whose
methods are what pbgraph does; see :mod:`pbgraph.api`.
"""

from typing import Any

from pbgraph.api import Graph, Notice, catalogue, connect, extract, generate, sample_report


def __getattr__(name: str) -> Any:
    """``__version__``, read from the installed metadata when first asked for (it is slow to load)."""
    if name != "__version__":
        raise AttributeError(f"module 'pbgraph' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("pbgraph")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        value = "0.0.0+unknown"
    globals()["__version__"] = value
    return value


# (not ``queries``: that name is the subpackage pbgraph.queries)
__all__ = ["Graph", "Notice", "__version__", "catalogue", "connect", "extract", "generate", "sample_report"]

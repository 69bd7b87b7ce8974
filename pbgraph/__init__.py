"""pbgraph: a graph model of regionalized urban party building (区域化党建).

``pbgraph.connect(location)`` opens a session (:class:`pbgraph.api.Graph`) whose
methods are what pbgraph does; see :mod:`pbgraph.api`.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pbgraph.api import Graph, Notice, catalogue, connect, extract, generate, sample_report

#: What ``pbgraph`` offers from :mod:`pbgraph.api`, loaded on first use: a process that needs only a
#: part of the package (the engine's reaper, a loader) does not load the API and what it imports.
_API = ("Graph", "Notice", "catalogue", "connect", "extract", "generate", "sample_report")


def __getattr__(name: str) -> Any:
    """The API's names, and ``__version__`` (read from the installed metadata: it is slow to load)."""
    if name in _API:
        from pbgraph import api

        value = getattr(api, name)
        globals()[name] = value
        return value
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

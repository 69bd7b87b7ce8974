"""pbgraph: a graph model of regionalized urban party building (区域化党建).

``pbgraph.connect(location)`` opens a session (:class:`pbgraph.api.Graph`) whose
methods are what pbgraph does; see :mod:`pbgraph.api`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pbgraph")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

from pbgraph.api import Graph, Notice, catalogue, connect, extract, generate, sample_report

# (not ``queries``: that name is the subpackage pbgraph.queries)
__all__ = ["Graph", "Notice", "__version__", "catalogue", "connect", "extract", "generate", "sample_report"]

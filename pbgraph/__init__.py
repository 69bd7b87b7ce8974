"""pbgraph: a graph model of regionalized urban party building (区域化党建)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pbgraph")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

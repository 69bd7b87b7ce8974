"""Notices: what a backend has to tell its user (engine started, recovered, waiting for a writer).

Backends never print. They call :func:`notify`; whoever runs the operation decides where
notices go by :func:`listening` around it (the session object keeps them and passes them
to its ``on_notice``; the CLI prints them on stderr). With nobody listening a notice is
logged on the ``pbgraph`` logger (a warning, except ``started``), so a script still sees
recoveries and waits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

NoticeKind = Literal["started", "loading", "recovered", "waiting", "cleaned", "warning"]


@dataclass(frozen=True)
class Notice:
    """One thing worth telling the user; ``kind`` says what sort, ``message`` says it in a line."""

    kind: NoticeKind
    message: str

    def __str__(self) -> str:
        return self.message


Listener = Callable[[Notice], None]

_listener: ContextVar[Listener | None] = ContextVar("pbgraph_notice_listener", default=None)


def notify(kind: NoticeKind, message: str) -> None:
    """Tell whoever listens (see :func:`listening`), or the ``pbgraph`` logger."""
    notice = Notice(kind, message)
    listener = _listener.get()
    if listener is not None:
        listener(notice)
        return
    import logging  # only when nobody listens (a script without a session): it is slow to load

    log = logging.getLogger("pbgraph")
    if kind == "started":
        log.info(message)
    else:
        log.warning(message)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send the notices raised inside the block (in this thread or task) to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)

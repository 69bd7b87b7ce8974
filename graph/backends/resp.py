"""A small RESP connection (hiredis's parser) for what every command sends: queries, GRAPH.LIST, INFO, PING.

Importing redis-py costs about 0.15 s of CPU (it loads asyncio, ssl, its cluster and observability
code): most of a warm ``pbgraph query run``. Reads therefore go through this; redis-py is imported
only by the steps that need its scripts and helpers (writes, locks), see ``falkordb_backend``.
"""

from __future__ import annotations

import socket
from typing import Any

import hiredis

#: Bytes read from the socket at a time (big answers are tens of megabytes).
READ_SIZE = 1 << 20


class ReplyError(Exception):
    """An error the server answered with (``ERR …``, ``LOADING …``, a query's run-time error)."""


class Connection:
    """One connection to a Redis-protocol server; replies decoded as UTF-8, errors as :class:`ReplyError`.

    ``timeout``: seconds to wait for a reply (None: no limit). Not thread-safe: one thread at a time
    (the backend keeps a pool). Connection problems raise ``OSError`` (a closed connection:
    ``ConnectionError``, no reply in time: ``TimeoutError``).
    """

    def __init__(
        self,
        *,
        unix_socket: str | None = None,
        host: str | None = None,
        port: int | None = None,
        password: str | None = None,
        connect_timeout: float = 10.0,
        timeout: float | None = None,
    ) -> None:
        if unix_socket:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(connect_timeout)
                sock.connect(unix_socket)
            except BaseException:
                sock.close()
                raise
        else:
            sock = socket.create_connection((host or "localhost", port or 6379), timeout=connect_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(timeout)  # None: a long query is not a dead server
        self._sock: socket.socket | None = sock
        self._reader = hiredis.Reader(replyError=ReplyError, encoding="utf-8")
        self._buffer = bytearray(READ_SIZE)
        if password:
            try:
                self.execute("AUTH", password)
            except BaseException:
                self.close()
                raise

    def execute(self, *args: Any) -> Any:
        """Send one command and return its reply (an error reply is raised; errors inside an array are not)."""
        sock = self._sock
        if sock is None:
            raise ConnectionError("the connection is closed")
        sock.sendall(hiredis.pack_command(args))
        reader, buffer = self._reader, self._buffer
        while (reply := reader.gets()) is False:
            n = sock.recv_into(buffer)
            if not n:
                raise ConnectionError("the server closed the connection")
            reader.feed(buffer, 0, n)
        if isinstance(reply, ReplyError):
            raise reply
        return reply

    def close(self) -> None:
        if self._sock is not None:
            sock, self._sock = self._sock, None
            sock.close()


def parse_info(text: str) -> dict[str, str]:
    """An ``INFO`` reply as ``{field: value}`` (values as text)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition(":")
            out[key] = value
    return out

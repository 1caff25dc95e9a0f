"""The copilot's front doors beside the CLI, each a thin layer over :class:`CopilotService`.

- :mod:`.api`: the HTTP API (FastAPI): sessions and streamed messages, recipes, runs, ops, an
  OpenAI-compatible ``/v1/chat/completions``; bearer-token auth.
- :mod:`.web`: the Gradio web chat beside a live recipe panel.
- :mod:`.slack`: the Slack bot (slack-bolt), one thread per session.

Every module renders the typed events of :mod:`recipe_copilot.copilot.events`; none calls the
engine directly. Importing this package is cheap: each front door imports its framework itself.
"""

from __future__ import annotations

import errno
import json
import socket
from typing import Any

__all__ = ["ServeError", "bind", "listen_error", "one_line"]


class ServeError(Exception):
    """Raised when a server cannot start as asked (a missing token, a port in use...); the message says the fix."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0: a free one), IPv6 when the host is.

    Raises:
        ServeError: the port is in use, or the address cannot be listened on.

    Example:
        >>> with bind("127.0.0.1", 0) as sock:
        ...     sock.getsockname()[1] > 0
        True
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise listen_error(host, port, exc) from None


def listen_error(host: str, port: int, exc: OSError) -> ServeError:
    """The error to raise when a server cannot listen on ``host:port``: what went wrong and the fix."""
    if exc.errno == errno.EADDRINUSE:
        return ServeError(f"port {port} on {host} is already in use: stop what listens there, or pick another "
                          "with --port")
    return ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; pick another --host or --port")


def one_line(value: Any, limit: int) -> str:
    r"""``value`` (text, or any other value as JSON) on one line, cut to ``limit`` characters with "…".

    Example:
        >>> one_line("a\n  b", 10), one_line({"k": 1}, 10), one_line("x" * 20, 5)
        ('a b', '{"k": 1}', 'xxxx…')
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

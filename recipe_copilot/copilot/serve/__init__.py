"""The copilot's front doors beside the CLI, each a thin layer over :class:`CopilotService`.

- :mod:`.api`: the HTTP API (FastAPI): sessions and streamed messages, recipes, runs, ops, an
  OpenAI-compatible ``/v1/chat/completions``; bearer-token auth.
- :mod:`.web`: the Gradio web chat beside a live recipe panel.
- :mod:`.slack`: the Slack bot (slack-bolt), one thread per session.

Every module renders the typed events of :mod:`recipe_copilot.copilot.events`; none calls the
engine directly. Importing this package is cheap: each front door imports its framework itself.
"""

from __future__ import annotations

__all__ = ["ServeError"]


class ServeError(Exception):
    """Raised when a server cannot start as asked (a missing token, a port in use...); the message says the fix."""

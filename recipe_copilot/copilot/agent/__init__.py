"""The copilot's agent: a guided workflow for small models, a free tool-calling agent for capable ones.

Both run over the same tools and sessions and yield the same typed events
(:mod:`recipe_copilot.copilot.events`); :class:`CopilotService` picks one by ``llm.mode``.

Example:
    >>> service = CopilotService()  # doctest: +SKIP
    >>> [e.type for e in service.ask(None, "drop short docs", data="data/web.jsonl")][-1]  # doctest: +SKIP
    'final_answer'
"""

from __future__ import annotations

from recipe_copilot.copilot.agent.goals import Goals, parse_goals
from recipe_copilot.copilot.agent.service import CopilotService, Mode
from recipe_copilot.copilot.agent.turn import Turn

__all__ = ["CopilotService", "Goals", "Mode", "Turn", "parse_goals"]

"""Fake ops for executor tests (registered by name, importable by worker processes)."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops import register_op
from recipe_copilot.engine.ops.base import Mapper, OpParams


@register_op
class ExplodingMapper(Mapper):
    """Upper-cases text, but raises on any text containing the trigger word."""

    name = "test_exploding_mapper"

    class Params(OpParams):
        trigger: str = Field("boom", description="Texts containing this make the op raise.")

    def process_text(self, text: str) -> str:
        if self.params.trigger in text:
            msg = f"cannot handle {self.params.trigger!r}"
            raise RuntimeError(msg)
        return text.upper()

"""clean_ip_mapper: remove (or replace) IPv4 and IPv6 addresses in the text."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.ops.common.regexes import check_pattern, compile_pattern
from recipe_copilot.engine.sample import SampleBatch

_V4_PART = r"(?:1[0-9][0-9])|(?:2[0-4][0-9])|(?:25[0-5])|(?:[1-9][0-9])|(?:[0-9])"
#: Data-Juicer's default pattern: dotted IPv4, or eight colon-separated hex groups (IPv6)
IP_PATTERN = (
    r"(?:(?:1[0-9][0-9]\.)|(?:2[0-4][0-9]\.)|(?:25[0-5]\.)|(?:[1-9][0-9]\.)|(?:[0-9]\.))"
    r"{3}(?:" + _V4_PART + r")|([\da-fA-F]{1,4}:){7}[\da-fA-F]{1,4}"
)

# Every default IPv4 match holds this (the end of one octet, two more, the start of the last).
_V4_CORE = re.compile(r"\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]")


def _may_have_ip(text: str) -> bool:
    """Whether the default pattern can match: an IPv6 match needs seven ":"."""
    return _V4_CORE.search(text) is not None or text.count(":") >= 7


class CleanIpMapper(Mapper):
    """Remove IPv4 and IPv6 addresses, or replace them with ``repl``.

    A custom ``pattern`` replaces the default IP regex; like Data-Juicer, the ``regex``
    module applies it with DOTALL, and a pattern written as ``r'...'`` loses that quoting.
    With the default pattern only texts with a dotted run of digits like ``1.2.3.4`` or at
    least seven colons are searched.

    Example:
        ``"ping 192.168.0.1 ok"`` becomes ``"ping  ok"``.
    """

    class Params(OpParams):
        pattern: Annotated[str | None, AfterValidator(check_pattern)] = Field(
            None, description="Regex to remove; None uses the default IPv4/IPv6 pattern."
        )
        repl: str = Field("", description="Replacement for each match (may use \\1 group references).")

    cost = 0.5

    def setup(self) -> None:
        pattern = self.params.pattern
        self._regex = compile_pattern(IP_PATTERN if pattern is None else pattern)
        self._default = pattern is None

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        texts = batch.column(self.text_key)
        sub, repl = self._regex.sub, self.params.repl
        if self._default:
            out = [sub(repl, t) if _may_have_ip(t) else t for t in texts]
        else:
            out = [sub(repl, t) for t in texts]
        batch.set_column(self.text_key, out)
        return batch

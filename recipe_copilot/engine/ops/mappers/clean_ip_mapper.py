"""clean_ip_mapper: remove (or replace) IPv4 and IPv6 addresses in the text."""

from __future__ import annotations

import re

from recipe_copilot.engine.ops.common.regexes import RegexCleaner, RegexCleanerParams

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


class CleanIpMapper(RegexCleaner):
    """Remove IPv4 and IPv6 addresses, or replace them with ``repl``.

    A custom ``pattern`` replaces the default IP regex; like Data-Juicer, the ``regex``
    module applies it with DOTALL, and a pattern written as ``r'...'`` loses that quoting.
    With the default pattern only texts with a dotted run of digits like ``1.2.3.4`` or at
    least seven colons are searched.

    Example:
        ``"ping 192.168.0.1 ok"`` becomes ``"ping  ok"``.
    """

    class Params(RegexCleanerParams):
        pass

    cost = 0.5

    default_pattern = IP_PATTERN

    def might_match(self, text: str) -> bool:
        return _may_have_ip(text)

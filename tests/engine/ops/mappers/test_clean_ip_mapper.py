"""clean_ip_mapper: IPv4 octet alternatives (leftmost, first alternative wins), IPv6, repl, custom pattern."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _run(texts: list[str], **params: object) -> list[str]:
    return run_rows([{"text": t} for t in texts], [{"clean_ip_mapper": params}]).texts


def test_default_pattern() -> None:
    texts = [
        "ping 192.168.0.1 ok",
        "255.255.255.255",
        "256.1.1.1",  # no octet starts at "2"; "56.1.1.1" is the match
        "10.0.0.01",  # the last octet is "0", the "1" stays
        "version 1.2.3 and 3.14",
        "addr 2001:0db8:85a3:0000:0000:8a2e:0370:7334 end",
        "fe80::1",  # compressed IPv6 is not matched
        "١:٢:٣:٤:٥:٦:٧:٨",  # \d takes any decimal digit
        "",
    ]
    assert _run(texts) == ["ping  ok", "", "2", "1", "version 1.2.3 and 3.14", "addr  end", "fe80::1", "", ""]


def test_repl_and_custom_pattern() -> None:
    assert _run(["a 1.2.3.4 b"], repl="IP") == ["a IP b"]
    assert _run(["pi 3.14, 1.2.3.4"], pattern=r"\d+\.\d+", repl="N") == ["pi N, N.N"]


def test_bad_pattern() -> None:
    with pytest.raises(ParamError, match="pattern"):
        run_rows([{"text": "x"}], [{"clean_ip_mapper": {"pattern": "*"}}])

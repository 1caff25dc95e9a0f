"""clean_links_mapper: Data-Juicer's link pattern (trailing punctuation, parentheses, case), repl, custom pattern."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _run(texts: list[str], **params: object) -> list[str]:
    return run_rows([{"text": t} for t in texts], [{"clean_links_mapper": params}]).texts


def test_default_pattern() -> None:
    texts = [
        "see https://example.com/a for more",
        "visit www.example.org today",
        "Go to http://x.com/page.",  # a link does not end on punctuation
        "(see http://a.org/x)",
        "http://en.wikipedia.org/wiki/Foo_(bar) end",  # balanced parentheses belong to the link
        "HTTPS://EXAMPLE.COM",
        "example.com/page",
        "mailto:me@x.org",
        "key:value pairs",  # any word:word looks like a scheme
        "链接：https://例子.com/路径 结束",
        "Note: this is fine, at 10:30. a:b",
        "",
    ]
    assert _run(texts) == [
        "see  for more",
        "visit  today",
        "Go to .",
        "(see )",
        " end",
        "",
        "",
        "",
        " pairs",
        "链接： 结束",
        "Note: this is fine, at 10:30. a:b",
        "",
    ]


def test_repl() -> None:
    assert _run(["a ftp://files.net/x.txt b"], repl="<LINK>") == ["a <LINK> b"]


def test_custom_quoted_pattern() -> None:
    texts = ["a http://x.y/z b", "www.example.org"]
    assert _run(texts, pattern=r'r"https?://\S+"', repl="<URL>") == ["a <URL> b", "www.example.org"]


def test_bad_pattern() -> None:
    with pytest.raises(ParamError, match="pattern"):
        run_rows([{"text": "x"}], [{"clean_links_mapper": {"pattern": "a)"}}])

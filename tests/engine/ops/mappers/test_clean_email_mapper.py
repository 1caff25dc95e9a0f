"""clean_email_mapper: default pattern (case-sensitive domain), repl, custom and quoted patterns."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _run(texts: list[str], **params: object) -> list[str]:
    return run_rows([{"text": t} for t in texts], [{"clean_email_mapper": params}]).texts


def test_default_pattern() -> None:
    texts = [
        "mail bob@example.com now",
        "A.B-c+d_e@mail.co.uk",
        "a@b.c, d@e.fg",
        "联系张三zhang@163.com谢谢",  # the local part stops at the CJK characters
        "x@Y.COM",  # the domain part is lower-case only
        "Bob.Smith@Example.com",
        "foo@bar",  # no top-level domain
        "no at sign. just dots.",
        "",
    ]
    assert _run(texts) == [
        "mail  now",
        "",
        ", ",
        "联系张三谢谢",
        "x@Y.COM",
        "Bob.Smith@Example.com",
        "foo@bar",
        "no at sign. just dots.",
        "",
    ]


def test_repl() -> None:
    assert _run(["a bob@x.org b", "none here"], repl="<EMAIL>") == ["a <EMAIL> b", "none here"]


def test_custom_pattern_with_groups_and_dotall() -> None:
    assert _run(["bob@example.com"], pattern=r"(\w+)@example\.com", repl=r"\1 [at] example.com") == [
        "bob [at] example.com"
    ]
    assert _run(["x<1\n2>y"], pattern="<.*>") == ["xy"]  # "." crosses the newline


def test_quoted_raw_pattern_loses_its_quotes() -> None:
    assert _run(["room 101, floor 3"], pattern=r"r'\d+'", repl="#") == ["room #, floor #"]
    assert _run(["room 101"], pattern=r'r"\d+"', repl="#") == ["room #"]


def test_bad_pattern() -> None:
    with pytest.raises(ParamError, match="pattern"):
        run_rows([{"text": "x"}], [{"clean_email_mapper": {"pattern": "(["}}])

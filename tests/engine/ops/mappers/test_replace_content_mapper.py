"""replace_content_mapper replaces regex matches, pattern by pattern."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def run(texts: list[str], **params: object) -> list[str]:
    out = run_rows([{"text": t} for t in texts], [{"replace_content_mapper": params}])
    assert out.errors == []
    return out.texts


def test_single_pattern():
    assert run(["room 101, floor 3", "no digits"], pattern=r"\d+", repl="#") == ["room #, floor #", "no digits"]


def test_patterns_apply_in_order_each_with_its_repl():
    assert run(["ab"], pattern=["a", "b"], repl=["b", "c"]) == ["cc"]
    assert run(["ab"], pattern=["b", "a"], repl=["c", "b"]) == ["bc"]


def test_one_repl_for_every_pattern_and_extra_repls_ignored():
    assert run(["xyz"], pattern=["x", "y"], repl="-") == ["--z"]
    assert run(["aa"], pattern="a", repl=["1", "2"]) == ["11"]


def test_quoted_raw_patterns_lose_their_quoting():
    assert run(["a \n\t b"], pattern=r"r'\s+'", repl=" ") == ["a b"]
    assert run(["foo"], pattern='r"o+"', repl="0") == ["f0"]
    assert run(["r'x'"], pattern="r'", repl="") == ["x'"]  # too short to be a quoted pattern


def test_dot_matches_newlines_and_groups_are_referenced():
    assert run(["a<b\nc>d"], pattern="<.*?>", repl="") == ["ad"]
    assert run(["me@host"], pattern=r"(\w+)@(\w+)", repl=r"\2 at \1") == ["host at me"]


def test_unicode():
    assert run(["hi 你好!"], pattern="[\u4e00-\u9fff]+", repl="<zh>") == ["hi <zh>!"]


def test_no_pattern_leaves_text_alone():
    assert run(["abc", ""]) == ["abc", ""]
    assert run(["abc"], pattern=[], repl="x") == ["abc"]


def test_empty_text_and_empty_matches():
    assert run([""], pattern="z", repl="-") == [""]
    assert run([""], pattern="x*", repl="-") == ["-"]  # an empty match at the start, as in Data-Juicer


def test_bad_parameters():
    with pytest.raises(ParamError, match="repl has 1 entries for 2 patterns"):
        run(["x"], pattern=["a", "b"], repl=["x"])
    with pytest.raises(ParamError, match="not a valid regular expression"):
        run(["x"], pattern="(", repl="")
    with pytest.raises(ParamError, match="pattern"):
        run(["x"], pattern=3)

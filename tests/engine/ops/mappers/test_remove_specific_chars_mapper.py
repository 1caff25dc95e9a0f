"""remove_specific_chars_mapper deletes every listed character."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def run(texts: list[str], **params: object) -> list[str]:
    out = run_rows([{"text": t} for t in texts], [{"remove_specific_chars_mapper": params}])
    assert out.errors == []
    return out.texts


def test_default_removes_bullets_and_shapes():
    assert run(["◆ item ● two ■", "►▼▲▴∆▻▷❖♡□ok"]) == [" item  two ", "ok"]


def test_default_leaves_plain_text_alone():
    assert run(["plain ascii text", "中文 - * •"]) == ["plain ascii text", "中文 - * •"]


def test_a_string_is_a_set_of_characters():
    assert run(["abcab cba"], chars_to_remove="ab") == ["c c"]


def test_a_list_stands_for_all_its_characters():
    # "ab" is not removed as a word: a and b go wherever they are
    assert run(["a\nb c ba"], chars_to_remove=["ab", "\n"]) == [" c "]


def test_regex_special_characters_are_literal():
    assert run(["a-b]c^d\\e.f"], chars_to_remove="-]^\\") == ["abcde.f"]


def test_unicode_characters():
    assert run(["café é ẞ"], chars_to_remove="éẞ") == ["caf  "]


def test_empty_value_removes_nothing():
    assert run(["◆ x"], chars_to_remove="") == ["◆ x"]
    assert run(["◆ x"], chars_to_remove=[]) == ["◆ x"]


def test_empty_text():
    assert run([""]) == [""]


def test_bad_parameter():
    with pytest.raises(ParamError, match="chars_to_remove"):
        run(["x"], chars_to_remove=5)

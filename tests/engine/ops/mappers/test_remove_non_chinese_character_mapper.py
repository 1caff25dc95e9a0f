"""remove_non_chinese_character_mapper keeps Chinese characters and, by default, ASCII letters,
digits and a fixed set of punctuation."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def run(texts: list[str], **params: object) -> list[str]:
    out = run_rows([{"text": t} for t in texts], [{"remove_non_chinese_character_mapper": params}])
    assert out.errors == []
    return out.texts


def test_default_keeps_letters_digits_and_listed_punctuation():
    assert run(["你好，世界! Hello_World 123\n#tag"]) == ["你好，世界! HelloWorld 123tag"]


def test_each_switch_drops_its_own_characters():
    text = "abc中文123，。 .x"
    assert run([text], keep_alphabet=False) == ["中文123，。 ."]
    assert run([text], keep_number=False) == ["abc中文，。 .x"]
    assert run([text], keep_punc=False) == ["abc中文123x"]
    assert run([text], keep_alphabet=False, keep_number=False, keep_punc=False) == ["中文"]


def test_the_kept_punctuation_set():
    kept = ".， ,-。%《*》/•、&＆(—)（+）：？!！“”·"
    assert run([kept + "#@;:?[]{}…"]) == [kept]


def test_chinese_range_is_u4e00_to_u9fa5():
    # U+4E00 and U+9FA5 are the bounds; U+9FA6 and CJK extension A (U+3400) are outside
    assert run(["一龥龦㐀漢"], keep_punc=False) == ["一龥漢"]


def test_full_width_digits_letters_and_emoji_go():
    assert run(["１２ＡＢ😀ab12"]) == ["ab12"]


def test_edge_cases():
    assert run(["", "纯中文", "\n\t"]) == ["", "纯中文", ""]


def test_bad_parameter():
    with pytest.raises(ParamError, match="keep_alphabet"):
        run(["x"], keep_alphabet=[1])
    with pytest.raises(ParamError, match="keep_letters"):
        run(["x"], keep_letters=True)

"""chinese_convert_mapper converts with OpenCC (the optional "zh" extra)."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def run(texts: list[str], **params: object) -> list[str]:
    out = run_rows([{"text": t} for t in texts], [{"chinese_convert_mapper": params}])
    assert out.errors == []
    return out.texts


def test_simplified_and_traditional():
    assert run(["汉字转换"]) == ["漢字轉換"]  # s2t is the default
    assert run(["漢字轉換"], mode="t2s") == ["汉字转换"]


def test_taiwan_phrases_only_with_the_p_modes():
    assert run(["软件"], mode="s2t") == ["軟件"]
    assert run(["软件"], mode="s2twp") == ["軟體"]
    assert run(["軟體"], mode="tw2sp") == ["软件"]


def test_japanese_kanji():
    assert run(["國"], mode="t2jp") == ["国"]
    assert run(["国"], mode="jp2t") == ["國"]


def test_other_text_is_kept():
    assert run(["abc 123 ?!", "", "mixed 汉 text"]) == ["abc 123 ?!", "", "mixed 漢 text"]


def test_text_stops_at_a_nul_character_as_in_opencc():
    assert run(["abc\x00def", "汉\x00字"]) == ["abc", "漢"]


def test_unknown_mode():
    with pytest.raises(ParamError, match="mode"):
        run(["x"], mode="s2x")

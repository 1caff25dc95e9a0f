"""punctuation_normalization_mapper: Data-Juicer's punctuation table, nothing else changes."""

from __future__ import annotations

from recipe_copilot.engine.testing import run_rows


def test_table() -> None:
    texts = [
        "你好，世界！",
        "a—b",  # em dash becomes a spaced hyphen
        "a–b",  # en dash a plain one
        "“Quote” «guillemets» „low”",
        "Wait…",
        "１２３",  # only the full-width one is in the table (as a double quote)
        "１．5",
        "‘single’",  # the left single quote is not in the table
        "【注意】：５０％（测试）",
        "plain ascii, unchanged.",
        "",
    ]
    out = run_rows([{"text": t} for t in texts], ["punctuation_normalization_mapper"]).texts
    assert out == [
        "你好,世界!",
        "a - b",
        "a-b",
        '"Quote" "guillemets" "low"',
        "Wait...",
        '"２３',
        '". 5',
        "‘single'",
        "[注意]:５０%(测试)",
        "plain ascii, unchanged.",
        "",
    ]

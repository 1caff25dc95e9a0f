"""remove_comments_mapper: inline (takes the character before "%") and whole-line TeX comments."""

from __future__ import annotations

from recipe_copilot.engine.testing import run_rows


def _run(texts: list[str], **params: object) -> list[str]:
    return run_rows([{"text": t} for t in texts], [{"remove_comments_mapper": params}]).texts


def test_default() -> None:
    texts = [
        "a = 1 % note\nb",
        "50% of it\nnext",  # the "0" before "%" goes too
        "escaped \\% sign",
        "%full line\ncode",
        "code\n%comment\nmore",  # the inline pattern takes the newline before "%"
        "%\n",
        "x%",  # an inline comment needs a character after "%"
        "中文%注释\n行",
        "no comment",
        "",
    ]
    assert _run(texts) == [
        "a = 1\nb",
        "5\nnext",
        "escaped \\% sign",
        "code",
        "code\nmore",
        "",
        "x%",
        "中\n行",
        "no comment",
        "",
    ]


def test_inline_and_multiline_switches() -> None:
    text = "a % b\n% c\nd"
    assert _run([text]) == ["a\nd"]
    assert _run([text], inline=False) == ["a % b\nd"]
    assert _run([text, "% c\nd"], multiline=False) == ["a\nd", "% c\nd"]
    assert _run([text], inline=False, multiline=False) == [text]


def test_doc_type_list_accepted() -> None:
    assert _run(["x % y"], doc_type=["tex"]) == ["x"]

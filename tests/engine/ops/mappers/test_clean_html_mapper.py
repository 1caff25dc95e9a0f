"""clean_html_mapper: selectolax text extraction, list bullets, entities, texts that skip the parser."""

from __future__ import annotations

import random

from recipe_copilot.engine.testing import run_rows


def _run(texts: list[str]) -> list[str]:
    return run_rows([{"text": t} for t in texts], ["clean_html_mapper"]).texts


def test_html_to_text() -> None:
    texts = [
        "<p>This is a test</p>",
        "<p>x</p><p>y</p>",  # no separator between nodes
        "a<br>b",
        "<ul><li>one</li><li>two</li></ul>",
        "<ol><li>a</li></ol>",
        "AT&amp;T &copy; 2024",
        "<script>var a = 1;</script>text",  # script text is kept
        "<!-- comment -->visible",
        "<p>这是个测试</p>",
        "a<b",  # "<b" opens a tag
        "x < y and y > z",  # "< " does not
        "line1\r\nline2",
    ]
    assert _run(texts) == [
        "This is a test",
        "xy",
        "ab",
        "\n*one\n*two",
        "*\n*a",  # the parser drops the newline that opens the document
        "AT&T © 2024",
        "var a = 1;text",
        "visible",
        "这是个测试",
        "a",
        "x < y and y > z",
        "line1\nline2",
    ]


def test_plain_texts() -> None:
    texts = ["plain text", "纯文本，没有标签", "  lead and trail  ", "\n\tIndented", "\u00a0nbsp first", "", "   "]
    # only HTML whitespace at the start goes (a no-break space is not HTML whitespace)
    assert _run(texts) == ["plain text", "纯文本，没有标签", "lead and trail  ", "Indented", "\u00a0nbsp first", "", ""]


def test_skipping_the_parser_changes_nothing() -> None:
    """Texts the op does not parse come out as the parser itself would give them."""
    from selectolax.lexbor import LexborHTMLParser

    rng = random.Random(5)
    pieces = list(" \t\n\x0c\u00a0aZ中é😀>;#/\x01\x7f\ufeff")
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(300)]
    assert _run(texts) == [LexborHTMLParser(t).text() for t in texts]

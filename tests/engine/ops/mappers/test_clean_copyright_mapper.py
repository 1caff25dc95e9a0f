"""clean_copyright_mapper: first /* */ comment with "copyright", else leading comment lines."""

from __future__ import annotations

from recipe_copilot.engine.testing import run_rows


def _run(texts: list[str]) -> list[str]:
    return run_rows([{"text": t} for t in texts], ["clean_copyright_mapper"]).texts


def test_block_comment() -> None:
    texts = [
        "/* Copyright 2020 Acme */\nint x;",
        "int a; /* (C) COPYRIGHT Foo */ int b;",
        "/** Copyright **/x",
        "/* © Copyright 版权所有 */\n代码",
        "/* just a note */\nint x;",  # a comment without "copyright" stays
        "/* note */ x /* Copyright */",  # only the first comment is looked at
        "// Copyright\n/* note */\nx",  # a block comment anywhere means no line stripping
    ]
    assert _run(texts) == [
        "\nint x;",
        "int a;  int b;",
        "x",
        "\n代码",
        "/* just a note */\nint x;",
        "/* note */ x /* Copyright */",
        "// Copyright\n/* note */\nx",
    ]


def test_leading_comment_lines() -> None:
    texts = [
        "// Copyright Foo\n# more\n\n-- sql\ncode\n// tail",
        "# only comments\n// here\n",
        "\n\nx = 1",
        "code first\n// comment",
        "/* unclosed copyright\nx",  # "/*" is not a line comment
        "-x\ny",  # "-" alone is not "--"
        "",
    ]
    assert _run(texts) == [
        "code\n// tail",
        "",
        "x = 1",
        "code first\n// comment",
        "/* unclosed copyright\nx",
        "-x\ny",
        "",
    ]

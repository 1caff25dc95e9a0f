"""fix_unicode_mapper: ftfy fixes per line segment, HTML unescaping switched off after a "<", normalization forms."""

from __future__ import annotations

import random

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def _run(texts: list[str], **params: object) -> list[str]:
    return run_rows([{"text": t} for t in texts], [{"fix_unicode_mapper": params}]).texts


def test_fixes() -> None:
    texts = [
        "sÃ³",  # UTF-8 read as Latin-1
        "â€œquoteâ€\x9d",  # mojibake of curly quotes, then uncurled
        "Broken text&hellip; it&#x2019;s ﬂubberiﬁc!",
        "ＬＯＵＤ　ＮＯＩＳＥＳ",
        "line1\r\nline2\rline3",
        "\x1b[31mred\x1b[0m",
        "a\x00b\x07c",
        "e\u0301",  # NFC composes
        "Hello, world.\nplain ASCII stays",
        "",
    ]
    assert _run(texts) == [
        "só",
        '"quote"',
        "Broken text… it's flubberific!",  # the ellipsis is a real character: NFC keeps it
        "LOUD NOISES",
        "line1\nline2\nline3",
        "red",
        "abc",
        "\u00e9",
        "Hello, world.\nplain ASCII stays",
        "",
    ]


def test_html_entities_until_a_line_with_a_tag() -> None:
    texts = ["ok line\nsÃ³\n&lt;tag&gt;", "&amp;\n<b>x</b> &amp;", "<b>x</b>\n&amp;"]
    assert _run(texts) == ["ok line\nsó\n<tag>", "&\n<b>x</b> &amp;", "<b>x</b>\n&amp;"]


def test_normalization_forms() -> None:
    assert _run(["x²", "\u00e9"]) == ["x²", "\u00e9"]
    assert _run(["x²", "\u00e9", "a…"], normalization="nfkc") == ["x2", "\u00e9", "a..."]
    assert _run(["x²", "\u00e9"], normalization="NFD") == ["x²", "e\u0301"]
    assert _run(["x²", "e\u0301"], normalization="") == ["x²", "\u00e9"]  # empty means NFC


def test_bad_normalization() -> None:
    with pytest.raises(ParamError, match="normalization"):
        run_rows([{"text": "x"}], [{"fix_unicode_mapper": {"normalization": "NFX"}}])


def test_same_as_ftfy_on_mixed_lines() -> None:
    """Clean ASCII lines skip ftfy; the result is still exactly ftfy.fix_text's."""
    import ftfy

    rng = random.Random(11)
    pieces = [
        "plain ascii",
        " ",
        "\n",
        "\r\n",
        "&amp;",
        "<b>",
        "sÃ³",
        "“q”",
        "ﬁ",
        "\x1b[1m",
        "\x00",
        "é",
        "e\u0301",
        "ＡＢ",
    ]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))) for _ in range(300)]
    assert _run(texts) == [ftfy.fix_text(t) for t in texts]
    assert _run(texts, normalization="NFKD") == [ftfy.fix_text(t, normalization="NFKD") for t in texts]

"""remove_header_mapper: text before the first LaTeX sectioning command goes; drop_no_head."""

from __future__ import annotations

from recipe_copilot.engine.testing import run_rows


def _run(texts: list[str], **params: object) -> list[str]:
    return run_rows([{"text": t} for t in texts], [{"remove_header_mapper": params}]).texts


TEXTS = [
    "\\documentclass{article}\n\\title{T}\n\\section{Intro}\nBody",
    "Pre \\subsection*[short]{Long title} rest",
    "\\sections{x} \\part{P}",  # "\\sections" is not a command of the list
    "a \\paragraph{p} b \\chapter{c}",  # the earliest command wins
    "前言\n\\section{引言}\n正文",
    "no header here",
    "\\section{unclosed",
    "",
]


def test_drop_no_head_default() -> None:
    assert _run(TEXTS) == [
        "\\section{Intro}\nBody",
        "\\subsection*[short]{Long title} rest",
        "\\part{P}",
        "\\paragraph{p} b \\chapter{c}",
        "\\section{引言}\n正文",
        "",
        "",
        "",
    ]


def test_keep_texts_without_header() -> None:
    out = _run(TEXTS, drop_no_head=False)
    assert out[5:] == ["no header here", "\\section{unclosed", ""]
    assert out[0] == "\\section{Intro}\nBody"

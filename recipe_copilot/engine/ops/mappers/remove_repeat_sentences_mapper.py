"""remove_repeat_sentences_mapper: drop sentences that already occurred earlier in the text."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field

from recipe_copilot.engine.ops.base import Mapper, OpParams

# Data-Juicer's sentence splitter: four substitutions that put a newline after sentence-ending
# punctuation (not before a closing quote). The last class really holds ".", "{", "6", "}",
# "…", "2" and the rest. Made of literal characters only, they match the same under ``re``
# as under ``regex``; each runs only when the line holds what it needs.
_AFTER_MARK = re.compile(r"([.。！!？\?])([^’”])")
_AFTER_DOTS = re.compile(r"(\.{6})([^’”])")
_AFTER_ELLIPSES = re.compile(r"(\…{2})([^’”])")
_AFTER_QUOTE = re.compile(r"([.。!！？\?\.{6}\…{2}][’”])([^’”])")
_BREAKS = re.compile("[.。！!？?…’”]")  # a line without these is one sentence
_SPECIAL = re.compile("[^a-zA-Z0-9\u4e00-\u9fa5\n\t ]")
_NEWLINE = r"\1\n\2"


def split_sentences(line: str) -> list[str]:
    """Split one line into sentences, each keeping its leading whitespace."""
    if _BREAKS.search(line) is None:
        return [line]
    line = _AFTER_MARK.sub(_NEWLINE, line)
    if "......" in line:
        line = _AFTER_DOTS.sub(_NEWLINE, line)
    if "……" in line:
        line = _AFTER_ELLIPSES.sub(_NEWLINE, line)
    if "’" in line or "”" in line:
        line = _AFTER_QUOTE.sub(_NEWLINE, line)
    return line.split("\n")


#: environment variable that allows recipe-supplied Python code (the ``tokenizer`` lambda)
ALLOW_CODE_ENV = "COPILOT_ALLOW_RECIPE_CODE"


def _check_tokenizer(source: str | None) -> str | None:
    if source is not None:
        if os.environ.get(ALLOW_CODE_ENV) != "1":
            msg = (
                "a tokenizer lambda is Python code run from the recipe; it is refused unless you trust the "
                f"recipe and set {ALLOW_CODE_ENV}=1 (recipes written by the copilot never get it)"
            )
            raise ValueError(msg)
        try:
            node = ast.parse(source, mode="eval").body
        except SyntaxError as exc:
            msg = f"not a valid lambda: {exc.msg}"
            raise ValueError(msg) from None
        if not isinstance(node, ast.Lambda) or len(node.args.args) != 1:
            msg = "must be a lambda of one argument, e.g. \"lambda text: text.split('. ')\""
            raise ValueError(msg)
    return source


def _lambda_tokenizer(source: str) -> Callable[[str], list[str]]:
    """The recipe's lambda; sentences after the first get a leading space if they lack one."""
    fn = eval(compile(source, "<tokenizer>", "eval"), {"__builtins__": __builtins__})

    def tokenize(line: str) -> list[str]:
        return [s if i == 0 or s[:1].isspace() else " " + s for i, s in enumerate(fn(line))]

    return tokenize


class RemoveRepeatSentencesMapper(Mapper):
    """Remove sentences that repeat an earlier sentence of the same text.

    Lines are split into sentences after ``.``, ``!``, ``?``, ``。`` and the like. Two
    sentences repeat when they are equal after stripping, optional lower-casing and, with
    ``ignore_special_character``, dropping all but ASCII letters, digits, CJK ideographs,
    spaces and tabs. Sentences shorter than ``min_repeat_sentence_length`` (so measured)
    always stay. A recipe may pass ``tokenizer``, a Python lambda string, to split sentences.

    Example:
        ``"Hi there. Bye now. Hi there."`` becomes ``"Hi there. Bye now."``.
    """

    class Params(OpParams):
        lowercase: bool = Field(False, description="Compare sentences case-insensitively.")
        ignore_special_character: bool = Field(True, description="Compare only letters, digits, CJK and spaces.")
        min_repeat_sentence_length: int = Field(2, description="Sentences shorter than this (as compared) always stay.")
        tokenizer: Annotated[str | None, AfterValidator(_check_tokenizer)] = Field(
            None, description="Lambda string splitting a line into sentences; None uses the built-in splitter."
        )

    cost = 2.0

    def setup(self) -> None:
        source = self.params.tokenizer
        self._split = split_sentences if source is None else _lambda_tokenizer(source)

    def process_text(self, text: str) -> str:
        p = self.params
        split, lower, min_len = self._split, p.lowercase, p.min_repeat_sentence_length
        special = _SPECIAL.sub if p.ignore_special_character else None
        seen: set[str] = set()
        lines = []
        for line in text.split("\n"):
            kept = []
            for sentence in split(line) if line else ():
                key = sentence.strip()
                if lower:
                    key = key.lower()
                if special is not None:
                    key = special("", key)
                if len(key) < min_len or key not in seen:  # short sentences always stay
                    kept.append(sentence)
                    seen.add(key)
            lines.append("".join(kept))
        return "\n".join(lines)

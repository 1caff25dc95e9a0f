"""expand_macro_mapper: inline LaTeX macros defined without arguments."""

from __future__ import annotations

import regex

from recipe_copilot.engine.ops.base import Mapper, OpParams

#: ``\newcommand{\name}{value}`` (or ``\newcommand*``) ending its line; names are letters and digits
_NEWCOMMAND = regex.compile(r"\\\bnewcommand\b\*?\{(\\[a-zA-Z0-9]+?)\}\{(.*?)\}$", regex.MULTILINE)
#: ``\def\name{value}`` ending its line
_DEF = regex.compile(r"\\def\s*(\\[a-zA-Z0-9]+?)\s*\{(.*?)\}$", regex.MULTILINE)


def _escaped(s: str) -> str:
    return s.encode("unicode-escape").decode("utf-8")


class ExpandMacroMapper(Mapper):
    """Replace each use of an argument-less macro by its definition.

    Macros come from ``\\newcommand{\\name}{value}`` and ``\\def\\name{value}`` lines of the
    same text (for a name defined twice, a ``\\def`` beats a ``\\newcommand`` and the later
    definition of one kind beats the earlier). A use is replaced only when a character
    other than a letter or digit follows it, so ``\\foo`` is not expanded inside ``\\foobar``
    nor at the very end of the text. The definitions themselves are rewritten too, as in
    Data-Juicer. Macros with arguments are left alone.

    Example:
        ``"\\\\def\\\\N{42}\\nN = \\\\N."`` becomes ``"\\\\def42{42}\\nN = 42."``.
    """

    class Params(OpParams):
        pass

    cost = 1.0

    def process_text(self, text: str) -> str:
        if "\\newcommand" not in text and "\\def" not in text:
            return text
        macros: dict[str, str] = {}
        for found in (*_NEWCOMMAND.finditer(text), *_DEF.finditer(text)):
            macros[_escaped(found.group(1))] = _escaped(found.group(2))
        for name, value in macros.items():
            text = regex.sub(f"({name})([^a-zA-Z0-9])", value + r"\2", text)
        return text

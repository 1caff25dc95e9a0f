r"""expand_macro_mapper inlines argument-less \newcommand and \def macros."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def run(texts: list[str], **params: object) -> list[str]:
    out = run_rows([{"text": t} for t in texts], [{"expand_macro_mapper": params}])
    assert out.errors == []
    return out.texts


def test_newcommand_is_expanded_and_its_definition_rewritten():
    text = "\\newcommand{\\R}{\\mathbb{R}}\nLet $x \\in \\R$."
    assert run([text]) == ["\\newcommand{\\mathbb{R}}{\\mathbb{R}}\nLet $x \\in \\mathbb{R}$."]


def test_starred_newcommand_and_def():
    assert run(["\\newcommand*{\\x}{y}\n\\x "]) == ["\\newcommand*{y}{y}\ny "]
    assert run(["\\def\\N{42}\nN = \\N."]) == ["\\def42{42}\nN = 42."]


def test_only_whole_macro_names_followed_by_a_character():
    # \ab and \a1 are other names; a use at the very end of the text has nothing after it
    assert run(["\\def\\a{X}\n\\ab \\a1 \\a!"]) == ["\\defX{X}\n\\ab \\a1 X!"]
    assert run(["\\def\\a{X}\n\\a"]) == ["\\defX{X}\n\\a"]


def test_def_beats_newcommand_of_the_same_name():
    text = "\\newcommand{\\m}{one}\n\\def\\m{two}\n\\m."
    assert run([text]) == ["\\newcommand{two}{one}\n\\deftwo{two}\ntwo."]


def test_backslashes_and_unicode_in_values_are_literal():
    text = "\\newcommand{\\e}{\\emph{é}}\n\\e."
    assert run([text]) == ["\\newcommand{\\emph{é}}{\\emph{é}}\n\\emph{é}."]


def test_left_alone():
    texts = [
        "\\def\\a{X} % c\n\\a.",  # the definition must end its line
        "\\newcommand{\\f}[1]{#1!}\n\\f{a}",  # macros with arguments are not supported
        "plain text \\a.",
        "",
    ]
    assert run(texts) == texts


def test_no_parameters_of_its_own():
    with pytest.raises(ParamError, match="macros"):
        run(["x"], macros={})

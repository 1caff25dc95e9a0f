"""sentence_split_mapper puts one sentence per line with NLTK's Punkt models (the "nlp" extra)."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def run(texts: list[str], **params: object) -> list[str]:
    out = run_rows([{"text": t} for t in texts], [{"sentence_split_mapper": params}])
    assert out.errors == []
    return out.texts


def test_splits_sentences_but_not_after_abbreviations():
    assert run(["Dr. Smith went home. He was tired."]) == ["Dr. Smith went home.\nHe was tired."]
    assert run(["Mr. Brown met Mrs. Green at 5 p.m. yesterday. They talked."]) == [
        "Mr. Brown met Mrs. Green at 5 p.m. yesterday.\nThey talked."
    ]


def test_question_and_exclamation_marks():
    assert run(["Really? Yes! Fine."]) == ["Really?\nYes!\nFine."]


def test_whitespace_between_sentences_becomes_one_newline():
    # trailing space goes, space before the first sentence and inside a sentence stays
    assert run(["One.  \n\n  Two!   Three?  "]) == ["One.\nTwo!\nThree?"]
    assert run(["  Lead. Next."]) == ["  Lead.\nNext."]
    assert run(["A line\nbreak inside. Next one."]) == ["A line\nbreak inside.\nNext one."]


def test_closing_quotes_stay_with_their_sentence():
    assert run(['He said "Stop." Then he left.']) == ['He said "Stop."\nThen he left.']
    assert run(["He said “Stop.” Then he left."]) == ["He said “Stop.”\nThen he left."]


def test_a_lone_period_is_a_sentence_of_its_own_as_in_nltk():
    assert run(["a.\n .\n .\n b."]) == ["a.\n .\n.\nb."]


def test_text_without_sentence_end():
    assert run(["no punctuation here  \n", "  x", "", "   "]) == ["no punctuation here", "  x", "", ""]


def test_lang_picks_the_model():
    # "etc" is an abbreviation in the French model only
    text = "Pommes, poires, etc. et bananes."
    assert run([text], lang="fr") == [text]
    assert run([text], lang="en") == ["Pommes, poires, etc.\net bananes."]
    assert run(["¿Qué tal? Muy bien."], lang="es") == ["¿Qué tal?\nMuy bien."]
    assert run(["Olá. Tudo bem?"], lang="pt") == ["Olá.\nTudo bem?"]


def test_unsupported_lang():
    with pytest.raises(ParamError, match="lang"):
        run(["x"], lang="de")

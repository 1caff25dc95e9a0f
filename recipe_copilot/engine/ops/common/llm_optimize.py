"""Base of Data-Juicer's optimize_* mappers: an LLM (endpoint or local transformers model) rewrites a query/response pair on its own.

They share the calibrate family's answer handling (:class:`CalibrateMapper`: try loop, parse,
write-back rule); what differs is the request (no reference text), the model flags
(``is_hf_model: true``, the default, runs a local model: :mod:`llm_local`) and ``output_pattern``
being matched with DOTALL.
"""

from __future__ import annotations

import re

from pydantic import Field, PositiveInt

from recipe_copilot.engine.ops.base import OpParams
from recipe_copilot.engine.ops.common.llm_calibrate import CalibrateMapper
from recipe_copilot.engine.ops.common.llm_local import LocalModelMixin
from recipe_copilot.engine.sample import SampleBatch

__all__ = ["OptimizeMapper", "OptimizeParams"]

#: Data-Juicer's default request layout and answer pattern (the parser relies on the markers)
INPUT_TEMPLATE = "以下是原始问答对：\n{}"
QA_PAIR_TEMPLATE = "【问题】\n{}\n【回答】\n{}"
OUTPUT_PATTERN = r".*?【问题】\s*(.*?)\s*【回答】\s*(.*)"


class OptimizeParams(OpParams):
    """Parameters of the optimize_* mappers (Data-Juicer 1.6.1)."""

    api_or_hf_model: str = Field("Qwen/Qwen2.5-7B-Instruct", description="Local model (folder or cached hub id), or endpoint model.")
    is_hf_model: bool = Field(True, description="Run api_or_hf_model here with transformers; false: call an endpoint.")
    api_endpoint: str | None = Field(None, description="Endpoint path under the base URL, or a full URL.")
    response_path: str | None = Field(None, description="Dot path of the answer (choices.0.message.content).")
    system_prompt: str | None = Field(None, description="System prompt; unset: the op's default.")
    input_template: str | None = Field(None, description="User message template with one {} for the pair.")
    qa_pair_template: str | None = Field(None, description="Template of the pair ({} query, {} response).")
    output_pattern: str | None = Field(None, description="Regex (DOTALL) read from the answer's start.")
    try_num: PositiveInt = Field(3, description="Answers to ask for per sample until one parses.")
    enable_vllm: bool = Field(False, description="In-process vLLM: not supported, use a vLLM server.")
    model_params: dict | None = Field(None, description="from_pretrained arguments, or client settings (base_url, ...).")
    sampling_params: dict | None = Field(None, description="generate() arguments or extra request fields, e.g. {temperature: 0.2}.")


class OptimizeMapper(LocalModelMixin, CalibrateMapper):
    """Asks the model to improve each sample's query and/or response (the text is not sent)."""

    reads_text = False

    default_pattern = OUTPUT_PATTERN
    pattern_flags = re.DOTALL

    def model_name(self) -> str:
        return self.params.api_or_hf_model

    def user_messages(self, batch: SampleBatch, queries: list[str], responses: list[str]) -> list[str]:
        """One user message per row: the pair alone."""
        p = self.params
        input_tpl, pair_tpl = p.input_template or INPUT_TEMPLATE, p.qa_pair_template or QA_PAIR_TEMPLATE
        return [input_tpl.format(pair_tpl.format(q, r)) for q, r in zip(queries, responses, strict=True)]

"""Base of the LLM-judged filters (Data-Juicer's llm_analysis_filter family): a prompt per sample,
a JSON answer with 1-5 scores per dimension, their average scaled to [0, 1]."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, ClassVar

from pydantic import Field, PositiveInt, model_validator

from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.ops.common.llm_api import LLMOpMixin
from recipe_copilot.engine.ops.common.llm_local import LocalModelMixin
from recipe_copilot.engine.sample import SampleBatch

__all__ = ["LLMAnalysisFilter", "LLMAnalysisParams", "parse_analysis"]

log = logging.getLogger(__name__)

#: the first {...} holding at most one level of nested braces (Data-Juicer's extraction)
_OUTER_BRACES = re.compile(r"(\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})")
#: Data-Juicer's default templates: the layout the default prompts describe
INPUT_TEMPLATE = "# Data\n'''\n{data}\n'''\n\n# Response\njson\n"
FIELD_TEMPLATE = "**{field_name}**\n{field_data}"
#: appended to the system prompt for ``preferred_output_lang`` (our wording)
_LANG_NOTE = {
    "en": "\n\nOutput language: keep the JSON keys exactly as in the format above (English); "
    "write the rationale, tag texts and the meaning of flags in English.",
    "zh": "\n\n输出语言：JSON 键名保持上面格式中的英文；rationale、标签文字以及 flags 的含义请用简体中文书写。",
}


class LLMAnalysisParams(FilterParams):
    """Parameters shared by the LLM-judged filters; an op adds its score bounds."""

    api_or_hf_model: str = Field("gpt-4o", description="Model name sent to the endpoint, or a local model (is_hf_model).")
    is_hf_model: bool = Field(False, description="Run api_or_hf_model here with transformers (a folder or cached hub id).")
    api_endpoint: str | None = Field(None, description="Endpoint path under the base URL, or a full URL.")
    response_path: str | None = Field(None, description="Dot path of the answer (choices.0.message.content).")
    input_keys: list[str] = Field(["text"], description="Sample fields shown to the model.")
    field_names: list[str] = Field(["Text"], description="Display name of each input key, in the same order.")
    system_prompt: str | None = Field(None, description="System prompt; unset: the op's default.")
    input_template: str | None = Field(None, description="User message template with {data}.")
    field_template: str | None = Field(None, description="Template of one field with {field_name}, {field_data}.")
    try_num: PositiveInt = Field(3, description="Answers to ask for per sample until one parses.")
    enable_vllm: bool = Field(False, description="In-process vLLM: not supported, use a vLLM server.")
    model_params: dict = Field({}, description="Client settings (base_url, api_key, ...) or from_pretrained arguments.")
    sampling_params: dict = Field({}, description="Extra request fields or generate() arguments, e.g. {temperature: 0.2}.")
    dim_required_keys: list[str] | None = Field(None, description="Dimensions averaged; unset: the op's.")
    preferred_output_lang: str | None = Field(None, description="Language of the rationale and tags (en, zh).")

    @model_validator(mode="after")
    def _keys_match_names(self) -> LLMAnalysisParams:
        if len(self.input_keys) != len(self.field_names):
            msg = f"input_keys ({len(self.input_keys)}) and field_names ({len(self.field_names)}) must pair up"
            raise ValueError(msg)
        return self


def _record_text(record: Any) -> str:
    if record is None:
        return ""
    try:
        return json.dumps(record, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(record)


def _recommendations(value: Any) -> list[str]:
    """The answer's ``recommendation`` as a list of non-empty strings."""
    if value is None:
        return []
    items = list(value) if isinstance(value, list | tuple) else [value]
    return [s for s in (str(v).strip() for v in items if v is not None) if s]


def parse_analysis(raw: Any, dims: list[str]) -> tuple[float, dict | None, Any]:
    """(score, record, tags) of an answer: ``(0.0, None, None)`` when it holds no JSON object.

    The score is the mean of ``dims`` in ``dimension_scores`` divided by 5; 0.0 without
    ``dimension_scores``. A missing dimension or a non-number raises (the op asks again).
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return 0.0, None, None
    found = _OUTER_BRACES.search(raw)
    if found is None:
        return 0.0, None, None
    try:
        data = json.loads(found.group(1))
    except (json.JSONDecodeError, TypeError):
        return 0.0, None, None
    data["recommendation"] = _recommendations(data.get("recommendation"))
    scores = data.get("dimension_scores")
    if not scores:
        log.warning("the LLM answer has no dimension_scores; the score is 0.0")
        return 0.0, data, data.get("tags")
    total = 0
    for key in dims:
        total += scores[key]
    return float(total) / len(dims) / 5, data, data.get("tags")


class LLMAnalysisFilter(LocalModelMixin, LLMOpMixin, Filter):
    """Scores each sample with an LLM: writes ``stat_keys`` = (score, record JSON, tags).

    An op sets ``stat_keys``, ``default_prompt``, ``default_dims`` and ``keep_batch``.
    """

    default_prompt: ClassVar[str]
    default_dims: ClassVar[tuple[str, ...]]
    cost = 200.0
    reads_text = False

    def setup(self) -> None:
        p = self.params
        prompt = p.system_prompt or self.default_prompt
        lang = (p.preferred_output_lang or "").strip().lower().replace("_", "-")
        if lang:
            prompt += _LANG_NOTE["zh" if lang.startswith("zh") else "en"]
        self.system = prompt
        self.dims = list(p.dim_required_keys or self.default_dims)
        self.make_client(p.api_or_hf_model)

    def preamble(self) -> str:
        """Text put before each sample's data in the user message (task relevance adds tasks)."""
        return ""

    def rows_to_score(self, batch: SampleBatch) -> list[int]:
        """Rows without a score yet."""
        return batch.missing_stat_rows(self.stat_keys[0])

    def user_messages(self, batch: SampleBatch, rows: list[int]) -> list[str]:
        p = self.params
        field_tpl, input_tpl = p.field_template or FIELD_TEMPLATE, p.input_template or INPUT_TEMPLATE
        present = [(batch.column(k), n) for k, n in zip(p.input_keys, p.field_names, strict=True)
                   if batch.has_column(k)]
        head = self.preamble()
        out = []
        for i in rows:
            data = "\n\n".join(field_tpl.format(field_name=n, field_data=col[i]) for col, n in present)
            out.append(head + input_tpl.format(data=data))
        return out

    def _answer(self, output: Any) -> tuple[float, dict, Any] | None:
        if output is None or (isinstance(output, str) and not output.strip()):
            return None
        score, record, tags = parse_analysis(output, self.dims)
        return None if record is None else (score, record, tags)

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        rows = self.rows_to_score(batch)
        if not rows:
            return
        convs = [[{"role": "system", "content": self.system}, {"role": "user", "content": u}]
                 for u in self.user_messages(batch, rows)]
        p = self.params
        answers = self.client.ask_all(convs, dict(p.sampling_params), p.try_num, self._answer)  # type: ignore[union-attr]
        results = [a or (0.0, None, None) for a in answers]
        part = None if len(rows) == len(batch) else rows
        score_key, record_key, tags_key = self.stat_keys
        batch.set_stat(score_key, [r[0] for r in results], part)
        batch.set_stat(record_key, [_record_text(r[1]) for r in results], part)
        batch.set_stat(tags_key, [r[2] if isinstance(r[2], str) else _record_text(r[2]) for r in results], part)

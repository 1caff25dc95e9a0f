"""llm_task_relevance_filter: keep samples an LLM judges useful for a target task."""

from __future__ import annotations

from pydantic import Field, model_validator

from recipe_copilot.engine.ops.common.llm_analysis import FIELD_TEMPLATE, LLMAnalysisFilter, LLMAnalysisParams
from recipe_copilot.engine.sample import SampleBatch

# our wording of Data-Juicer's default instructions: same dimensions, scale and JSON layout
_PROMPT = """You decide whether samples of training data would help a language model do better on a \
particular downstream task. The user message describes that task and/or shows validation examples of it, \
then gives the sample to judge.

1. Dimensions (score each from 1 = not at all to 5 = fully)
- Topical relevance: is the sample about the same subjects as the validation data?
- Linguistic style match: are its tone, style and complexity like those of the validation data?
- Task match: does it solve the same kind of task (summarising, classifying, ...) as the validation examples?
- Knowledge alignment: does it call for the same kind of knowledge or reasoning?
- Potential utility: would training on it likely improve results on the validation data?

2. Answer with one JSON object and nothing else, in this layout:
{
  "dimension_scores": {"topical_relevance": <1-5>, "linguistic_style_match": <1-5>, "task_match": <1-5>,
                       "knowledge_alignment": <1-5>, "potential_utility": <1-5>},
  "flags": ["<short_label>", ...],
  "rationale": "<why the sample is or is not relevant>"
}

3. Keep in mind
- Judge fit with the validation examples, not general quality; polished but off-task text scores low.
- A sample with nothing in common with the task (topic, domain, kind of task) gets 1s, with a short reason.
- When the examples are unclear, go by what they share and judge cautiously.
- Use the scale the same way every time, and reason only from what the sample actually says.

For example:
{
  "dimension_scores": {"topical_relevance": 1, "linguistic_style_match": 3, "task_match": 2,
                       "knowledge_alignment": 2, "potential_utility": 1},
  "flags": ["topic_mismatch"],
  "rationale": "A recipe blog post, while the task is answering questions about contract law."
}
"""


class LLMTaskRelevanceFilter(LLMAnalysisFilter):
    """Keep samples whose LLM-judged relevance to a task (``task_desc``, ``valid_dataset``) is at least min_score.

    The user message starts with ``# Task Description`` and ``# Validation Data`` blocks (the
    first ``n_shot`` validation samples, shown through ``input_keys``), then the sample. The
    stat is the mean of five 1-5 dimension scores divided by 5. A score of 0.0 (no usable
    answer after ``try_num`` tries) keeps the sample, as in Data-Juicer; an existing
    non-negative score is reused. The default system prompt is our own wording of
    Data-Juicer's, with the same dimensions and JSON layout.

    Stats: ``llm_task_relevance``, ``llm_task_relevance_record``, ``llm_task_relevance_tags``.

    Example:
        ``{task_desc: "grade-school math word problems", min_score: 0.6}`` keeps a sample rated
        4, 3, 4, 3, 4 (0.72) and drops one rated 1, 2, 1, 1, 1 (0.24).
    """

    class Params(LLMAnalysisParams):
        min_score: float = Field(0.5, description="Lowest score kept (scores are in [0, 1]).")
        valid_dataset: list[dict] | None = Field(None, description="Validation samples showing the task.")
        task_desc: str | None = Field(None, description="Description of the task.")
        n_shot: int | None = Field(None, description="Validation samples shown; unset or 0: all.")

        @model_validator(mode="after")
        def _needs_task(self) -> LLMTaskRelevanceFilter.Params:
            if not self.valid_dataset and self.task_desc is None:
                msg = "set task_desc or valid_dataset: the op judges relevance to that task"
                raise ValueError(msg)
            return self

    stat_keys = ("llm_task_relevance", "llm_task_relevance_record", "llm_task_relevance_tags")
    default_prompt = _PROMPT
    default_dims = ("topical_relevance", "linguistic_style_match", "task_match", "knowledge_alignment",
                    "potential_utility")

    def setup(self) -> None:
        super().setup()
        p = self.params
        head = f"# Task Description\n{p.task_desc}\n\n" if p.task_desc is not None else ""
        if p.valid_dataset:
            tpl = p.field_template or FIELD_TEMPLATE
            blocks = [
                "'''\n" + "\n\n".join(tpl.format(field_name=n, field_data=s[k])
                                      for k, n in zip(p.input_keys, p.field_names, strict=True) if k in s) + "\n'''"
                for s in p.valid_dataset[: p.n_shot or len(p.valid_dataset)]
            ]
            head += "# Validation Data\n" + "\n\n".join(blocks) + "\n\n"
        self.head = head

    def preamble(self) -> str:
        return self.head

    def rows_to_score(self, batch: SampleBatch) -> list[int]:
        scores = batch.get_stat(self.stat_keys[0])
        return [i for i, s in enumerate(scores) if s is None or s < 0]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        scores = batch.get_stat(self.stat_keys[0])
        ranged = self.in_range([s or 0.0 for s in scores], self.params.min_score, None)
        return [ok if s else True for s, ok in zip(scores, ranged, strict=True)]

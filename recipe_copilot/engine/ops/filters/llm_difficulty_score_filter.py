"""llm_difficulty_score_filter: keep samples an LLM rates as hard enough (or easy enough)."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.common.llm_analysis import LLMAnalysisFilter, LLMAnalysisParams
from recipe_copilot.engine.sample import SampleBatch

# our wording of Data-Juicer's default instructions: same dimensions, scale and JSON layout
_PROMPT = """You assess how difficult samples of language-model training data are. Rate each sample \
from several angles and justify the ratings.

1. Dimensions (rate each from 1 = a beginner can handle it, 3 = intermediate, 5 = needs an expert)
- Linguistic complexity: how demanding are the vocabulary and sentence structure?
- Conceptual depth: how abstract or theory-heavy is it?
- Prior knowledge: how much specialised background does it assume?
- Step complexity: how many reasoning or solution steps does it take?
- Ambiguity: how many reasonable readings does it allow?

2. Answer with one JSON object and nothing else, in this layout:
{
  "dimension_scores": {"linguistic_complexity": <1-5>, "conceptual_depth": <1-5>, "prior_knowledge": <1-5>,
                       "step_complexity": <1-5>, "ambiguity": <1-5>},
  "flags": ["<short_label>", ...],
  "rationale": "<what makes it hard or easy>"
}

3. Keep in mind
- Separate difficulty inherent to the content from difficulty caused by poor presentation.
- Readers differ in culture and education; do not assume one background.
- Flag samples that combine knowledge from several fields, depend on time-sensitive facts,
  or are so ambiguous that their difficulty is hard to pin down.

For example:
{
  "dimension_scores": {"linguistic_complexity": 2, "conceptual_depth": 4, "prior_knowledge": 5,
                       "step_complexity": 3, "ambiguity": 2},
  "flags": ["domain_expertise"],
  "rationale": "Plain wording, but it assumes graduate-level knowledge of thermodynamics to follow the argument."
}
"""


class LLMDifficultyScoreFilter(LLMAnalysisFilter):
    """Keep samples whose LLM-judged difficulty score is in [min_score, max_score].

    The model (any OpenAI-compatible endpoint, see docs/llm_ops.md) rates linguistic
    complexity, conceptual depth, prior knowledge, step complexity and ambiguity from 1 to 5;
    the stat is their mean divided by 5. Unparsable answers are asked again up to ``try_num``
    times, then score 0.0. The default system prompt is our own wording of Data-Juicer's,
    with the same dimensions and JSON layout.

    Stats: ``llm_difficulty_score``, ``llm_difficulty_record``, ``llm_difficulty_tags``.

    Example:
        Ratings 2, 4, 5, 3, 2 give 16/5/5 = 0.64: kept with the defaults (0.5 to 1.0).
    """

    class Params(LLMAnalysisParams):
        min_score: float = Field(0.5, description="Lowest score kept (scores are in [0, 1]).")
        max_score: float = Field(1.0, description="Highest score kept.")

    stat_keys = ("llm_difficulty_score", "llm_difficulty_record", "llm_difficulty_tags")
    default_prompt = _PROMPT
    default_dims = ("linguistic_complexity", "conceptual_depth", "prior_knowledge", "step_complexity", "ambiguity")

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        p = self.params
        return self.in_range(batch.get_stat(self.stat_keys[0]), p.min_score, p.max_score)

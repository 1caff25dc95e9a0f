"""llm_quality_score_filter: keep samples an LLM rates as good training data."""

from __future__ import annotations

from pydantic import Field

from recipe_copilot.engine.ops.common.llm_analysis import LLMAnalysisFilter, LLMAnalysisParams
from recipe_copilot.engine.sample import SampleBatch

# our wording of Data-Juicer's default instructions: same dimensions, scale and JSON layout
_PROMPT = """You review samples of text that may be used to train a language model. Judge the quality \
of each sample on several dimensions and explain your judgement briefly.

1. Dimensions (score each from 1 = very poor to 5 = excellent)
- Accuracy: are the facts correct and checkable?
- Grammar: is the language correct and fluent?
- Informativeness: how much useful, substantive content does it carry?
- Coherence: is it logically organised and consistent?

2. How to score
- Rely on what the text actually says, not on guesses.
- Flag a sample for human review when you are not confident about it.
- Score similar samples consistently.
- Give low scores to invented or misleading claims.
- Treat unsupported medical or legal statements as risky; read cultural references in context.

3. Answer with one JSON object and nothing else, in this layout:
{
  "dimension_scores": {"accuracy": <1-5>, "grammar": <1-5>, "informativeness": <1-5>, "coherence": <1-5>},
  "flags": ["<short_issue_label>", ...],
  "rationale": "<a few sentences on the scores>",
  "recommendation": ["keep" | "review" | "discard"]
}

For example:
{
  "dimension_scores": {"accuracy": 3, "grammar": 5, "informativeness": 4, "coherence": 3},
  "flags": ["unverified_claim"],
  "rationale": "Clear and well written, but one central claim cannot be verified and the argument jumps between topics.",
  "recommendation": ["review"]
}
"""


class LLMQualityScoreFilter(LLMAnalysisFilter):
    """Keep samples whose LLM-judged quality score is in [min_score, max_score].

    The model (any OpenAI-compatible endpoint, see docs/llm_ops.md) scores accuracy, grammar,
    informativeness and coherence from 1 to 5; the stat is their mean divided by 5. An answer
    without a JSON object is asked again up to ``try_num`` times, then scores 0.0 (dropped by
    the default bounds); an answer without ``dimension_scores`` scores 0.0 at once. The default
    system prompt is our own wording of Data-Juicer's, with the same dimensions and JSON layout.

    Stats: ``llm_quality_score``, ``llm_quality_record`` (the answer as JSON text),
    ``llm_quality_tags``.

    Example:
        An answer ``{"dimension_scores": {"accuracy": 4, "grammar": 5, "informativeness": 3,
        "coherence": 4}}`` gives 16/4/5 = 0.8: kept with the defaults (0.5 to 1.0).
    """

    class Params(LLMAnalysisParams):
        min_score: float = Field(0.5, description="Lowest score kept (scores are in [0, 1]).")
        max_score: float = Field(1.0, description="Highest score kept.")

    stat_keys = ("llm_quality_score", "llm_quality_record", "llm_quality_tags")
    default_prompt = _PROMPT
    default_dims = ("accuracy", "grammar", "informativeness", "coherence")

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        p = self.params
        return self.in_range(batch.get_stat(self.stat_keys[0]), p.min_score, p.max_score)

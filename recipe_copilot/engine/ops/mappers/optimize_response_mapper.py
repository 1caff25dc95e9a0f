"""optimize_response_mapper: an LLM rewrites each response to be more detailed and specific."""

from __future__ import annotations

from recipe_copilot.engine.ops.common.llm_optimize import OptimizeMapper, OptimizeParams

# our wording of Data-Juicer's default (Chinese, like it)
_PROMPT = "改写问答对中的回答，使它更具体、更详细，同时仍然回答原来的问题。只输出改写后的回答，不要输出其他任何内容。"


class OptimizeResponseMapper(OptimizeMapper):
    """Rewrite ``response`` with an LLM (local or behind an endpoint); the query stays.

    ``is_hf_model: true`` (the default) runs a local transformers model, ``false`` calls an
    OpenAI-compatible endpoint (docs/llm_ops.md). The whole answer, stripped, is the new response;
    an empty answer is asked again up to ``try_num`` times, then the response is left as it was
    (``output_pattern`` is not used, as in Data-Juicer). The default system prompt is our own
    (Chinese) wording of Data-Juicer's.

    Example:
        The answer ``"植物利用光能，把二氧化碳和水合成有机物并释放氧气。"`` becomes the new ``response``.
    """

    class Params(OptimizeParams):
        pass

    default_prompt = _PROMPT

    def parse(self, raw: str) -> tuple[str | None, str | None]:
        return None, raw.strip()

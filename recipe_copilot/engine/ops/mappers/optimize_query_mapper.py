"""optimize_query_mapper: an LLM rewrites each query to be more specific and detailed."""

from __future__ import annotations

from recipe_copilot.engine.ops.common.llm_optimize import OptimizeMapper, OptimizeParams

# our wording of Data-Juicer's default (Chinese, like it)
_PROMPT = "改写问答对中的【问题】，使它更具体、更详细，并且原来的回答依然能够回答它。只输出改写后的【问题】，不要输出其他任何内容。"


class OptimizeQueryMapper(OptimizeMapper):
    """Rewrite ``query`` with an LLM (local or behind an endpoint); the response stays.

    ``is_hf_model: true`` (the default) runs a local transformers model, ``false`` calls an
    OpenAI-compatible endpoint (docs/llm_ops.md). The whole answer, stripped, is the new query;
    an empty answer is asked again up to ``try_num`` times, then the query is left as it was
    (``output_pattern`` is not used, as in Data-Juicer). The default system prompt is our own (Chinese) wording of
    Data-Juicer's.

    Example:
        ``{"query": "光合作用?", "response": "..."}`` with the answer ``" 光合作用需要哪些条件？\\n"``
        gets ``query = "光合作用需要哪些条件？"``.
    """

    class Params(OptimizeParams):
        pass

    default_prompt = _PROMPT

    def parse(self, raw: str) -> tuple[str | None, str | None]:
        return raw.strip(), None

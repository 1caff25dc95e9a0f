"""calibrate_query_mapper: an LLM rewrites each query to be more detailed and accurate."""

from __future__ import annotations

from recipe_copilot.engine.ops.common.llm_calibrate import CalibrateMapper, CalibrateParams

# our wording of Data-Juicer's default (Chinese, like it)
_PROMPT = (
    "依据【参考信息】改进问答对中的【问题】：让它更具体、更准确，同时保证原来的回答仍然能回答它。"
    "只输出改进后的问题本身，不要附加任何其他内容。"
)


class CalibrateQueryMapper(CalibrateMapper):
    """Rewrite ``query`` with an LLM, using the text as reference; the response stays.

    The whole answer, stripped, is the new query (an empty answer is asked again up to
    ``try_num`` times, then the query is left as it was). The default system prompt is our own
    (Chinese) wording of Data-Juicer's.

    Example:
        ``{"text": "...", "query": "光合作用?", "response": "..."}`` with the answer
        ``" 植物的光合作用需要哪些条件？ "`` gets ``query = "植物的光合作用需要哪些条件？"``.
    """

    class Params(CalibrateParams):
        pass

    default_prompt = _PROMPT

    def parse(self, raw: str) -> tuple[str | None, str | None]:
        return raw.strip(), None

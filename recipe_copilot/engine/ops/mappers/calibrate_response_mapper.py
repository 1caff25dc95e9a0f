"""calibrate_response_mapper: an LLM rewrites each response to be more detailed and accurate."""

from __future__ import annotations

from recipe_copilot.engine.ops.common.llm_calibrate import OUTPUT_PATTERN, CalibrateMapper, CalibrateParams

# our wording of Data-Juicer's default (Chinese, like it)
_PROMPT = (
    "依据【参考信息】改进问答对中的【回答】：让它更详尽、更准确，同时保证它仍然回答原来的问题。"
    "只输出改进后的回答本身，不要附加任何其他内容。"
)


class CalibrateResponseMapper(CalibrateMapper):
    """Rewrite ``response`` with an LLM, using the text as reference; the query stays.

    The whole answer, stripped, is the new response; with a custom ``output_pattern`` that
    matches the answer's start, its last matched group is used instead. An empty answer is
    asked again up to ``try_num`` times, then the response is left as it was. The default
    system prompt is our own (Chinese) wording of Data-Juicer's.

    Example:
        The answer ``"植物利用光能，把二氧化碳和水合成有机物并释放氧气。"`` becomes the new ``response``.
    """

    class Params(CalibrateParams):
        pass

    default_prompt = _PROMPT

    def parse(self, raw: str) -> tuple[str | None, str | None]:
        if (self.params.output_pattern or OUTPUT_PATTERN) != OUTPUT_PATTERN:
            found = self.pattern.match(raw)
            if found:
                return None, found.group(found.lastindex).strip()
        return None, raw.strip()

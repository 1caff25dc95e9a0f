"""calibrate_qa_mapper: an LLM rewrites each query/response pair to be more detailed and accurate."""

from __future__ import annotations

from recipe_copilot.engine.ops.common.llm_calibrate import CalibrateMapper, CalibrateParams

# our wording of Data-Juicer's default (Chinese, like it); the 【问题】/【回答】 layout is what the parser reads
_PROMPT = (
    "参照给出的【参考信息】，改写下面的【问题】和【回答】，让二者更准确、内容更充实。\n"
    "请严格按下面的格式输出：\n"
    "【问题】\n"
    "改写后的问题\n"
    "【回答】\n"
    "改写后的回答"
)


class CalibrateQAMapper(CalibrateMapper):
    """Rewrite ``query`` and ``response`` with an LLM, using the text as reference.

    The answer must start with ``【问题】`` and hold ``【回答】`` (``output_pattern``, matched at
    the start without DOTALL, as in Data-Juicer: the question is one line and the response is
    the first line after its marker). A part that is empty is left as it was; an answer that
    does not match is asked again up to ``try_num`` times. The default system prompt is our
    own (Chinese) wording of Data-Juicer's, asking for the same layout.

    Example:
        The answer ``"【问题】什么是光合作用？\\n【回答】植物利用光能合成有机物的过程。"`` sets
        ``query`` and ``response`` to those two lines.
    """

    class Params(CalibrateParams):
        pass

    default_prompt = _PROMPT

"""optimize_qa_mapper: an LLM rewrites each query/response pair to be more detailed and accurate."""

from __future__ import annotations

from recipe_copilot.engine.ops.common.llm_optimize import OptimizeMapper, OptimizeParams

# our wording of Data-Juicer's default (Chinese, like it); the 【问题】/【回答】 layout is what the parser reads
_PROMPT = (
    "请改进下面给出的问答对，让【问题】表述更清楚具体，让【回答】更详尽、更准确。\n"
    "直接输出改进后的问答对，并严格使用下面的标记格式：\n"
    "【问题】\n"
    "改进后的问题\n"
    "【回答】\n"
    "改进后的回答"
)


class OptimizeQAMapper(OptimizeMapper):
    """Rewrite ``query`` and ``response`` with an LLM: a local transformers model or an endpoint.

    ``is_hf_model: true`` (the default, as in Data-Juicer) runs ``api_or_hf_model`` here, a
    model folder or a hub id already downloaded (docs/llm_ops.md); ``false`` calls an
    OpenAI-compatible endpoint (``enable_vllm`` is refused: use a vLLM server). The user message
    is ``input_template`` around ``qa_pair_template``; the answer is read with ``output_pattern``
    matched at its start with DOTALL (default ``.*?【问题】\\s*(.*?)\\s*【回答】\\s*(.*)``, so a
    preamble and multi-line parts are fine). An empty part leaves the field as it was; an answer
    that gives neither part is asked again up to ``try_num`` times. The default system prompt
    is our own (Chinese) wording of Data-Juicer's, asking for the same layout.

    Example:
        The answer ``"好的。\\n【问题】什么是光合作用？\\n【回答】植物利用光能\\n合成有机物。"`` sets
        ``query = "什么是光合作用？"`` and ``response = "植物利用光能\\n合成有机物。"``.
    """

    class Params(OptimizeParams):
        pass

    default_prompt = _PROMPT

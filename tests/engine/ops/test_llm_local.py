"""common/llm_local: LLM ops with ``is_hf_model: true`` on a tiny random causal LM built here.

Two model folders share one byte-level tokenizer: ``random`` (a 1-layer Llama with random
weights: its text is garbage, so its tests check plumbing) and ``forced`` (the same model with a
zero LM head: every logit ties, greedy decoding picks token 0, whose text is ``FORCED``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
from transformers.convert_slow_tokenizer import bytes_to_unicode

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.common import accel
from recipe_copilot.engine.ops.common.llm_local import LocalChatClient
from recipe_copilot.engine.ops.filters.llm_quality_score_filter import LLMQualityScoreFilter
from recipe_copilot.engine.ops.mappers.optimize_qa_mapper import OptimizeQAMapper
from recipe_copilot.engine.testing import run_rows

SCORES = {"accuracy": 5, "grammar": 4, "informativeness": 3, "coherence": 4}
FORCED = "【问题】新问题【回答】" + json.dumps({"dimension_scores": SCORES, "recommendation": ["keep"]}, separators=(",", ":"))
TEMPLATE = ("{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"
            "{% if add_generation_prompt %}<|assistant|>{% endif %}")
ROW = {"text": "unused", "query": "光合作用?", "response": "合成东西"}
QA = "optimize_qa_mapper"


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    """``random`` and ``forced`` model folders (~100 KB each)."""
    base = tmp_path_factory.mktemp("tiny-llm")
    byte_chars = bytes_to_unicode()
    as_bytes = "".join(byte_chars[b] for b in FORCED.encode())  # the forced text in byte-level spelling
    vocab = {as_bytes: 0, "<s>": 1, "</s>": 2, "<pad>": 3}
    vocab.update({c: i + 4 for i, c in enumerate(byte_chars.values())})
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])  # BOS, as Llama's
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                   model_input_names=["input_ids", "token_type_ids", "attention_mask"])  # as BERT's
    fast.chat_template = TEMPLATE
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096,
                         bos_token_id=1, eos_token_id=2, pad_token_id=3, tie_word_embeddings=False,
                         initializer_range=0.5)  # large weights: the answer depends on the whole prompt
    model = LlamaForCausalLM(config)
    for name in ("random", "forced"):
        if name == "forced":
            torch.nn.init.zeros_(model.lm_head.weight)
        model.save_pretrained(base / name)
        fast.save_pretrained(base / name)
    return base


@pytest.fixture
def generated(monkeypatch) -> list[int]:
    """Prompts each LocalChatClient.generate call was given (a spy; generation is real)."""
    calls: list[int] = []
    real = LocalChatClient.generate

    def spy(self, conversations, kwargs):
        calls.append(len(conversations))
        return real(self, conversations, kwargs)

    monkeypatch.setattr(LocalChatClient, "generate", spy)
    return calls


def qa(models_dir: Path, rows: list[dict], model: str = "random", **params: object):
    return run_rows(rows, [{QA: {"api_or_hf_model": str(models_dir / model), "accelerator": "cpu", **params}}])


def test_prompts_use_the_chat_template_and_answers_are_the_new_tokens(models_dir) -> None:
    client = LocalChatClient(str(models_dir / "random"), {"cache": False, "batch_size": 2}, None, "cpu", "test")
    convs = [[{"role": "system", "content": "S"}, {"role": "user", "content": "hi"}],
             [{"role": "system", "content": "be brief"}, {"role": "user", "content": "a longer question here?"}],
             [{"role": "user", "content": "x"}]]
    kwargs = client.generation_kwargs({"max_new_tokens": 6})
    assert kwargs == {"max_new_tokens": 6}
    assert client.prompt(convs[0]) == "<|system|>S\n<|user|>hi\n<|assistant|>"
    fed: list[list[int]] = []
    real = client.model.generate

    def spy(**kw):
        fed.extend(ids[mask.bool()].tolist() for ids, mask in zip(kw["input_ids"], kw["attention_mask"], strict=True))
        return real(**kw)

    client.model.generate = spy  # the model is shared by the process's clients: undone below
    try:
        got = client.generate(convs, kwargs)  # two batches, the long prompt left-padded with another
    finally:
        del client.model.generate
    tok = AutoTokenizer.from_pretrained(models_dir / "random")
    model = LlamaForCausalLM.from_pretrained(models_dir / "random").eval()
    for conv, text in zip(convs, got, strict=True):
        prompt = "".join(f"<|{m['role']}|>{m['content']}\n" for m in conv) + "<|assistant|>"
        ids = tok(prompt, add_special_tokens=False, return_tensors="pt")
        assert ids["input_ids"][0].tolist() in fed  # the template writes the prompt; no BOS added on top
        seq = model.generate(ids["input_ids"], attention_mask=ids["attention_mask"], max_new_tokens=6,
                             do_sample=False, pad_token_id=3)
        assert text == tok.decode(seq[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
        assert text and "<|assistant|>" not in text  # the prompt is not echoed
    assert client.sent == 3
    template, client.tokenizer.chat_template = client.tokenizer.chat_template, None
    try:
        assert client.prompt(convs[0]) == "system: S\nuser: hi\nassistant:"
    finally:
        client.tokenizer.chat_template = template


def test_sampling_params_map_as_data_juicer_does(models_dir) -> None:
    client = LocalChatClient(str(models_dir / "random"), {"cache": False}, None, "cpu", "test")
    assert client.generation_kwargs({}) == {"max_new_tokens": 512}  # Data-Juicer's floor for HF models
    assert client.generation_kwargs({"max_tokens": 7, "top_p": 0.9}) == {"max_new_tokens": 7, "top_p": 0.9}
    assert client.generation_kwargs({"temperature": 0}) == {"max_new_tokens": 512, "do_sample": False}
    with pytest.raises(ParamError, match=r"\['stop'\]"):
        client.generation_kwargs({"stop": ["\n"]})
    with pytest.raises(ParamError, match="num_return_sequences"):
        qa(models_dir, [ROW], sampling_params={"num_return_sequences": 2})  # refused at setup


def test_default_optimize_recipe_runs_the_local_model_and_keeps_an_unparsed_pair(models_dir, generated) -> None:
    out = qa(models_dir, [ROW, {**ROW, "query": "另一个"}], sampling_params={"max_new_tokens": 8})
    assert out.rows == [ROW, {**ROW, "query": "另一个"}] and not out.errors
    assert generated == [2]  # greedy: a retry would repeat the answer, so each pair is asked once
    sampled = {"max_new_tokens": 8, "do_sample": True, "top_k": 0}
    out = qa(models_dir, [ROW], sampling_params=sampled, try_num=3)
    assert out.rows == [ROW]
    assert generated == [2, 1, 1, 1]  # sampling: asked again up to try_num times
    out = qa(models_dir, [ROW], sampling_params=sampled, try_num=3)
    assert generated == [2, 1, 1, 1] and out.rows == [ROW]  # a re-run comes from the cache


def test_a_parseable_answer_rewrites_the_pair(models_dir) -> None:
    out = qa(models_dir, [ROW], model="forced", sampling_params={"max_new_tokens": 1})
    assert out.rows[0]["query"] == "新问题" and json.loads(out.rows[0]["response"])["dimension_scores"] == SCORES


def test_quality_filter_scores_the_local_answer_and_caches_it(models_dir, generated, tmp_path) -> None:
    op = {"llm_quality_score_filter": {"is_hf_model": True, "api_or_hf_model": str(models_dir / "forced"),
                                       "accelerator": "cpu", "min_score": 0.8, "sampling_params": {"max_new_tokens": 1}}}
    rows = [{"text": "first sample"}, {"text": "second"}]
    out = run_rows(rows, [op])
    assert generated == [2]
    assert out.stats("llm_quality_score") == [0.8, 0.8]  # (5 + 4 + 3 + 4) / 4 / 5
    assert json.loads(out.stats("llm_quality_record")[0])["recommendation"] == ["keep"]
    assert out.texts == ["first sample", "second"]
    again = run_rows(rows, [op])
    assert generated == [2] and again.rows == out.rows  # nothing generated the second time
    with sqlite3.connect(tmp_path / "llm-cache.sqlite") as db:  # the test's RC_LLM_CACHE
        assert db.execute("SELECT count(*) FROM answers").fetchone() == (2,)


def test_accelerator_defaults_and_cuda_falls_back_to_cpu(models_dir, monkeypatch, caplog) -> None:
    assert OptimizeQAMapper().accelerator == "cuda"  # Data-Juicer's default: a local model on the GPU
    assert OptimizeQAMapper(OptimizeQAMapper.Params(is_hf_model=False)).accelerator == "cpu"  # an endpoint
    assert LLMQualityScoreFilter().accelerator == "cpu"
    assert LLMQualityScoreFilter(LLMQualityScoreFilter.Params(is_hf_model=True)).accelerator == "cuda"
    assert LLMQualityScoreFilter(LLMQualityScoreFilter.Params(accelerator="cuda")).accelerator == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(accel, "_warned", set())
    with caplog.at_level(logging.WARNING):
        out = qa(models_dir, [ROW, ROW], model="forced", accelerator="cuda", sampling_params={"max_new_tokens": 1})
    assert [r["query"] for r in out.rows] == ["新问题", "新问题"]
    fallbacks = [r for r in caplog.records if r.name == accel.__name__]
    assert len(fallbacks) == 1 and "optimize_qa_mapper" in fallbacks[0].getMessage()


def test_missing_model_and_in_process_vllm_are_clear_errors(tmp_path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ParamError, match=rf"local model '{missing}' not found.*never downloaded"):
        run_rows([ROW], [{QA: {"api_or_hf_model": str(missing)}}])
    with pytest.raises(ParamError, match=r"enable_vllm=true.*OpenAI-compatible endpoint"):
        run_rows([ROW], [{QA: {"api_or_hf_model": str(missing), "enable_vllm": True}}])

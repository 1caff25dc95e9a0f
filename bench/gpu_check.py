"""GPU check of the CUDA path: one model-backed op run with ``accelerator: cpu`` and ``cuda``.

A small BERT-style encoder is built in code with random weights (nothing can be downloaded)
and saved to a temporary folder; ``text_embd_similarity_filter`` reads it as a local model
(``is_hf_model: true``) and scores the same generated texts on the CPU and on the GPU. The
check prints and writes (``--out``) the throughput of each, the ratio, and whether the two
agree (largest stat difference, same keep decisions).

With ``--llm``, a small random Llama-style causal LM is built too and ``optimize_qa_mapper``
runs it as a local model (``is_hf_model: true``, greedy, response cache off) on the same
query/response pairs on the CPU and the GPU: prompts per second of each, and how many
generated texts are identical (near-ties in random logits may flip a token now and then).

Usage, on a GPU machine (torch and transformers installed; see bench/gpu_wheels.sh for the
small wheels the engine needs beside them):

    PYTHONPATH=. python bench/gpu_check.py --rows 20000 --out gpu_check.json

On a machine without a GPU, the cuda run falls back to the CPU with a warning; the check then
says so and exits 2.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

_WORDS = [f"w{i}" for i in range(2000)]


def build_model(folder: Path, *, hidden: int, layers: int, seed: int = 0) -> None:
    """A randomly initialised BERT encoder and a WordPiece tokenizer over a made-up vocabulary."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *_WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), model_max_length=512).save_pretrained(folder)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=max(1, hidden // 64), intermediate_size=4 * hidden,
                        max_position_embeddings=512)
    BertModel(config).save_pretrained(folder)


def texts(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(40, 300))) for _ in range(n)]


def score(model: Path, rows: list[str], accelerator: str) -> tuple[list[float], list[bool], float, str]:
    """(stats, keep decisions, seconds, device used) of the op over ``rows``."""
    from recipe_copilot.engine.ops import get_op_class
    from recipe_copilot.engine.ops.base import OpRun
    from recipe_copilot.engine.sample import SampleBatch

    cls = get_op_class("text_embd_similarity_filter")
    op = cls(cls.validate_params({"api_or_hf_model": str(model), "is_hf_model": True, "pooling": "mean",
                                  "valid_dataset": [{"text": t} for t in texts(16, seed=7)],
                                  "min_score": 0.5, "accelerator": accelerator}))
    op.ensure_ready()  # loads the model: not timed
    batch = SampleBatch({"text": list(rows)})
    start = time.perf_counter()
    op.run_batch(batch, OpRun())
    seconds = time.perf_counter() - start
    return batch.get_stat("text_embd_similarity"), op.keep_batch(batch), seconds, op._embed["device"]


def build_llm(folder: Path, *, hidden: int, layers: int, seed: int = 0) -> None:
    """A randomly initialised Llama causal LM; the encoder's WordPiece tokenizer with a chat template."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(folder.parent / "encoder")
    tok.chat_template = ("{% for m in messages %}[CLS] {{ m.role }} {{ m.content }} [SEP] {% endfor %}"
                         "{% if add_generation_prompt %}[CLS] assistant{% endif %}")
    tok.save_pretrained(folder)
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers, intermediate_size=4 * hidden,
                         num_attention_heads=max(1, hidden // 64), num_key_value_heads=max(1, hidden // 64),
                         max_position_embeddings=4096, bos_token_id=2, eos_token_id=3, pad_token_id=0)
    LlamaForCausalLM(config).save_pretrained(folder)


def generate(model: Path, n: int, accelerator: str, new_tokens: int) -> tuple[list[str], float, str]:
    """(generated texts, seconds, device used) of optimize_qa_mapper over ``n`` pairs."""
    from recipe_copilot.engine.ops import get_op_class
    from recipe_copilot.engine.ops.base import OpRun
    from recipe_copilot.engine.sample import SampleBatch

    cls = get_op_class("optimize_qa_mapper")
    op = cls(cls.validate_params({"api_or_hf_model": str(model), "accelerator": accelerator, "try_num": 1,
                                  "model_params": {"cache": False}, "sampling_params": {"max_new_tokens": new_tokens}}))
    op.ensure_ready()  # loads the model: not timed
    made: list[str] = []
    real = op.client.generate
    op.client.generate = lambda convs, kw: made.extend(out := real(convs, kw)) or out
    batch = SampleBatch({"text": [""] * n, "query": [t[:200] for t in texts(n, seed=3)], "response": texts(n, seed=4)})
    run, start = OpRun(), time.perf_counter()
    op.run_batch(batch, run)
    if run.errors:
        raise RuntimeError(run.quarantined[0]["error"])
    return made, time.perf_counter() - start, op.client.device


def check_llm(args: argparse.Namespace, tmp: Path) -> dict:
    build_llm(tmp / "llm", hidden=args.llm_hidden, layers=args.llm_layers)
    n_cpu = min(args.llm_cpu_rows, args.llm_rows)
    cpu_out, cpu_s, _ = generate(tmp / "llm", n_cpu, "cpu", args.llm_new_tokens)
    gpu_out, gpu_s, device = generate(tmp / "llm", args.llm_rows, "cuda", args.llm_new_tokens)
    same = sum(a == b for a, b in zip(cpu_out, gpu_out[:n_cpu], strict=True))
    return {"model": {"hidden": args.llm_hidden, "layers": args.llm_layers, "random_weights": True},
            "device_used": device, "max_new_tokens": args.llm_new_tokens,
            "cpu": {"prompts": n_cpu, "seconds": round(cpu_s, 3), "prompts_per_s": round(n_cpu / cpu_s, 2)},
            "cuda": {"prompts": args.llm_rows, "seconds": round(gpu_s, 3), "prompts_per_s": round(args.llm_rows / gpu_s, 2)},
            "speedup": round((args.llm_rows / gpu_s) / (n_cpu / cpu_s), 2),
            "identical_texts": f"{same}/{n_cpu}", "outputs_match": same >= 0.9 * n_cpu}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--hidden", type=int, default=384, help="Hidden size of the random encoder (MiniLM: 384).")
    ap.add_argument("--layers", type=int, default=6, help="Layers of the random encoder (MiniLM: 6).")
    ap.add_argument("--cpu-rows", type=int, default=2_000, help="Rows timed on the CPU (it is slow).")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--llm", action="store_true", help="Also check optimize_qa_mapper with a local causal LM.")
    ap.add_argument("--llm-rows", type=int, default=512, help="Pairs generated on the GPU.")
    ap.add_argument("--llm-cpu-rows", type=int, default=64, help="Pairs generated on the CPU (it is slow).")
    ap.add_argument("--llm-hidden", type=int, default=256)
    ap.add_argument("--llm-layers", type=int, default=4)
    ap.add_argument("--llm-new-tokens", type=int, default=32)
    args = ap.parse_args(argv)

    import torch

    rows = texts(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "encoder"
        model.mkdir()
        build_model(model, hidden=args.hidden, layers=args.layers)
        n_cpu = min(args.cpu_rows, args.rows)
        cpu_stats, cpu_keep, cpu_s, _ = score(model, rows[:n_cpu], "cpu")
        gpu_stats, gpu_keep, gpu_s, device = score(model, rows, "cuda")
        llm = check_llm(args, Path(tmp)) if args.llm else None
    diff = max(abs(a - b) for a, b in zip(cpu_stats, gpu_stats[:n_cpu], strict=True))
    flips = sum(a != b for a, b in zip(cpu_keep, gpu_keep[:n_cpu], strict=True))
    result = {
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "device_used": device, "torch": torch.__version__,
        "encoder": {"hidden": args.hidden, "layers": args.layers, "random_weights": True},
        "cpu": {"rows": n_cpu, "seconds": round(cpu_s, 3), "rows_per_s": round(n_cpu / cpu_s, 1),
                "threads": torch.get_num_threads()},
        "cuda": {"rows": args.rows, "seconds": round(gpu_s, 3), "rows_per_s": round(args.rows / gpu_s, 1)},
        "speedup": round((args.rows / gpu_s) / (n_cpu / cpu_s), 2),
        "max_stat_difference": diff, "keep_decisions_differing": flips,
        "outputs_match": diff < 1e-3 and flips <= max(1, n_cpu // 1000),
    }
    if llm is not None:
        result["llm"] = llm
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    if device != "cuda":
        print("no GPU: the cuda run fell back to the CPU", file=sys.stderr)
        return 2
    return 0 if result["outputs_match"] and (llm is None or llm["outputs_match"]) else 1


if __name__ == "__main__":
    sys.exit(main())

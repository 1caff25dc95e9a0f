"""GPU check of the CUDA path: one model-backed op run with ``accelerator: cpu`` and ``cuda``.

A small BERT-style encoder is built in code with random weights (nothing can be downloaded)
and saved to a temporary folder; ``text_embd_similarity_filter`` reads it as a local model
(``is_hf_model: true``) and scores the same generated texts on the CPU and on the GPU. The
check prints and writes (``--out``) the throughput of each, the ratio, and whether the two
agree (largest stat difference, same keep decisions).

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--hidden", type=int, default=384, help="Hidden size of the random encoder (MiniLM: 384).")
    ap.add_argument("--layers", type=int, default=6, help="Layers of the random encoder (MiniLM: 6).")
    ap.add_argument("--cpu-rows", type=int, default=2_000, help="Rows timed on the CPU (it is slow).")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)

    import torch

    rows = texts(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp)
        build_model(model, hidden=args.hidden, layers=args.layers)
        n_cpu = min(args.cpu_rows, args.rows)
        cpu_stats, cpu_keep, cpu_s, _ = score(model, rows[:n_cpu], "cpu")
        gpu_stats, gpu_keep, gpu_s, device = score(model, rows, "cuda")
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
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    if device != "cuda":
        print("no GPU: the cuda run fell back to the CPU", file=sys.stderr)
        return 2
    return 0 if result["outputs_match"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""Time document_minhash_deduplicator (keys + select) on generated documents, ours vs Data-Juicer's.

Usage: python bench/minhash_speed.py [--docs 20000] [--op minhash|simhash|document] [--dj PYTHON]

Data-Juicer's op runs in its own interpreter (``/work/djvenv/bin/python`` when present, or
``--dj``) on the same documents; the script prints docs/s for both and whether both kept the
same rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OPS = {
    "minhash": "document_minhash_deduplicator",
    "simhash": "document_simhash_deduplicator",
    "document": "document_deduplicator",
}

DJ_SCRIPT = r"""
import json, sys, time, importlib
from datasets import Dataset
name, path = sys.argv[1], sys.argv[2]
module = importlib.import_module("data_juicer.ops.deduplicator." + name)
cls = [c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__][0]
texts = json.load(open(path))
ds = Dataset.from_dict({"text": texts, "id": list(range(len(texts)))})
t0 = time.perf_counter()
op = cls()
ds = ds.map(op.compute_hash, num_proc=1)
out, _ = op.process(ds)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "kept": [int(i) for i in out["id"]]}))
"""


def make_docs(n: int, seed: int = 0) -> list[str]:
    """``n`` documents: random word sequences, about a fifth of them edited copies of earlier ones."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(5000)] + ["The", "a,", "of.", "naïve", "中文", "Ünïcode"]
    docs: list[str] = []
    for _ in range(n):
        if docs and rng.random() < 0.2:
            words = rng.choice(docs).split(" ")
            for _ in range(rng.randint(0, max(1, len(words) // 20))):  # a few edits
                words[rng.randrange(len(words))] = rng.choice(vocab)
            docs.append(" ".join(words))
        else:
            docs.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(3, 400))))
    return docs


def run_ours(name: str, docs: list[str], batch: int = 1000) -> tuple[float, list[int]]:
    """Our op's map side over batches of ``batch`` rows, then its reduce, in this process."""
    import numpy as np

    from recipe_copilot.engine.ops import get_op_class
    from recipe_copilot.engine.sample import SampleBatch

    t0 = time.perf_counter()
    op = get_op_class(name)()
    op.ensure_ready()
    parts = [
        op.keys_batch(SampleBatch.from_rows([{"text": t} for t in docs[i : i + batch]]))
        for i in range(0, len(docs), batch)
    ]
    keys = np.concatenate(parts) if isinstance(parts[0], np.ndarray) else [k for p in parts for k in p]
    result = op.select(keys)
    return time.perf_counter() - t0, [int(i) for i in np.flatnonzero(result.keep)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--op", choices=sorted(OPS), default="minhash")
    ap.add_argument("--dj", default="/work/djvenv/bin/python", help="Python of a Data-Juicer install")
    args = ap.parse_args()
    name = OPS[args.op]
    docs = make_docs(args.docs)
    words = sum(d.count(" ") + 1 for d in docs)
    print(f"{name}: {len(docs)} docs, {words / len(docs):.0f} words/doc")
    seconds, kept = run_ours(name, docs)
    print(f"ours:        {seconds:7.2f} s  {len(docs) / seconds:9.0f} docs/s  kept {len(kept)}")
    if not Path(args.dj).exists():
        print(f"Data-Juicer: skipped ({args.dj} not found)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "docs.json"
        path.write_text(json.dumps(docs))
        env = {**os.environ, "HF_DATASETS_CACHE": tmp}
        proc = subprocess.run(
            [args.dj, "-c", DJ_SCRIPT, name, str(path)], capture_output=True, text=True, env=env, check=False
        )
    if proc.returncode:
        print("Data-Juicer failed:\n" + proc.stderr[-2000:])
        sys.exit(1)
    dj = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"Data-Juicer: {dj['seconds']:7.2f} s  {len(docs) / dj['seconds']:9.0f} docs/s  kept {len(dj['kept'])}")
    print(f"speed-up {dj['seconds'] / seconds:.1f}x; same kept rows: {dj['kept'] == kept}")


if __name__ == "__main__":
    main()

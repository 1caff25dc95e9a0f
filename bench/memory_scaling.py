"""Show that peak memory does not grow with input size for recipes without global ops.

Runs the same 6-op mapper+filter recipe (no dedup, no selector) over 100k and 1M generated
samples and reports wall time and peak memory (process tree and largest process).
Results: bench/results/memory_scaling.json.

Usage:
    .venv/bin/python bench/memory_scaling.py [--sizes 100000 1000000] [--np 2]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import measure  # noqa: E402
from text_pipeline import PROCESS, make_data  # noqa: E402

#: the cheaper streaming ops of the text benchmark (no global op), so 1M samples run in minutes
STREAMING = [
    op for op in PROCESS
    if next(iter(op)) in {"clean_email_mapper", "whitespace_normalization_mapper", "text_length_filter",
                          "words_num_filter", "alphanumeric_filter", "special_characters_filter"}
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--np", type=int, default=2)
    args = ap.parse_args()
    results = []
    for n in args.sizes:
        work = HERE / "data" / f"text_{n}"
        data = work / "input.jsonl"
        make_data(data, n)
        recipe = work / "streaming.yaml"
        recipe.write_text(yaml.safe_dump({"dataset_path": str(data), "export_path": str(work / "stream" / "out.jsonl"),
                                          "np": args.np, "process": STREAMING}, sort_keys=False))
        m = measure(f"ours n={n}", [str(HERE.parent / ".venv" / "bin" / "copilot"), "run", str(recipe), "-q"],
                    log=str(work / "stream.log"))
        row = {"n": n, "input_mb": round(data.stat().st_size / 2**20), **m.as_dict(), "docs_per_s": round(n / m.seconds)}
        row.pop("tail")
        results.append(row)
        print(row)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "memory_scaling.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

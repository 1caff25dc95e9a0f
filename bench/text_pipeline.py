"""Benchmark: a 17-op text recipe (mappers, filters, exact + MinHash dedup), ours vs Data-Juicer.

Both run the same recipe on the same generated data with the same ``np``, one after the
other, measured the same way (bench/measure.py). The floor is pyarrow alone reading the JSONL
and writing it back as parquet. Results go to bench/results/text_pipeline.{json,md}.

Usage:
    .venv/bin/python bench/text_pipeline.py [--n 200000] [--np 2] [--dj-python /work/djvenv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import orjson
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(HERE))

from make_sample_data import make_samples  # noqa: E402
from measure import measure  # noqa: E402

PROCESS = [
    {"fix_unicode_mapper": {}},
    {"clean_email_mapper": {}},
    {"clean_links_mapper": {}},
    {"clean_ip_mapper": {}},
    {"punctuation_normalization_mapper": {}},
    {"whitespace_normalization_mapper": {}},
    {"remove_long_words_mapper": {"min_len": 1, "max_len": 128}},
    {"text_length_filter": {"min_len": 50, "max_len": 100000}},
    {"words_num_filter": {"min_num": 10, "max_num": 20000}},
    {"alphanumeric_filter": {"min_ratio": 0.5}},
    {"average_line_length_filter": {"min_len": 10}},
    {"maximum_line_length_filter": {"min_len": 20}},
    {"character_repetition_filter": {"rep_len": 10, "max_ratio": 0.5}},
    {"word_repetition_filter": {"rep_len": 10, "max_ratio": 0.5}},
    {"special_characters_filter": {"max_ratio": 0.4}},
    {"document_deduplicator": {"lowercase": True}},
    {"document_minhash_deduplicator": {"jaccard_threshold": 0.7}},
]


def make_data(path: Path, n: int) -> None:
    """Write ``n`` generated samples (same generator and seed as the bundled sample)."""
    if path.exists() and count_lines([path]) == n:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    step = 20_000
    with open(path, "wb") as fh:
        for start in range(0, n, step):
            for row in make_samples(min(step, n - start), seed=start):
                fh.write(orjson.dumps(row) + b"\n")


def write_recipe(path: Path, data: Path, out: Path, np_: int) -> None:
    recipe = {
        "project_name": "bench-text",
        "dataset_path": str(data),
        "export_path": str(out),
        "np": np_,
        "process": PROCESS,
    }
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))


def floor_cmd(data: Path, out: Path) -> list[str]:
    code = (
        "import pyarrow.json as pj, pyarrow.parquet as pq, sys;"
        f"t = pj.read_json({str(data)!r}); pq.write_table(t, {str(out)!r}); print(t.num_rows)"
    )
    return [sys.executable, "-c", code]


def output_files(folder: Path) -> list[Path]:
    """The exported data files (not the _stats / .errors side files)."""
    return sorted(p for p in folder.glob("out*.jsonl") if not p.name.endswith(("_stats.jsonl", ".errors.jsonl")))


def count_lines(paths: list[Path]) -> int:
    return sum(p.read_bytes().count(b"\n") for p in paths)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--dj-python", default="/work/djvenv/bin/python")
    ap.add_argument("--skip-dj", action="store_true")
    args = ap.parse_args()

    work = HERE / "data" / f"text_{args.n}"
    data = work / "input.jsonl"
    t0 = time.time()
    make_data(data, args.n)
    print(f"data: {data} ({data.stat().st_size / 2**20:.0f} MB, made in {time.time() - t0:.0f}s)")
    results = {"n": args.n, "np": args.np, "input_mb": round(data.stat().st_size / 2**20, 1), "runs": {}}

    floor = measure("pyarrow floor", floor_cmd(data, work / "floor.parquet"), log=str(work / "floor.log"))
    results["runs"]["floor"] = floor.as_dict()
    print(floor)

    ours_recipe = work / "ours.yaml"
    write_recipe(ours_recipe, data, work / "ours" / "out.jsonl", args.np)
    copilot = str(ROOT / ".venv" / "bin" / "copilot")
    ours = measure("recipe-copilot", [copilot, "run", str(ours_recipe), "--quiet"], log=str(work / "ours.log"))
    results["runs"]["ours"] = ours.as_dict()
    ours_rows = count_lines(output_files(work / "ours"))
    results["runs"]["ours"]["rows_out"] = ours_rows
    print(ours, ours_rows)

    if not args.skip_dj and Path(args.dj_python).exists():
        dj_recipe = work / "dj.yaml"
        write_recipe(dj_recipe, data, work / "dj" / "out.jsonl", args.np)
        env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        dj_bin = str(Path(args.dj_python).parent / "dj-process")
        dj = measure("data-juicer", [dj_bin, "--config", str(dj_recipe)], env=env, log=str(work / "dj.log"))
        results["runs"]["dj"] = dj.as_dict()
        dj_rows = count_lines(output_files(work / "dj"))
        results["runs"]["dj"]["rows_out"] = dj_rows
        print(dj, dj_rows)
        results["ratios"] = {
            "time_ours_over_dj": round(ours.seconds / dj.seconds, 3),
            "tree_mem_ours_over_dj": round(ours.tree_peak_mb / dj.tree_peak_mb, 3),
            "largest_process_ours_over_dj": round(ours.largest_process_mb / dj.largest_process_mb, 3),
            "ours_docs_per_s": round(args.n / ours.seconds),
            "dj_docs_per_s": round(args.n / dj.seconds),
            "floor_docs_per_s": round(args.n / floor.seconds),
        }
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "text_pipeline.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results.get("ratios", {}), indent=2))


if __name__ == "__main__":
    main()

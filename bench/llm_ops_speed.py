"""Benchmark: throughput of an LLM-endpoint op (llm_quality_score_filter), ours vs Data-Juicer 1.6.1.

Both tools run the same one-op recipe end to end (their own CLIs, ``copilot run`` and
``dj-process``) on the same generated samples against a local fake OpenAI server that waits
``--latency`` seconds before each reply, as a busy real endpoint does. The answer to every
request is a valid score JSON picked by the sample's id, so both tools must keep the same rows
with the same scores (checked). Our response cache is off for the timed runs (``model_params.cache:
false``), so every run really calls the server; two final runs with the cache on show that a
re-run makes no requests.

How each side overlaps requests: Data-Juicer calls the endpoint one sample at a time in each of
its ``np`` processes (its executor maps compute_stats with ``num_proc``; an API op's runtime np
is min(np, CPU count)); ours keeps ``model_params.concurrency`` (default 8) requests in flight per
process, over the ``np`` processes that chunks of the input (1 MiB each) are spread on.

Reported per run: wall time of the whole command (start-up included), the server's busy span
(first request in to last reply out), requests made, samples/s; per pairing the speed-up
ours/Data-Juicer (samples/s ratio, i.e. Data-Juicer's wall time over ours).

Run (Data-Juicer's ``openai`` lives on a side path, see bench/llm_ops_conformance.py):
    DJ_PYTHON=/work/djvenv/bin/python DJ_EXTRA_PATH=/tmp/dj-openai .venv/bin/python bench/llm_ops_speed.py
Options: --n 400 --latency 0.1 --skip-dj. Results: bench/results/llm_ops_speed.json and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from llm_ops_conformance import Q, scores  # noqa: E402
from measure import measure  # noqa: E402

from recipe_copilot.copilot.llm.fake_server import FakeOpenAIServer, RecordedRequest  # noqa: E402

OP = "llm_quality_score_filter"
STAT = "llm_quality_score"
TEXT = ("data quality matters for training language models because noisy text teaches noise while "
        "clean varied and factual text teaches useful patterns")


def make_rows(n: int) -> list[dict]:
    """``n`` short documents, each tagged ``sample-<i>`` so the server can answer per sample."""
    words = TEXT.split()
    return [{"text": f"sample-{i}: " + " ".join(words[(i + k) % len(words)] for k in range(30 + i % 40))}
            for i in range(n)]


def dims_for(i: int) -> list[int]:
    """Sample i's scripted 1-5 scores: five quality levels (0.25 to 0.95), three of them kept."""
    return [max(1, min(5, i % 5 + 1 + d)) for d in (0, 1, -1, 0)]


def answer_for(i: int) -> str:
    return scores(Q, *dims_for(i), rationale="scripted")


def same_rows(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    """Same texts in the same order, scores equal to 1e-12 (Data-Juicer's stored stats can be one ulp
    off: datasets keeps ``__dj__stats__`` as JSON text and decodes it with pandas' ujson, which reads
    0.7 as 0.7000000000000001)."""
    return len(a) == len(b) and all(x[0] == y[0] and math.isclose(x[1], y[1], rel_tol=1e-12) for x, y in zip(a, b, strict=True))


class Reply:
    """The server's reply function: the answer for the sample named in the user message; logs arrivals."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> str:
        with self.lock:
            self.arrivals.append(time.perf_counter())
        return answer_for(int(re.search(r"sample-(\d+)", request.messages[-1]["content"]).group(1)))


def kept(folder: Path) -> list[tuple[str, float]]:
    """(text, score) of every exported row, in file order."""
    rows = []
    for path in sorted(folder.glob("out*.jsonl")):
        if path.name.endswith(("_stats.jsonl", ".errors.jsonl")):
            continue
        for line in path.read_bytes().splitlines():
            if line.strip():
                row = orjson.loads(line)
                rows.append((row["text"], (row.get("__dj__stats__") or {}).get(STAT)))
    return rows


def run_one(label: str, who: str, np_: int, op_params: dict, data: Path, work: Path, latency: float,
            dj_python: str) -> dict[str, Any]:
    """One timed run against a fresh fake server; the run's figures and kept rows."""
    out = work / label
    reply = Reply()
    with FakeOpenAIServer(reply, latency=latency) as server:
        mp = {"base_url": server.base_url, "api_key": "fake", **op_params.pop("model_params", {})}
        recipe = {"project_name": f"llm-speed-{label}", "dataset_path": str(data),
                  "export_path": str(out / "out.jsonl"), "np": np_, "keep_stats_in_res_ds": True,
                  "process": [{OP: {"api_or_hf_model": "fake-model", "model_params": mp, **op_params}}]}
        env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        if who == "dj":
            recipe["use_cache"] = False  # no HF datasets cache: every run computes (and asks) afresh
            env["HF_DATASETS_CACHE"] = str(work / "hf_cache")
            if extra := os.environ.get("DJ_EXTRA_PATH"):
                env["PYTHONPATH"] = extra
            cmd = [str(Path(dj_python).parent / "dj-process"), "--config"]
        else:
            env["RC_LLM_CACHE"] = "off"  # only model_params.cache decides below
            cmd = [str(ROOT / ".venv" / "bin" / "copilot"), "run", "--quiet"]
        path = work / f"{label}.yaml"
        path.write_text(yaml.safe_dump(recipe, sort_keys=False))
        m = measure(label, [*cmd, str(path)], env=env, cwd=str(work), log=str(work / f"{label}.log"))
        requests = len(server.chat_requests)
    if m.returncode != 0:
        sys.exit(f"{label} failed (exit {m.returncode}):\n{m.tail}")
    rows = kept(out)
    span = (max(reply.arrivals) - min(reply.arrivals) + latency) if reply.arrivals else 0.0
    return {"label": label, "tool": who, "np": np_, "wall_s": m.seconds, "server_busy_s": round(span, 2),
            "requests": requests, "rows_kept": len(rows), "tree_peak_mb": m.tree_peak_mb, "_rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400, help="samples")
    ap.add_argument("--latency", type=float, default=0.1, help="seconds the server waits before each reply")
    ap.add_argument("--dj-python", default=os.environ.get("DJ_PYTHON", "/work/djvenv/bin/python"))
    ap.add_argument("--skip-dj", action="store_true")
    args = ap.parse_args()

    off = {"model_params": {"cache": False}}
    runs: list[tuple[str, str, int, dict]] = []
    if not args.skip_dj:
        runs += [("dj_np1", "dj", 1, {}), ("dj_np2", "dj", 2, {})]
    runs += [("ours_np1", "ours", 1, off), ("ours_np1_conc1", "ours", 1, {"model_params": {"cache": False,
                                                                                          "concurrency": 1}}),
             ("ours_np2", "ours", 2, off)]
    results: dict[str, Any] = {"op": OP, "n": args.n, "latency_s": args.latency, "cpus": os.cpu_count(),
                               "runs": {}}
    with tempfile.TemporaryDirectory(prefix="llm_ops_speed_") as tmp:
        work = Path(tmp)
        data = work / "input.jsonl"
        rows = make_rows(args.n)
        data.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
        cache = {"model_params": {"cache": str(work / "llm_cache.sqlite")}}
        runs += [("ours_cache_1st", "ours", 1, cache), ("ours_cache_2nd", "ours", 1, json.loads(json.dumps(cache)))]
        for label, who, np_, params in runs:
            r = run_one(label, who, np_, json.loads(json.dumps(params)), data, work, args.latency, args.dj_python)
            r["samples_per_s"] = round(args.n / r["wall_s"], 1)
            results["runs"][label] = r
            print(f"{label}: {r['wall_s']:.2f}s wall, {r['requests']} requests, {r['rows_kept']} kept", flush=True)

    expected = [(r["text"], s) for i, r in enumerate(rows) if 0.5 <= (s := sum(dims_for(i)) / len(Q) / 5) <= 1.0]
    reference = results["runs"]["dj_np1"]["_rows"] if "dj_np1" in results["runs"] else expected
    results["kept_rows_identical"] = {k: same_rows(r["_rows"], reference) for k, r in results["runs"].items()}
    results["scores_bit_identical"] = {k: r.pop("_rows") == reference for k, r in results["runs"].items()}
    results["kept_rows_match_expected"] = same_rows(reference, expected)
    pairs = [("ours_np1", "dj_np1"), ("ours_np1_conc1", "dj_np1"), ("ours_np2", "dj_np2"), ("ours_cache_2nd", "dj_np1")]
    results["speedup_ours_over_dj"] = {
        f"{a} vs {b}": {"samples_per_s": round(results["runs"][b]["wall_s"] / results["runs"][a]["wall_s"], 2),
                        "server_busy": round(results["runs"][b]["server_busy_s"] / results["runs"][a]["server_busy_s"], 2)
                        if results["runs"][a]["server_busy_s"] else None}
        for a, b in pairs if b in results["runs"]}
    out = HERE / "results" / "llm_ops_speed.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"results: {out}")
    if not all(results["kept_rows_identical"].values()) or not results["kept_rows_match_expected"]:
        sys.exit("kept rows differ: " + json.dumps(results["kept_rows_identical"]))


def table(results: dict) -> str:
    """The runs and speed-ups as Markdown."""
    lines = [f"{OP}, {results['n']} samples, server latency {results['latency_s']} s/request, "
             f"{results['cpus']} CPUs", "",
             "| run | tool | np | concurrency | cache | wall s | server busy s | requests | samples/s | kept | same rows |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for label, r in results["runs"].items():
        conc = "1/process" if r["tool"] == "dj" else ("1" if "conc1" in label else "8 (default)")
        cache = "n/a" if r["tool"] == "dj" else ("on" if "cache" in label else "off")
        lines.append(f"| {label} | {r['tool']} | {r['np']} | {conc} | {cache} | {r['wall_s']:.2f} | "
                     f"{r['server_busy_s']:.2f} | {r['requests']} | {r['samples_per_s']} | {r['rows_kept']} | "
                     f"{'yes' if results['kept_rows_identical'][label] else 'NO'} |")
    odd = [k for k, same in results["scores_bit_identical"].items() if not same]
    if odd:
        lines += ["", f"Scores equal to 1e-12 but not bit-identical to dj_np1: {', '.join(odd)} (Data-Juicer's "
                  "stats column round-trips through pandas' ujson, which reads e.g. 0.7 as 0.7000000000000001)."]
    lines += ["", "| pairing | speed-up ours/DJ (wall) | speed-up ours/DJ (server busy) |", "|---|---|---|"]
    for pair, s in results["speedup_ours_over_dj"].items():
        busy = "-" if s["server_busy"] is None else f"{s['server_busy']}x"
        lines.append(f"| {pair} | {s['samples_per_s']}x | {busy} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Scaling of the Ray executor, and what Ray costs against the local executor on the same cores.

For each size, runs the text benchmark's 17-op recipe (mappers, filters, exact and MinHash
dedup: bench/text_pipeline.py) twice on the same generated input: the local executor with
``np`` processes, and the Ray executor on a local Ray started with ``num_cpus = np``. Each run
is its own process, measured with bench/measure.py (wall time, peak memory of the process
tree, which includes Ray's own processes). The outputs are compared byte for byte.
Results: bench/results/ray_scaling.json.

Usage:
    .venv/bin/python bench/ray_scaling.py [--rows 100000 1000000] [--np 2] [--address local] [--ray-first]

``--address`` other than ``local`` runs the Ray side on that cluster (``auto`` joins a running
one); ``num_cpus`` then comes from the cluster.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import measure  # noqa: E402
from text_pipeline import PROCESS, make_data  # noqa: E402

RAY_RUN = """
import json, sys, time, ray
t0 = time.perf_counter()
address, n_cpus, recipe_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if address == "local":
    ray.init(num_cpus=n_cpus, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
else:
    ray.init(address=address, log_to_driver=False, logging_level="WARNING")
started = time.perf_counter() - t0
from recipe_copilot.engine.executors import RayExecutor
from recipe_copilot.engine.recipe import load_recipe
rec = RayExecutor(load_recipe(recipe_path)).run()
print(json.dumps({"ray_start_s": round(started, 2), "run_s": rec.seconds, "rows_out": rec.rows_out,
                  "outputs": rec.outputs}))
ray.shutdown()
"""


def _digest(paths: list[str]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()[:16]


def _record(work: Path, sub: str) -> dict:
    runs = sorted((work / sub / "runs").glob("*/run.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(runs[-1].read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--address", default="local")
    ap.add_argument("--skip-local", action="store_true", help="Only run the Ray executor.")
    ap.add_argument("--ray-first", action="store_true", help="Run Ray before local (to see order effects).")
    ap.add_argument("--out", default="ray_scaling.json", help="Results file name under bench/results.")
    args = ap.parse_args()
    results = []
    for n in args.rows:
        work = HERE / "data" / f"text_{n}"
        data = work / "input.jsonl"
        make_data(data, n)
        row: dict = {"rows": n, "input_mb": round(data.stat().st_size / 2**20, 1), "np": args.np}
        for kind in ("ray", "local") if args.ray_first else ("local", "ray"):
            if kind == "local" and args.skip_local:
                continue
            recipe = work / f"{kind}.yaml"
            recipe.write_text(yaml.safe_dump({"dataset_path": str(data), "export_path": str(work / kind / "out.jsonl"),
                                              "work_dir": str(work / kind), "np": args.np, "process": PROCESS},
                                             sort_keys=False))
            if kind == "local":
                cmd = [str(HERE.parent / ".venv" / "bin" / "copilot"), "run", str(recipe), "-q"]
            else:
                cmd = [sys.executable, "-c", RAY_RUN, args.address, str(args.np), str(recipe)]
            m = measure(f"{kind} n={n}", cmd, log=str(work / f"{kind}.log"))
            if m.returncode:
                print(m.tail, file=sys.stderr)
                msg = f"{kind} run failed for n={n}"
                raise SystemExit(msg)
            rec = _record(work, kind)
            row[kind] = {"wall_s": round(m.seconds, 2), "run_s": rec["seconds"], "docs_per_s": round(n / m.seconds),
                         "tree_peak_mb": round(m.tree_peak_mb), "rows_out": rec["rows_out"],
                         "digest": _digest(rec["outputs"])}
        row["order"] = "ray first" if args.ray_first else "local first"
        if "local" in row:
            row["ray_over_local"] = round(row["ray"]["wall_s"] / row["local"]["wall_s"], 2)
            row["identical_output"] = row["ray"]["digest"] == row["local"]["digest"]
        results.append(row)
        print(json.dumps(row))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    body = {"machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; np={args.np}",
            "recipe": "bench/text_pipeline.py PROCESS (17 ops incl. exact and MinHash dedup)",
            "note": "wall_s includes process and Ray start-up; run_s is the run record's time", "runs": results}
    (out / args.out).write_text(json.dumps(body, indent=2))


if __name__ == "__main__":
    main()

"""Runs conformance cases with Data-Juicer itself. Executed by Data-Juicer's own venv python
(never imported by our package): ``/work/djvenv/bin/python bench/dj_runner.py SPEC.json``.

SPEC.json: {"data": "input.jsonl", "out_dir": "...", "cases": [{"id": ..., "process": [...]}]}.
Writes ``<out_dir>/<id>.jsonl`` (the rows Data-Juicer keeps, with ``__dj__stats__``) or
``<out_dir>/<id>.error`` with the exception.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    with open(sys.argv[1]) as fh:
        spec = json.load(fh)
    from data_juicer.core.data import NestedDataset
    from data_juicer.ops import load_ops

    with open(spec["data"], encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    os.makedirs(spec["out_dir"], exist_ok=True)
    for case in spec["cases"]:
        out = os.path.join(spec["out_dir"], case["id"])
        start = time.time()
        try:
            dataset = NestedDataset.from_list(rows)
            ops = load_ops(case["process"])
            result = dataset.process(ops, open_monitor=False)
            with open(out + ".jsonl", "w", encoding="utf-8") as fh:
                for row in result.to_list():
                    fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            print(f"{case['id']}: {len(result)} rows in {time.time() - start:.1f}s", flush=True)
        except Exception:  # report and go on with the next case
            with open(out + ".error", "w") as fh:
                fh.write(traceback.format_exc())
            print(f"{case['id']}: ERROR", flush=True)


if __name__ == "__main__":
    main()

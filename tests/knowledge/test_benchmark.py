"""The retrieval benchmark holds its bar: recall@3 >= 0.9 over the queries whose ops exist."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parents[2] / "evals" / "retrieval"


def _bench_module():
    spec = importlib.util.spec_from_file_location("retrieval_bench", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_queries_file_is_well_formed():
    raw = yaml.safe_load((BENCH / "queries.yaml").read_text(encoding="utf-8"))["queries"]
    assert len(raw) >= 60
    assert len({q["q"] for q in raw}) == len(raw), "duplicate queries"


def test_recall_at_3_meets_the_bar(index):
    bench = _bench_module()
    needs = [bench.Need.model_validate(x) for x in yaml.safe_load((BENCH / "queries.yaml").read_text())["queries"]]
    outcomes, future = bench.evaluate(needs, index, k=10)
    assert len(outcomes) >= 60
    recall3 = sum(o.rank is not None and o.rank <= 3 for o in outcomes) / len(outcomes)
    misses = [(o.q, o.top[:3]) for o in outcomes if not o.rank or o.rank > 3]
    assert recall3 >= 0.9, misses
    assert all(not set(f.ops) & {o for x in outcomes for o in x.targets} for f in future)

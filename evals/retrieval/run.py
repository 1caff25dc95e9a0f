"""Retrieval benchmark of ``search_ops``: recall@3 and MRR over the needs in ``queries.yaml``.

A query counts when at least one of its target ops is registered; the others are reported
as "not yet in catalogue". A hit is any registered target among the first results.

Usage:
    python evals/retrieval/run.py [--k 10] [--out evals/retrieval/results.json] [--min-recall 0.9]

The index is built from scratch in a temporary folder (embedded Chroma, packaged MiniLM),
so the figures do not depend on the user's own index.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from recipe_copilot.engine.ops import op_names
from recipe_copilot.knowledge import KnowledgeIndex, KnowledgeSettings, search_ops

HERE = Path(__file__).resolve().parent


class Need(BaseModel):
    """One benchmark entry: a need in a user's words and the ops that serve it."""

    q: str = Field(description="The need, as a user would phrase it.")
    ops: list[str] = Field(min_length=1, description="Ops that serve it; any one of them is a hit.")


class Outcome(BaseModel):
    """How one counted query fared."""

    q: str
    targets: list[str]
    rank: int | None = Field(description="1-based rank of the first target found, None if not in the top k.")
    top: list[str]


def evaluate(needs: list[Need], index: KnowledgeIndex, k: int) -> tuple[list[Outcome], list[Need]]:
    """Search every need; return the outcomes of counted queries and the not-yet-servable needs."""
    known = set(op_names())
    outcomes, future = [], []
    for need in needs:
        targets = [o for o in need.ops if o in known]
        if not targets:
            future.append(need)
            continue
        top = [h.name for h in search_ops(need.q, k=k, index=index)]
        rank = next((i + 1 for i, name in enumerate(top) if name in targets), None)
        outcomes.append(Outcome(q=need.q, targets=targets, rank=rank, top=top[:5]))
    return outcomes, future


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print and write the figures; exit 1 below ``--min-recall``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=Path, default=HERE / "queries.yaml")
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    ap.add_argument("--k", type=int, default=10, help="Results looked at for MRR (recall is @1 and @3).")
    ap.add_argument("--min-recall", type=float, default=0.0, help="Fail when recall@3 is below this.")
    args = ap.parse_args(argv)

    raw = args.queries.read_bytes()
    needs = [Need.model_validate(x) for x in yaml.safe_load(raw)["queries"]]
    with tempfile.TemporaryDirectory() as tmp:
        index = KnowledgeIndex(KnowledgeSettings(data_dir=Path(tmp), chroma_url=None))
        t0 = time.perf_counter()
        build = index.sync(kinds=("op",))
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        outcomes, future = evaluate(needs, index, args.k)
        search_s = time.perf_counter() - t0

    n = len(outcomes)
    r1 = sum(o.rank is not None and o.rank <= 1 for o in outcomes) / n
    r3 = sum(o.rank is not None and o.rank <= 3 for o in outcomes) / n
    mrr = sum(1 / o.rank for o in outcomes if o.rank) / n
    misses = [o for o in outcomes if o.rank is None or o.rank > 3]
    result = {
        "queries_file": str(args.queries.relative_to(HERE.parent.parent) if args.queries.is_relative_to(HERE.parent.parent) else args.queries),
        "queries_sha256": hashlib.sha256(raw).hexdigest(),
        "catalogue_ops": len(op_names()),
        "counted": n,
        "not_yet_in_catalogue": len(future),
        "recall@1": round(r1, 4),
        "recall@3": round(r3, 4),
        f"mrr@{args.k}": round(mrr, 4),
        "index_build_seconds": round(build_s, 2),
        "ops_embedded": build.embedded,
        "search_ms_per_query": round(1000 * search_s / max(n, 1), 1),
        "misses_at_3": [o.model_dump() for o in misses],
        "not_yet": [{"q": f.q, "ops": f.ops} for f in future],
        "outcomes": [o.model_dump() for o in outcomes],
    }
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{n} queries counted over {len(op_names())} ops ({len(future)} more wait for ops not yet in the catalogue)")
    print(f"recall@1 {r1:.3f}  recall@3 {r3:.3f}  MRR@{args.k} {mrr:.3f}")
    print(f"index build {build_s:.1f}s ({build.embedded} ops embedded), search {result['search_ms_per_query']} ms/query")
    for o in misses:
        print(f"  miss: {o.q!r} -> want {o.targets}, got {o.top[:3]} (rank {o.rank})")
    print(f"written: {args.out}")
    return 1 if r3 < args.min_recall else 0


if __name__ == "__main__":
    sys.exit(main())

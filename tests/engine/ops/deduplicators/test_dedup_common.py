"""Shared pieces of the deduplicators: union-find over numpy arrays, and parallel chunked runs."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import orjson
import pytest

from recipe_copilot.engine.executors import InProcessExecutor, LocalExecutor
from recipe_copilot.engine.ops.common.unionfind import component_roots, dup_pairs, group_edges
from recipe_copilot.engine.recipe import recipe_from_mapping


def slow_roots(n: int, edges: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[ra] = parent[rb] = min(ra, rb)
    return [find(i) for i in range(n)]


def test_component_roots_match_plain_union_find() -> None:
    rng = random.Random(0)
    for n, m in ((1, 0), (10, 4), (200, 150), (500, 900)):
        edges = [(rng.randrange(n), rng.randrange(n)) for _ in range(m)]
        src = np.array([a for a, _ in edges], dtype=np.int64)
        dst = np.array([b for _, b in edges], dtype=np.int64)
        assert component_roots(n, src, dst).tolist() == slow_roots(n, edges)


def test_long_chain_collapses_to_smallest() -> None:
    n = 1000
    order = np.random.default_rng(1).permutation(n)
    roots = component_roots(n, order[:-1], order[1:])
    assert (roots == 0).all()


def test_group_edges_link_to_first_equal_row() -> None:
    codes = np.array([[1, 2], [3, 4], [1, 2], [1, 5], [3, 4], [1, 2]], dtype=np.uint64)
    src, dst = group_edges(codes)
    assert sorted(zip(src.tolist(), dst.tolist(), strict=True)) == [(2, 0), (4, 1), (5, 0)]
    assert group_edges(codes[:1])[0].size == 0
    # equal first values but different rows: the full comparison decides
    src, dst = group_edges(np.array([[1, 3], [1, 2], [1, 3], [1, 2], [0, 3]], dtype=np.uint64))
    assert sorted(zip(src.tolist(), dst.tolist(), strict=True)) == [(2, 0), (3, 1)]


def test_dup_pairs() -> None:
    assert dup_pairs(np.array([0, 0, 2, 2, 0])) == [(1, 0), (3, 2), (4, 0)]
    assert dup_pairs(np.array([0, 0, 0]), limit=1) == [(1, 0)]


def run_parts(tmp_path: Path, rows: list[dict], process: list, parts: int, np: int = 1) -> list[int]:
    """Run ``process`` over ``rows`` written as ``parts`` files (one chunk each); the ids kept."""
    folder = tmp_path / f"in-{parts}-{np}-{len(process)}"
    size = -(-len(rows) // parts)
    for p in range(parts):
        write = rows[p * size : (p + 1) * size]
        (folder / f"part-{p:02d}.jsonl").parent.mkdir(parents=True, exist_ok=True)
        (folder / f"part-{p:02d}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in write))
    raw = {
        "dataset_path": str(folder),
        "export_path": str(folder.with_name(folder.name + "-out") / "out.jsonl"),
        "np": np,
        "process": process,
    }
    recipe = recipe_from_mapping(raw, source="test recipe")
    record = (InProcessExecutor(recipe) if np <= 1 else LocalExecutor(recipe)).run()
    lines = [line for out in record.outputs for line in Path(out).read_bytes().splitlines() if line.strip()]
    return [orjson.loads(line)["id"] for line in lines]


def planted() -> list[dict]:
    rng = random.Random(2)
    texts = [" ".join(f"w{rng.randrange(300)}" for _ in range(100)) for _ in range(10)]
    near = [t.split(" ") for t in (texts[7], texts[0])]
    for words in near:
        words[50] = "edited"
    texts += [texts[3], texts[5].upper(), " ".join(near[0]), "short text", "", texts[3], " ".join(near[1])]
    return [{"id": i, "text": t} for i, t in enumerate(texts)]


# 10: copy of 3, 11: 5 upper-cased, 12: 7 with a word changed, 13-14: no shingles, 15: copy of 3, 16: 0 edited
EXPECTED = {
    "document_deduplicator": [*range(10), 11, 12, 13, 14, 16],
    "document_minhash_deduplicator": [*range(10), 13],
    # by the brute-force SimHash of test_document_simhash_deduplicator: 16 is 5+ bits from 0
    "document_simhash_deduplicator": [*range(10), 13, 16],
}


@pytest.mark.parametrize(
    "op", ["document_deduplicator", "document_minhash_deduplicator", "document_simhash_deduplicator"]
)
def test_independent_of_chunking(tmp_path: Path, op: str) -> None:
    rows = planted()
    one = run_parts(tmp_path, rows, [op], parts=1)
    assert run_parts(tmp_path, rows, [op], parts=5) == one
    assert run_parts(tmp_path, rows, [op], parts=17) == one
    assert one == EXPECTED[op]


def test_all_three_in_parallel_over_chunks(tmp_path: Path) -> None:
    rows = planted()
    process = ["document_deduplicator", "document_simhash_deduplicator", "document_minhash_deduplicator"]
    one = run_parts(tmp_path, rows, process, parts=1)
    assert one == EXPECTED["document_minhash_deduplicator"]
    assert run_parts(tmp_path, rows, process, parts=6, np=2) == one

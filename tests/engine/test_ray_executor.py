"""The Ray executor gives the local executor's output, decides global ops the same way, and
survives a killed worker. One local Ray (2 CPUs) is shared by the module."""

from __future__ import annotations

import os
import random
import signal

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

import recipe_copilot.engine.testing  # noqa: F401  (registers fake_failing_mapper)
from recipe_copilot.engine.errors import RunCancelled
from recipe_copilot.engine.executors import InProcessExecutor, RayExecutor, executor_for
from recipe_copilot.engine.executors import base as executor_base
from recipe_copilot.engine.executors.ray import distributed_select, distributed_topk, stage_resources
from recipe_copilot.engine.io import readers
from recipe_copilot.engine.ops import get_op_class as get_op
from recipe_copilot.engine.recipe import recipe_from_mapping
from recipe_copilot.engine.sample import SampleBatch
from recipe_copilot.engine.testing import read_jsonl, write_jsonl

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_session():
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    yield ray
    if started:
        ray.shutdown()


def _words(rng: random.Random, n: int) -> list[str]:
    return [f"w{rng.randrange(3000)}" for _ in range(n)]


def planted_docs(n_base: int = 240, n_near: int = 40, n_exact: int = 10, seed: int = 7) -> tuple[list[dict], set[int]]:
    """Random documents plus near-duplicates (2 words changed) and exact copies of earlier ones.

    Returns the rows and the ids of the planted duplicates (what a perfect dedup drops).
    """
    rng = random.Random(seed)
    rows = [{"text": " ".join(_words(rng, 80)), "meta": {"id": i}} for i in range(n_base)]
    planted = set()
    for k in range(n_near + n_exact):
        src = rows[rng.randrange(n_base)]["text"].split()
        if k < n_near:
            for _ in range(2):
                src[rng.randrange(len(src))] = f"x{rng.randrange(10**6)}"
        pos = rng.randrange(n_base, len(rows) + 1)  # always after its original
        rows.insert(pos, {"text": " ".join(src), "meta": {}})
        planted = {i + (i >= pos) for i in planted} | {pos}
    for i, r in enumerate(rows):
        r["meta"]["id"] = i
    return rows, planted


def _not_in_the_driver(*_args, **_kw):
    msg = "this decision should run distributed, not gather keys in the driver"
    raise AssertionError(msg)


def _recipe(base, data, process, **kw):
    raw = {"dataset_path": str(data), "export_path": str(base / "out" / "out.jsonl"), "np": 1,
           "keep_stats_in_res_ds": True, "process": process, **kw}
    return recipe_from_mapping(raw)


DEDUP = [
    {"whitespace_normalization_mapper": None},
    {"text_length_filter": {"min_len": 10}},
    {"document_deduplicator": None},
    {"document_minhash_deduplicator": {"jaccard_threshold": 0.7}},
]


def test_minhash_pipeline_matches_local_with_planted_duplicates(ray_session, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_BYTES", 16_000)  # ~10 chunks
    rows, planted = planted_docs()
    data = write_jsonl(tmp_path / "in.jsonl", rows)
    local = InProcessExecutor(_recipe(tmp_path / "local", data, DEDUP, open_tracer=True)).run()
    for name in ("document_deduplicator", "document_minhash_deduplicator"):  # decided in Ray, not here
        monkeypatch.setattr(get_op(name), "select", _not_in_the_driver)
    from recipe_copilot.engine.executors import ray as ray_executor

    monkeypatch.setattr(ray_executor, "_WINDOW", 4)  # a few chunks staged at a time
    windows = []
    real_window = RayExecutor._map_window
    monkeypatch.setattr(RayExecutor, "_map_window", lambda self, r, w: windows.append(len(w)) or real_window(self, r, w))
    events = []
    ex = RayExecutor(_recipe(tmp_path / "ray", data, DEDUP, open_tracer=True), progress=events.append)
    rec = ex.run()
    traces = sorted(os.listdir(rec.trace_dir))
    assert traces == sorted(os.listdir(local.trace_dir)) and "duplicate-document_minhash_deduplicator.jsonl" in traces
    for name in traces:
        assert read_jsonl(os.path.join(rec.trace_dir, name)) == read_jsonl(os.path.join(local.trace_dir, name)), name
    out_local, out_ray = read_jsonl(local.outputs[0]), read_jsonl(rec.outputs[0])
    assert out_ray == out_local  # same kept samples, texts, stats and order
    assert rec.executor == "ray" and rec.rows_in == local.rows_in and rec.rows_out == local.rows_out
    assert [(o.name, o.rows_in, o.rows_out, o.errors) for o in rec.ops] == [
        (o.name, o.rows_in, o.rows_out, o.errors) for o in local.ops]
    assert [e.kind for e in events if e.kind != "advance"] == ["stage", "done", "stage", "done"]
    assert max(windows) == 4 and len(windows) >= 4  # both stages went through in windows
    # the duplicates found: precision and recall against the planted ones (identical by the above)
    kept = {r["meta"]["id"] for r in out_ray}
    dropped = {r["meta"]["id"] for r in rows} - kept
    precision = len(dropped & planted) / len(dropped)
    recall = len(dropped & planted) / len(planted)
    assert precision == 1.0 and recall >= 0.95, (precision, recall)


def _minhash_keys(texts: list[str]) -> tuple[object, np.ndarray]:
    op = get_op("document_minhash_deduplicator").from_config({"jaccard_threshold": 0.7})
    op.ensure_ready()
    return op, op.keys_batch(SampleBatch.from_rows([{"text": t} for t in texts]))


def test_distributed_decisions_equal_the_ops_select(ray_session):
    rows, _ = planted_docs(n_base=300, n_near=60, n_exact=30, seed=3)
    texts = [r["text"] for r in rows]
    n = len(texts)
    rng = np.random.default_rng(0)
    current = np.sort(rng.choice(n, size=n - 25, replace=False))  # some rows already dropped
    mh_op, mh_keys = _minhash_keys(texts)
    ex_op = get_op("document_deduplicator").from_config({})
    ex_op.ensure_ready()
    ex_keys = ex_op.keys_batch(SampleBatch.from_rows([{"text": t} for t in texts]))
    for op, keys in ((mh_op, mh_keys), (ex_op, ex_keys)):
        parts = _parts(keys, [37, 100, 0, 61, n - 198])  # uneven chunks, one empty
        for cur in (np.arange(n), current):
            want = op.select(keys[cur] if isinstance(keys, np.ndarray) else [keys[i] for i in cur])
            got = distributed_select(op, parts, cur, n)
            assert np.array_equal(got.keep, want.keep), op.name
            assert got.pairs == want.pairs, op.name
            assert (~want.keep).sum() > 20  # there was something to find


def _parts(keys, sizes):
    parts, lo = [], 0
    for s in sizes:
        parts.append((lo, s, ray.put(keys[lo: lo + s])))
        lo += s
    return parts


def test_distributed_topk_equals_the_selector(ray_session):
    rng = np.random.default_rng(1)
    n = 500
    scores = rng.integers(0, 40, n).tolist()  # many ties: they go to the earlier row
    scores[7] = 2.5
    sizes = [120, 0, 200, 180]
    current = np.sort(rng.choice(n, size=430, replace=False))
    parts = _parts(scores, sizes)
    for params in ({"topk": 25}, {"top_ratio": 0.3, "reverse": False}, {"topk": 1000}):
        op = get_op("topk_specified_field_selector").from_config({"field_key": "meta.score", **params})
        for cur in (np.arange(n), current):
            want = op.select([scores[i] for i in cur])
            got = distributed_topk(op, parts, cur, n)
            assert np.array_equal(got.order, want.order) and np.array_equal(got.keep, want.keep), params
    mixed = _parts([*scores[:-1], "x"], sizes)  # not numbers: the caller gathers and asks the op
    assert distributed_topk(op, mixed, np.arange(n), n) is None


def test_op_error_with_skip_op_error_false_stops_the_ray_run(ray_session, tmp_path):
    data = write_jsonl(tmp_path / "in.jsonl", [{"text": "fine"}, {"text": "boom"}])
    recipe = _recipe(tmp_path, data, [{"fake_failing_mapper": None}], skip_op_error=False)
    with pytest.raises(RuntimeError, match="cannot handle 'boom'"):  # the op's own exception
        RayExecutor(recipe).run()
    assert not (tmp_path / "out" / "out.jsonl").exists()


def test_killed_worker_loses_and_duplicates_nothing(ray_session, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_BYTES", 6_000)  # ~40 chunks
    rows, _ = planted_docs(n_base=300, n_near=0, n_exact=0, seed=5)
    process = [{"whitespace_normalization_mapper": None}, {"words_num_filter": {"min_num": 5}},
               {"character_repetition_filter": {"rep_len": 10}}]
    data = write_jsonl(tmp_path / "in.jsonl", rows)
    local = InProcessExecutor(_recipe(tmp_path / "local", data, process)).run()
    killed, before = [], set()
    ex: RayExecutor

    def kill_one(event):
        if event.kind == "advance" and not killed and ex.worker_pids:
            pid = min(ex.worker_pids)
            before.update(ex.worker_pids)
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    ex = RayExecutor(_recipe(tmp_path / "ray", data, process), progress=kill_one)
    rec = ex.run()
    assert killed
    assert ex.worker_pids - before  # a restarted worker process finished the run
    assert read_jsonl(rec.outputs[0]) == read_jsonl(local.outputs[0])
    assert rec.rows_in == len(rows) == local.rows_in
    assert [(o.rows_in, o.rows_out) for o in rec.ops] == [(o.rows_in, o.rows_out) for o in local.ops]


def test_interrupted_ray_run_resumes_to_the_same_output(ray_session, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_BYTES", 8_000)
    monkeypatch.setattr(executor_base, "_SAVE_EVERY_S", 0.0)
    rows, _ = planted_docs(n_base=150, n_near=20, n_exact=5, seed=11)
    data = write_jsonl(tmp_path / "in.jsonl", rows)
    process = [{"text_length_filter": {"min_len": 10}}, {"document_deduplicator": None}]
    reference = InProcessExecutor(_recipe(tmp_path / "ref", data, process)).run()
    seen = []

    def interrupt(event):
        seen.append(event)
        if event.kind == "advance" and len(seen) == 4:
            raise KeyboardInterrupt

    recipe = _recipe(tmp_path / "run", data, process)
    with pytest.raises(RunCancelled, match="--resume"):
        RayExecutor(recipe, progress=interrupt).run()
    resumed = RayExecutor(recipe, resume=True).run()
    assert resumed.resumed
    assert read_jsonl(resumed.outputs[0]) == read_jsonl(reference.outputs[0])
    assert [(o.rows_in, o.rows_out) for o in resumed.ops] == [(o.rows_in, o.rows_out) for o in reference.ops]


def test_cli_ray_selector_quarantine_and_parquet(ray_session, tmp_path, monkeypatch):
    from recipe_copilot.copilot.cli import main

    rows = [{"text": f"sample number {i} " + ("boom" if i % 17 == 0 else "fine"), "meta": {"score": (i * 37) % 101}}
            for i in range(120)]
    rows.append({"text": 5, "meta": {"score": 1}})
    data = write_jsonl(tmp_path / "in.jsonl", rows)
    process = [{"fake_failing_mapper": None},
               {"topk_specified_field_selector": {"field_key": "meta.score", "topk": 40}},
               {"text_length_filter": {"min_len": 5}}]
    recipe = {"dataset_path": str(data), "export_path": str(tmp_path / "ray" / "out.parquet"), "process": process}
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    local = InProcessExecutor(recipe_from_mapping({**recipe, "export_path": str(tmp_path / "l" / "out.parquet")})).run()
    monkeypatch.setattr(get_op("topk_specified_field_selector"), "output_order", _not_in_the_driver)
    res = CliRunner().invoke(main, ["run", str(path), "--executor", "ray", "--ray-address", "auto", "-q"])
    assert res.exit_code == 0, res.output
    got = pq.read_table(tmp_path / "ray" / "out.parquet").to_pylist()
    assert got == pq.read_table(local.outputs[0]).to_pylist()
    assert len(got) == 40
    errors = read_jsonl(tmp_path / "ray" / "out.errors.jsonl")
    assert sorted(e["error"] for e in errors) == sorted(e["error"] for e in read_jsonl(local.errors_path))
    assert len(errors) == 9  # 8 "boom" samples and the int text, quarantined, not lost


def test_executor_registry_and_gpu_placement():
    assert executor_for("ray") is RayExecutor
    mapper = get_op("whitespace_normalization_mapper")
    cpu_op = mapper.from_config({})
    gpu_op = mapper.from_config({"accelerator": "cuda"})
    half = mapper.from_config({"accelerator": "cuda", "gpu_required": 0.5})
    assert stage_resources([cpu_op], cpus=8, gpus=2).num_gpus == 0
    on_gpu = stage_resources([cpu_op, gpu_op], cpus=8, gpus=2)
    assert (on_gpu.num_gpus, on_gpu.concurrency) == (1.0, 2)
    shared = stage_resources([half], cpus=8, gpus=2)
    assert (shared.num_gpus, shared.concurrency) == (0.5, 4)
    fallback = stage_resources([gpu_op], cpus=2, gpus=0)
    assert (fallback.num_gpus, fallback.concurrency) == (0.0, 2) and "running on CPU" in fallback.notes[0]


def test_an_unreachable_cluster_address_fails_at_once_naming_it(monkeypatch):
    import socket
    import time

    from recipe_copilot.engine.errors import GlobalKeyError
    from recipe_copilot.engine.executors import ray as ray_executor

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(ray_executor._ray(), "is_initialized", lambda: False)
    start = time.monotonic()
    with pytest.raises(GlobalKeyError, match=rf"127\.0\.0\.1:{port}.*ray start --head"):
        ray_executor.connect(f"127.0.0.1:{port}")
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")
    with pytest.raises(GlobalKeyError, match="no Ray cluster answers"):
        ray_executor.connect("auto")  # RAY_ADDRESS is not silently replaced by a local cluster
    assert time.monotonic() - start < 30

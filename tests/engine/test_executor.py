"""The local executor: same results for any np, chunking or interruption; nothing lost."""

from __future__ import annotations

import orjson
import pyarrow.parquet as pq
import pytest

from recipe_copilot.engine.errors import RunCancelled
from recipe_copilot.engine.executors import InProcessExecutor, LocalExecutor
from recipe_copilot.engine.executors import base as executor_base
from recipe_copilot.engine.io import readers
from recipe_copilot.engine.recipe import recipe_from_mapping
from recipe_copilot.engine.runrecord import load_run_record
from recipe_copilot.engine.testing import read_jsonl, run_rows, write_jsonl

PROCESS = [
    {"whitespace_normalization_mapper": None},
    {"text_length_filter": {"min_len": 30}},
]


def _recipe(tmp_path, data, **kw):
    raw = {"dataset_path": str(data), "export_path": str(tmp_path / "out" / "out.jsonl"), "np": 1,
           "process": PROCESS, **kw}
    return recipe_from_mapping(raw)


def test_np2_matches_np1_and_keeps_order(tmp_path, docs, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_BYTES", 512)
    data = write_jsonl(tmp_path / "in.jsonl", docs)
    one = InProcessExecutor(_recipe(tmp_path / "a", data)).run()
    two = LocalExecutor(_recipe(tmp_path / "b", data, np=2)).run()
    rows1, rows2 = read_jsonl(one.outputs[0]), read_jsonl(two.outputs[0])
    assert rows1 == rows2
    expected = [d for d in docs if len(d["text"].strip()) >= 30]
    assert [r["meta"]["id"] for r in rows1] == [d["meta"]["id"] for d in expected]
    assert [(o.name, o.rows_in, o.rows_out) for o in two.ops] == [
        ("whitespace_normalization_mapper", 200, 200), ("text_length_filter", 200, len(expected))]


def test_failing_sample_is_quarantined_not_lost():
    rows = [{"text": "fine one"}, {"text": "boom here"}, {"text": "also fine"}, {"text": 7}]
    out = run_rows(rows, [{"fake_failing_mapper": None}])
    assert out.texts == ["FINE ONE", "ALSO FINE"]
    reasons = sorted(e["error"] for e in out.errors)
    assert reasons == ["RuntimeError: cannot handle 'boom'", "field 'text' is int, expected str"]
    assert {e["op"] for e in out.errors} == {"fake_failing_mapper"}
    assert out.record.errors == 2
    assert out.record.ops[0].rows_in == 4 and out.record.ops[0].rows_out == 2


def test_a_few_bad_samples_in_a_big_batch_are_found_by_halving(monkeypatch):
    from recipe_copilot.engine.ops.base import OpRun
    from recipe_copilot.engine.sample import SampleBatch
    from recipe_copilot.engine.testing import FailingMapper

    calls = []
    real = FailingMapper.apply
    monkeypatch.setattr(FailingMapper, "apply", lambda self, b, r: calls.append(len(b)) or real(self, b, r))
    texts = [f"doc {i}" + (" boom" if i in (3, 700) else "") for i in range(1024)]
    op, run = FailingMapper(), OpRun()
    out = op.run_batch(SampleBatch({"text": list(texts)}), run)
    assert out.column("text") == [t.upper() for i, t in enumerate(texts) if i not in (3, 700)]
    assert [q["sample"]["text"] for q in run.quarantined] == ["doc 3 boom", "doc 700 boom"]
    assert run.rows_in == 1024 and run.rows_out == 1022 and run.errors == 2
    assert len(calls) <= 1 + 2 * 2 * 10  # not one call per sample


def test_an_op_failing_on_an_empty_batch_loses_nothing(monkeypatch):
    from recipe_copilot.engine.ops.base import OpRun
    from recipe_copilot.engine.sample import SampleBatch
    from recipe_copilot.engine.testing import FailingMapper

    def broken(self, batch, run):
        msg = "cannot stack an empty list"
        raise ValueError(msg)

    monkeypatch.setattr(FailingMapper, "apply", broken)
    run = OpRun()
    out = FailingMapper().run_batch(SampleBatch({"text": [None, 3]}), run)  # both quarantined before apply
    assert len(out) == 0 and run.errors == 2 and run.rows_out == 0


def test_skip_op_error_false_stops_the_run(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        run_rows([{"text": "boom"}], [{"fake_failing_mapper": None}], skip_op_error=False, workdir=tmp_path)
    assert not (tmp_path / "out" / "out.jsonl").exists()  # nothing half-written is visible


def test_malformed_input_counted_in_summary(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"text": "a long enough text to keep here ok"}\n{oops\n')
    rec = InProcessExecutor(_recipe(tmp_path, p)).run()
    assert rec.rows_in == 2 and rec.rows_out == 1 and rec.errors == 1
    err = read_jsonl(rec.errors_path)
    assert err[0]["op"] == "reader" and err[0]["line"] == 2


def test_sharded_export_names_like_data_juicer(tmp_path, docs, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_BYTES", 256)
    data = write_jsonl(tmp_path / "in.jsonl", docs)
    rec = InProcessExecutor(_recipe(tmp_path, data, export_shard_size=1000)).run()
    assert len(rec.outputs) > 2
    n = len(rec.outputs)
    width = len(str(n)) + 1
    assert rec.outputs[0].endswith(f"out-{0:0{width}d}-of-{n:0{width}d}.jsonl")
    rows = [r for p in rec.outputs for r in read_jsonl(p)]
    assert len(rows) == rec.rows_out
    assert not list((tmp_path / "out").glob(".*part*"))


def test_parquet_export(tmp_path, docs):
    data = write_jsonl(tmp_path / "in.jsonl", docs)
    rec = InProcessExecutor(_recipe(tmp_path, data, export_path=str(tmp_path / "o" / "x.parquet"))).run()
    table = pq.read_table(rec.outputs[0])
    assert table.num_rows == rec.rows_out
    assert table.column("meta").to_pylist()[0]["id"] == read_jsonl_first_id(docs)


def read_jsonl_first_id(docs):
    return next(d["meta"]["id"] for d in docs if len(d["text"].strip()) >= 30)


@pytest.mark.parametrize("np_", [1, 2])
def test_resume_after_interrupt_gives_identical_output(tmp_path, docs, monkeypatch, np_):
    monkeypatch.setattr(readers, "CHUNK_BYTES", 300)
    monkeypatch.setattr(executor_base, "_SAVE_EVERY_S", 0.0)
    data = write_jsonl(tmp_path / "in.jsonl", docs * 3)
    reference = InProcessExecutor(_recipe(tmp_path / "ref", data)).run()
    seen = []

    def interrupt(event):
        seen.append(event)
        if event.kind == "advance" and len(seen) == 8:
            raise KeyboardInterrupt

    cls = LocalExecutor if np_ > 1 else InProcessExecutor
    recipe = _recipe(tmp_path / "run", data, np=np_)
    with pytest.raises(RunCancelled, match="--resume"):
        cls(recipe, progress=interrupt).run()
    assert not (tmp_path / "run" / "out" / "out.jsonl").exists()
    (cancelled,) = [load_run_record(p) for p in (tmp_path / "run" / "out" / "runs").glob("*/run.json")]
    assert cancelled.status == "cancelled" and "--resume" in cancelled.error
    assert 0 < cancelled.rows_in < reference.rows_in and cancelled.finished is not None
    resumed = cls(recipe, resume=True).run()
    assert resumed.resumed
    assert read_jsonl(resumed.outputs[0]) == read_jsonl(reference.outputs[0])
    assert [(o.rows_in, o.rows_out) for o in resumed.ops] == [(o.rows_in, o.rows_out) for o in reference.ops]


def test_run_record_written(tmp_path, docs):
    data = write_jsonl(tmp_path / "in.jsonl", docs)
    rec = InProcessExecutor(_recipe(tmp_path, data)).run()
    path = tmp_path / "out" / "runs" / rec.run_id / "run.json"
    again = load_run_record(path)
    assert again.rows_out == rec.rows_out and again.input_fingerprint == rec.input_fingerprint
    assert again.recipe["process"][1] == {"text_length_filter": {"min_len": 30}}
    assert again.peak_rss_mb["driver"] > 0


def test_a_failed_run_leaves_a_record_saying_why(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        run_rows([{"text": "boom"}], [{"fake_failing_mapper": {"skip_op_error": False}}], workdir=tmp_path / "f")
    (failed,) = [load_run_record(p) for p in (tmp_path / "f" / "out").glob("runs/*/run.json")]
    assert failed.status == "failed" and failed.error == "RuntimeError: cannot handle 'boom'"
    assert not failed.outputs


def test_max_samples_limits_input(tmp_path, docs):
    data = write_jsonl(tmp_path / "in.jsonl", docs)
    rec = InProcessExecutor(_recipe(tmp_path, data), max_samples=15).run()
    assert rec.rows_in == 15


def test_tracer_writes_data_juicer_style_files(tmp_path):
    out = run_rows([{"text": " a\u3000b "}, {"text": "tiny"}, {"text": "long enough text"}],
                   [{"whitespace_normalization_mapper": None}, {"text_length_filter": {"min_len": 5}}],
                   open_tracer=True, trace_num=1, workdir=tmp_path)
    assert out.traces["mapper-whitespace_normalization_mapper"] == [{"original text": " a\u3000b ", "processed_text": "a b"}]
    assert [r["text"] for r in out.traces["filter-text_length_filter"]] == ["a b"]


def test_two_ops_of_one_name_keep_their_own_trace_files(tmp_path):
    rows = [{"text": "x" * n} for n in (3, 8, 20)]
    out = run_rows(rows, [{"text_length_filter": {"min_len": 5}}, {"text_length_filter": {"min_len": 10}}],
                   open_tracer=True, trace_num=5, workdir=tmp_path)
    assert [r["text"] for r in out.traces["filter-text_length_filter"]] == ["xxx"]
    assert [r["text"] for r in out.traces["filter-text_length_filter-2"]] == ["x" * 8]
    assert [o.trace_file for o in out.record.ops] == ["filter-text_length_filter.jsonl",
                                                       "filter-text_length_filter-2.jsonl"]


def test_keep_stats_false_drops_stats(tmp_path):
    text = "hello there, this text is long enough"
    out = run_rows([{"text": text}], PROCESS[1:], keep_stats=False, workdir=tmp_path)
    assert out.rows == [{"text": text}]
    out = run_rows([{"text": text}], PROCESS[1:], keep_stats=True, workdir=tmp_path / "2")
    assert out.rows == [{"text": text, "__dj__stats__": {"text_len": len(text)}}]


def test_existing_stats_are_reused(tmp_path):
    rows = [{"text": "short", "__dj__stats__": {"text_len": 100}}]
    out = run_rows(rows, [{"text_length_filter": {"min_len": 50}}], workdir=tmp_path)
    assert out.texts == ["short"] and out.stats("text_len") == [100]
    assert orjson.dumps(out.rows)  # serialisable


def test_missing_text_field_is_a_clear_error(tmp_path):
    from recipe_copilot.engine.errors import DatasetError

    with pytest.raises(DatasetError, match=r"no such field.*fields: content.*text_keys"):
        run_rows([{"content": "hello"}], PROCESS[1:], workdir=tmp_path)


def test_stats_side_file_like_data_juicer(tmp_path, docs):
    data = write_jsonl(tmp_path / "in.jsonl", docs)
    rec = InProcessExecutor(_recipe(tmp_path, data)).run()
    lines = read_jsonl(tmp_path / "out" / "out_stats.jsonl")
    assert rec.stats_path and len(lines) == rec.rows_out
    assert all(set(line) == {"__dj__stats__"} and line["__dj__stats__"]["text_len"] >= 30 for line in lines)
    assert "__dj__stats__" not in read_jsonl(rec.outputs[0])[0]  # keep_stats_in_res_ds is off


def test_a_costly_op_splits_a_small_input_so_every_worker_gets_chunks(tmp_path, docs):
    from recipe_copilot.copilot.llm.fake_server import FakeOpenAIServer

    data = write_jsonl(tmp_path / "in.jsonl", [{**d, "text": d["text"] + " pad" * 40} for d in docs] * 5)
    size = data.stat().st_size  # about 200 KB: one default chunk
    cheap = LocalExecutor(_recipe(tmp_path / "c", data, np=2))
    costly_process = [{"llm_quality_score_filter": {"min_score": 0.5}}]
    assert cheap.chunk_bytes(readers.resolve_inputs(str(data))) is None
    assert LocalExecutor(_recipe(tmp_path / "one", data, process=costly_process)).chunk_bytes(
        readers.resolve_inputs(str(data))) is None  # np 1: nothing to share
    costly = LocalExecutor(_recipe(tmp_path / "d", data, np=2, process=costly_process))
    size_per_chunk = costly.chunk_bytes(readers.resolve_inputs(str(data)))
    assert size_per_chunk == -(-size // 8)  # 4 chunks for each of the 2 workers
    chunks = list(readers.iter_chunks(readers.resolve_inputs(str(data)), chunk_bytes=size_per_chunk))
    assert len(chunks) >= 8

    def reply(request):
        score = 5 if len(request.messages[-1]["content"]) % 2 else 1
        return orjson.dumps({"dimension_scores": dict.fromkeys(
            ("accuracy", "grammar", "informativeness", "coherence"), score)}).decode()

    with FakeOpenAIServer(reply) as server:
        params = {"min_score": 0.5, "model_params": {"base_url": server.base_url, "cache": False}}
        one = InProcessExecutor(_recipe(tmp_path / "r1", data, process=[{"llm_quality_score_filter": params}])).run()
        two = LocalExecutor(_recipe(tmp_path / "r2", data, np=2, process=[{"llm_quality_score_filter": params}])).run()
    rows1, rows2 = read_jsonl(one.outputs[0]), read_jsonl(two.outputs[0])
    assert rows1 == rows2 and 0 < len(rows1) < len(docs) * 5  # same rows, same order, whatever the chunking

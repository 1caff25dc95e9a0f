"""inspect_dataset and profile_dataset on the bundled sample (3001 lines, line 552 malformed)."""

from __future__ import annotations

import contextlib
import statistics

import orjson
import pytest

from recipe_copilot.engine.testing import write_jsonl
from recipe_copilot.tools import inspect_dataset, profile_dataset


def _texts(workspace, n):
    """The text of the first n readable lines (the malformed one is skipped, as the reader does)."""
    out = []
    for line in (workspace / "data" / "web.jsonl").read_bytes().splitlines():
        with contextlib.suppress(orjson.JSONDecodeError):
            out.append(orjson.loads(line)["text"])
    return out[:n]


def test_inspect_shows_files_fields_size_and_cut_rows(ctx, workspace):
    res = inspect_dataset(ctx, {"path": "data/web.jsonl", "n": 3, "max_chars": 50})
    assert res.ok, res.error
    assert [f.path for f in res.files] == ["data/web.jsonl"]
    assert res.total_bytes == (workspace / "data" / "web.jsonl").stat().st_size
    assert 2800 <= res.estimated_rows <= 3200 and "estimated" in res.rows_estimate
    assert res.text_field == "text" and res.modalities == ["text"]
    fields = {f.name: f for f in res.fields}
    assert fields["text"].types == ["str"] and fields["meta.source"].present == 1.0
    assert len(res.sample_rows) == 3
    assert all(len(r["text"]) <= 50 + len("… [+99999 chars]") for r in res.sample_rows)
    assert res.malformed_rows == 1
    assert res.text_chars["min"] <= res.text_chars["mean"] <= res.text_chars["max"]


def test_inspect_counts_exactly_when_it_reads_everything(ctx, workspace):
    write_jsonl(workspace / "small" / "a.jsonl", [{"text": "x", "images": ["a.png"]}] * 7)
    res = inspect_dataset(ctx, {"path": "small"})
    assert res.estimated_rows == 7 and res.rows_estimate == "exact"
    assert res.modalities == ["text", "image"]


def test_inspect_refuses_missing_and_outside_paths(ctx):
    assert inspect_dataset(ctx, {"path": "nope.jsonl"}).error.code == "not_found"
    assert inspect_dataset(ctx, {"path": "../../etc/passwd"}).error.code == "path_outside_workspace"
    assert inspect_dataset(ctx, {"path": "data", "suffixes": [".parquet"]}).error.code == "dataset_error"


def test_profile_measures_the_stats_the_run_computes(ctx, workspace):
    res = profile_dataset(ctx, {"dataset": "data/web.jsonl", "ops": ["text_length_filter"], "n": 600})
    assert res.ok, res.error
    (stat,) = res.stats
    lengths = [len(t) for t in _texts(workspace, 600)]
    assert stat.stat_key == "text_len" and stat.count == len(lengths) == 600
    assert stat.mean == pytest.approx(statistics.fmean(lengths))
    assert stat.std == pytest.approx(statistics.pstdev(lengths))
    assert stat.min == min(lengths) and stat.max == max(lengths)
    assert stat.quantiles["0.5"] == pytest.approx(statistics.median(lengths))
    assert sum(stat.histogram["counts"]) == len(lengths)


def test_profile_defaults_to_every_text_filter_and_drops_nothing(ctx):
    res = profile_dataset(ctx, {"dataset": "data/web.jsonl", "n": 300})
    keys = {s.stat_key for s in res.stats}
    assert {"text_len", "num_words", "special_char_ratio", "stopwords_ratio", "flagged_words_ratio"} <= keys
    assert all(s.count == 300 for s in res.stats)  # a filter's bounds never drop a row here


def test_profile_runs_mappers_first_and_skips_global_ops(ctx, workspace):
    write_jsonl(workspace / "d.jsonl", [{"text": "mail me at someone@example.com today"}])
    plain = profile_dataset(ctx, {"dataset": "d.jsonl", "ops": ["text_length_filter"]})
    cleaned = profile_dataset(ctx, {"dataset": "d.jsonl",
                                    "ops": ["clean_email_mapper", "text_length_filter", "document_deduplicator"]})
    assert cleaned.stats[0].mean < plain.stats[0].mean
    assert any("document_deduplicator" in n for n in cleaned.notes)


def test_profile_keeps_the_filter_params_that_change_the_stat(ctx):
    res = profile_dataset(ctx, {"dataset": "data/web.jsonl", "n": 200, "ops": [
        {"word_repetition_filter": {"rep_len": 2}}, {"word_repetition_filter": {"rep_len": 20}}]})
    short, long = res.stats
    assert short.params == {"rep_len": 2} and short.mean > long.mean


@pytest.mark.parametrize(("ops", "code"), [
    (["text_lenght_filter"], "unknown_op"),
    ([{"text_length_filter": {"min_len": "short"}}], "bad_param"),
    (["suffix_filter"], "not_profilable"),
])
def test_profile_errors_are_typed(ctx, ops, code):
    res = profile_dataset(ctx, {"dataset": "data/web.jsonl", "ops": ops})
    assert not res.ok and res.error.code == code
    if code == "unknown_op":
        assert "text_length_filter" in res.error.details["suggestions"]

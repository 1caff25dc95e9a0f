"""suggest_thresholds: k-sigma and quantile bounds from real stats, each with its drop rate on the sample."""

from __future__ import annotations

import math

import pytest

from recipe_copilot.engine.testing import write_jsonl
from recipe_copilot.tools import dry_run, suggest_thresholds

# 100 texts: 10 of 10 chars, 80 of 100, 10 of 1000 -> mean 181, std sqrt(75249)
LENGTHS = [10] * 10 + [100] * 80 + [1000] * 10
MEAN, STD = 181.0, math.sqrt(75249)


@pytest.fixture
def lengths_data(workspace):
    write_jsonl(workspace / "len.jsonl", [{"text": "x" * n} for n in LENGTHS])
    return "len.jsonl"


def _bound(sugg, param):
    return next(b for b in sugg.bounds if b.param == param)


def test_k_sigma_and_quantiles_with_their_drop_rates(ctx, lengths_data):
    res = suggest_thresholds(ctx, {"dataset": lengths_data, "ops": ["text_length_filter"], "k": 1,
                                   "quantiles": [0.05, 0.2]})
    assert res.ok, res.error
    (sugg,) = res.suggestions
    assert sugg.mean == pytest.approx(MEAN) and sugg.std == pytest.approx(STD, rel=1e-6)
    hi = _bound(sugg, "max_len")
    sigma = hi.candidates[0]
    assert sigma.method == "k_sigma" and sigma.value == math.ceil(MEAN + STD) and sigma.drop_rate == 0.1
    assert isinstance(sigma.value, int)
    quantiles = {c.at: c for c in hi.candidates[1:]}
    assert quantiles[0.2].value == 100 and quantiles[0.2].drop_rate == 0.1
    lo = _bound(sugg, "min_len")
    assert lo.candidates[0].value == 0 and lo.candidates[0].drop_rate == 0.0  # mean - std < 0: clipped at 0
    assert {c.at: c.value for c in lo.candidates[1:]} == {0.05: 10, 0.2: 100}
    assert lo.current == 10 and lo.current_drop_rate == 0.0
    assert sugg.recommended_params == {"min_len": 0, "max_len": math.ceil(MEAN + STD)}
    assert sugg.predicted_drop_rate == 0.1 and sugg.recipe_item == {"text_length_filter": sugg.recommended_params}


def test_the_predicted_drop_rate_is_what_a_dry_run_drops(ctx, lengths_data):
    sugg = suggest_thresholds(ctx, {"dataset": lengths_data, "ops": ["text_length_filter"], "k": 1}).suggestions[0]
    recipe = {"dataset_path": lengths_data, "process": [sugg.recipe_item]}
    dry = dry_run(ctx, {"source": {"recipe": recipe}, "n": 100})
    assert dry.ops[0].kept_ratio == pytest.approx(1 - sugg.predicted_drop_rate)


def test_ratio_bounds_are_clipped_to_one(ctx, workspace):
    write_jsonl(workspace / "r.jsonl", [{"text": "abcd"}] * 20 + [{"text": "a!!!"}] * 2)
    sugg = suggest_thresholds(ctx, {"dataset": "r.jsonl", "ops": ["alphanumeric_filter"], "k": 10}).suggestions[0]
    assert _bound(sugg, "max_ratio").candidates[0].value == 1.0
    assert _bound(sugg, "min_ratio").candidates[0].value == 0.0


def test_a_bound_is_not_tightened_without_outliers(ctx, workspace):
    write_jsonl(workspace / "clean.jsonl", [{"text": f"a perfectly fine sentence number {i}"} for i in range(30)])
    sugg = suggest_thresholds(ctx, {"dataset": "clean.jsonl", "ops": ["flagged_words_filter"]}).suggestions[0]
    hi = _bound(sugg, "max_ratio")
    assert hi.candidates[0].value == 0.0  # mean + 3 std of all-zero ratios
    assert hi.recommended.method == "current" and hi.recommended.value == 0.045
    assert "no outliers" in hi.why


def test_the_filters_other_params_are_kept(ctx):
    res = suggest_thresholds(ctx, {"dataset": "data/web.jsonl", "n": 200,
                                   "ops": [{"word_repetition_filter": {"rep_len": 5}}]})
    assert res.suggestions[0].recommended_params["rep_len"] == 5


def test_defaults_cover_every_text_filter(ctx):
    res = suggest_thresholds(ctx, {"dataset": "data/web.jsonl", "n": 200})
    assert {"text_length_filter", "stopwords_filter", "special_characters_filter"} <= {s.op for s in res.suggestions}
    for s in res.suggestions:
        assert 0 <= s.predicted_drop_rate <= 1
        for b in s.bounds:
            assert all(0 <= c.drop_rate <= 1 for c in b.candidates)


@pytest.mark.parametrize(("args", "code"), [
    ({"quantiles": [0.7]}, "bad_request"),
    ({"k": 0}, "bad_request"),
    ({"ops": ["clean_email_mapper", "suffix_filter"]}, "not_profilable"),
    ({"dataset": "../x.jsonl"}, "path_outside_workspace"),
])
def test_errors_are_typed(ctx, args, code):
    res = suggest_thresholds(ctx, {"dataset": "data/web.jsonl", "n": 50, **args})
    assert not res.ok and res.error.code == code


def test_a_cluster_of_outliers_that_hides_from_k_sigma_is_found_by_median_and_mad(ctx, workspace):
    import numpy as np

    rng = np.random.default_rng(0)
    body = rng.normal(700, 100, 270).round().astype(int)
    short = rng.integers(10, 40, 30)
    write_jsonl(workspace / "mixed.jsonl", [{"text": "x" * int(n)} for n in np.concatenate([body, short])])
    res = suggest_thresholds(ctx, {"dataset": "mixed.jsonl", "ops": ["text_length_filter"], "k": 3})
    lo = _bound(res.suggestions[0], "min_len")
    sigma = next(c for c in lo.candidates if c.method == "k_sigma")
    assert sigma.drop_rate == 0.0  # mean - 3·std is below every short text
    rec = lo.recommended
    median = float(np.median(np.concatenate([body, short])))
    mad = float(np.median(np.abs(np.concatenate([body, short]) - median)))
    assert rec.method == "robust_sigma" and rec.value == math.floor(median - 3 * 1.4826 * mad)
    assert rec.drop_rate == pytest.approx(30 / 300)  # exactly the planted short texts


def test_lengths_far_below_a_widely_spread_bulk_are_found_on_a_log_scale(ctx, workspace):
    import numpy as np

    rng = np.random.default_rng(1)
    body = np.exp(rng.uniform(np.log(390), np.log(1500), 250)).round().astype(int)  # wide, multiplicative spread
    short = rng.integers(8, 41, 30)
    values = np.concatenate([body, short])
    write_jsonl(workspace / "wide.jsonl", [{"text": "x" * int(n)} for n in values])
    res = suggest_thresholds(ctx, {"dataset": "wide.jsonl", "ops": ["text_length_filter"], "k": 3})
    lo = _bound(res.suggestions[0], "min_len")
    by_method = {c.method: c for c in lo.candidates}
    assert by_method["k_sigma"].drop_rate == 0.0 and by_method["robust_sigma"].drop_rate == 0.0
    logs = np.log(values)
    log_median = float(np.median(logs))
    log_mad = float(np.median(np.abs(logs - log_median)))
    rec = lo.recommended
    assert rec.method == "robust_log" and rec.value == math.floor(math.exp(log_median - 3 * 1.4826 * log_mad))
    assert rec.drop_rate == pytest.approx(30 / 280, abs=1e-4)  # exactly the planted short texts, none of the bulk


def test_the_log_scale_rule_is_only_for_counts(ctx, workspace):
    rows = [{"text": "a1 " * (i % 7 + 1) + "!" * (i % 3)} for i in range(60)]
    write_jsonl(workspace / "ratios.jsonl", rows)
    res = suggest_thresholds(ctx, {"dataset": "ratios.jsonl", "ops": ["special_characters_filter"], "k": 3})
    methods = {c.method for b in res.suggestions[0].bounds for c in b.candidates}
    assert "robust_log" not in methods and "k_sigma" in methods

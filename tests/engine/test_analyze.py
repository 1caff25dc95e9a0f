"""The analyzer: stats over generated data with known distributions, automatic bounds, plots, CLI."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from recipe_copilot.engine.analyze import (
    DEFAULT_ANALYSIS_OPS,
    analyze,
    auto_bounds,
    default_analysis_recipe,
    write_analysis,
)
from recipe_copilot.engine.recipe import load_recipe, recipe_from_mapping
from recipe_copilot.engine.testing import run_rows, write_jsonl

N_CLEAN = 3000
LOW, HIGH = 10, 5000  # planted outlier lengths


def _lengths(seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(1000, 50, N_CLEAN).round(), 1, None).astype(int)


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, np.ndarray, list[dict]]:
    """3000 texts with lengths ~ N(1000, 50) and 5 outliers on each side (lengths 10 and 5000)."""
    lengths = np.concatenate([_lengths(), [LOW] * 5, [HIGH] * 5])
    rows = [{"text": "a" * int(n), "id": i} for i, n in enumerate(lengths)]
    path = write_jsonl(tmp_path / "data.jsonl", rows)
    return path, lengths, rows


def _recipe(path: Path, process: list, **keys) -> object:
    return recipe_from_mapping({"dataset_path": str(path), **keys, "process": process})


def test_summary_matches_numpy(planted):
    path, lengths, _ = planted
    recipe = _recipe(path, [{"text_length_filter": {"min_len": 20}}], percentiles=[0.1, 0.9])
    a = analyze(recipe)
    s = a.summary(0)
    assert (a.rows_read, a.rows_analysed, s.count, s.non_numeric) == (len(lengths), len(lengths), len(lengths), 0)
    assert s.mean == pytest.approx(lengths.mean(), rel=1e-12)
    assert s.std == pytest.approx(lengths.std(), rel=1e-12)
    assert (s.min, s.max) == (LOW, HIGH)
    assert set(s.quantiles) == {"10%", "50%", "90%"}
    for key, q in (("10%", 0.1), ("50%", 0.5), ("90%", 0.9)):
        assert s.quantiles[key] == pytest.approx(np.quantile(lengths, q))
    # the clean part follows the distribution it was drawn from
    clean = a.values(0)[a.values(0) > LOW]
    clean = clean[clean < HIGH]
    assert clean.mean() == pytest.approx(1000, abs=5) and clean.std() == pytest.approx(50, abs=5)
    # the current bound min_len=20 drops the five short outliers, by the filter's own test
    assert s.bounds[0].param == "min_len" and s.bounds[0].drop_rate == pytest.approx(5 / len(lengths), abs=1e-6)
    assert s.current_drop_rate == pytest.approx(5 / len(lengths), abs=1e-6)


def test_three_sigma_recipe_drops_planted_outliers_only(planted, tmp_path):
    path, lengths, rows = planted
    a = analyze(_recipe(path, [{"text_length_filter": {"min_len": 1}}]))
    bounds = auto_bounds(a, sigma=3)
    (pred,) = bounds.filters
    assert LOW < pred.params["min_len"] < _lengths().min()
    assert _lengths().max() < pred.params["max_len"] < HIGH
    assert pred.drop_rate == pytest.approx(10 / len(lengths), abs=1e-6)
    assert bounds.total_drop_rate == pytest.approx(10 / len(lengths), abs=1e-6)
    # the written recipe reads back and a real run drops exactly the planted outliers
    out = tmp_path / "auto.yaml"
    out.write_text(bounds.recipe.to_yaml())
    written = load_recipe(out)
    assert written.process[0].params.min_len == pred.params["min_len"]
    process = [spec.as_yaml_item() for spec in written.process]
    kept = run_rows(rows, process, workdir=tmp_path / "run").rows
    assert sorted(r["id"] for r in kept) == list(range(N_CLEAN))


def test_quantile_bounds_and_clipping(planted):
    path, lengths, _ = planted
    a = analyze(_recipe(path, [{"text_length_filter": {}}, {"alphanumeric_filter": {}}]))
    bounds = auto_bounds(a, quantiles=(0.02, 0.98))
    tl, an = bounds.filters
    assert tl.params["min_len"] == int(np.floor(np.quantile(lengths, 0.02)))
    assert tl.params["max_len"] == int(np.ceil(np.quantile(lengths, 0.98)))
    assert 0.02 <= tl.drop_rate <= 0.05
    # all-letter texts: ratio 1.0; k-sigma with std 0 stays inside [0, 1]
    sig = auto_bounds(a, sigma=3).filters[1]
    assert sig.params == {"min_ratio": 1.0, "max_ratio": 1.0} and sig.drop_rate == 0.0
    assert an.params["max_ratio"] <= 1.0
    with pytest.raises(ValueError):
        auto_bounds(a)


def test_stats_equal_those_of_a_run(docs, tmp_path):
    rows = [{**r, "text": r["text"] + "   \u3000 end"} for r in docs]
    permissive = {"text_length_filter": {"min_len": 0},
                  "words_num_filter": {"min_num": 0},
                  "alphanumeric_filter": {"min_ratio": 0.0},
                  "special_characters_filter": {"max_ratio": 1.0},
                  "average_line_length_filter": {"min_len": 0},
                  "maximum_line_length_filter": {"min_len": 0},
                  "character_repetition_filter": {"max_ratio": 1.0},
                  "word_repetition_filter": {"max_ratio": 1.0}}
    assert list(permissive) == DEFAULT_ANALYSIS_OPS
    process = [{"whitespace_normalization_mapper": {}}, *({k: v} for k, v in permissive.items())]
    outcome = run_rows(rows, process, workdir=tmp_path / "run")
    assert len(outcome.rows) == len(rows)
    a = analyze(_recipe(tmp_path / "run" / "input.jsonl", process))
    assert [s.op for s in a.stats] == DEFAULT_ANALYSIS_OPS
    by_id = sorted(outcome.rows, key=lambda r: r["meta"]["id"])
    for s in a.stats:
        expected = np.asarray([r["__dj__stats__"][s.stat_key] for r in by_id], dtype=float)
        np.testing.assert_array_equal(a.values(s.index), expected, err_msg=s.op)


def test_sample_is_seeded_reservoir(planted):
    path, lengths, _ = planted
    recipe = default_analysis_recipe(str(path))
    a1, a2 = analyze(recipe, sample=200, seed=3), analyze(recipe, sample=200, seed=3)
    b = analyze(recipe, sample=200, seed=4)
    assert a1.rows_read == len(lengths) and a1.rows_analysed == 200
    np.testing.assert_array_equal(a1.values(0), a2.values(0))
    assert not np.array_equal(a1.values(0), b.values(0))
    assert set(a1.values(0).astype(int)) <= set(lengths.tolist())
    assert a1.summary(0).mean == pytest.approx(lengths.mean(), abs=30)
    assert analyze(recipe, sample=10**6).rows_analysed == len(lengths)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_outputs_and_plots(planted, tmp_path):
    path, _, _ = planted
    a = analyze(_recipe(path, [{"text_length_filter": {"min_len": 20, "max_len": 3000}},
                               {"specified_field_filter": {"field_key": "id", "target_value": [1]}}]))
    assert any("specified_field_filter" in n for n in a.notes)
    paths = write_analysis(a, tmp_path / "an")
    overall = json.loads(paths["json"].read_text())
    assert overall["stats"][0]["stat_key"] == "text_len"
    assert paths["csv"].read_text().splitlines()[0] == "op,stat,count,mean,std,min,25%,50%,75%,max"
    assert paths["md"].read_text().startswith("| op | stat |")
    (png,) = paths["plots"]
    assert _png_size(png) == (640, 400)
    import matplotlib.image

    img = matplotlib.image.imread(png)
    assert img.shape[:2] == (400, 640) and img.std() > 0.01  # not a blank canvas


def _copilot(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recipe_copilot", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_cli_dataset_auto_sigma(planted, tmp_path):
    path, _, _ = planted
    res = _copilot("analyze", str(path), "--auto-sigma", "3", "--write-recipe", "auto.yaml", "--no-plots",
                   "--sample", "5000", "--seed", "1", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "predicted total drop" in res.stdout and "text_length_filter" in res.stdout
    assert (tmp_path / "outputs" / "analysis" / "overall.md").exists()
    auto = yaml.safe_load((tmp_path / "auto.yaml").read_text())
    assert [next(iter(item)) for item in auto["process"]] == DEFAULT_ANALYSIS_OPS


def test_cli_recipe_json(planted, tmp_path):
    path, lengths, _ = planted
    recipe = {"dataset_path": str(path), "export_path": "out/out.jsonl", "work_dir": "wd",
              "process": [{"text_length_filter": {"min_len": 20}}]}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    res = _copilot("analyze", "r.yaml", "--json", "--auto-quantile", "0.01,0.99", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    body = json.loads(res.stdout)
    assert body["analysis"]["stats"][0]["count"] == len(lengths)
    assert body["auto_bounds"]["method"] == "quantile"
    assert len(body["outputs"]["plots"]) == 1
    assert (tmp_path / "wd" / "analysis" / "overall.json").exists()
    bad = _copilot("analyze", "r.yaml", "--write-recipe", "x.yaml", cwd=tmp_path)
    assert bad.returncode == 2 and "--auto-sigma" in bad.stderr

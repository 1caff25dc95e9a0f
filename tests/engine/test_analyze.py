"""The analyzer: stats over generated data with known distributions, automatic bounds, plots, CLI."""

from __future__ import annotations

import base64
import json
import re
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
    assert (s.kind, s.errors, a.errors) == ("scalar", 0, [])
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
    (box,) = paths["boxplots"]
    from PIL import Image

    for p, size in ((png, (640, 400)), (box, (480, 480))):
        with Image.open(p) as im:
            im.load()  # decodes the whole image
            assert im.size == size
            arr = np.asarray(im.convert("L"), dtype=float)
        assert arr.std() > 5  # not a blank canvas
    # the bound lines are drawn in their colours (min red, max orange) on both plots
    for p in (png, box):
        with Image.open(p) as im:
            rgb = np.asarray(im.convert("RGB")).reshape(-1, 3).astype(int)
        assert (np.abs(rgb - (0xC4, 0x4E, 0x52)).sum(axis=1) < 30).sum() > 50
        assert (np.abs(rgb - (0xDD, 0x84, 0x52)).sum(axis=1) < 30).sum() > 50
    # the HTML report: the stat names, every figure embedded and linked to a file that exists
    page = paths["html"].read_text()
    assert "text_len" in page and "min_len" in page
    links = re.findall(r'<a href="([^"]+)"><img src="data:image/png;base64,([^"]+)"', page)
    assert {link for link, _ in links} >= {"hist/00_text_length_filter_text_len.png",
                                           "box/00_text_length_filter_text_len.png"}
    for link, data in links:
        assert (paths["html"].parent / link).read_bytes() == base64.b64decode(data)


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
    assert "report: outputs/analysis/report.html" in res.stdout.replace("\n", "")
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
    assert len(body["outputs"]["plots"]) == 1 and len(body["outputs"]["boxplots"]) == 1
    assert (tmp_path / body["outputs"]["html"]).is_file()
    assert (tmp_path / "wd" / "analysis" / "overall.json").exists()
    bad = _copilot("analyze", "r.yaml", "--write-recipe", "x.yaml", cwd=tmp_path)
    assert bad.returncode == 2 and "--auto-sigma" in bad.stderr


# ---- media recipes: list stats, several stats per filter, failing rows ---------------------


def test_image_recipe_counts_missing_file_and_flattens(tmp_path):
    import importlib.util

    from PIL import Image

    script = Path(__file__).parents[2] / "scripts" / "make_image_text_data.py"
    spec = importlib.util.spec_from_file_location("make_image_text_data", script)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    sys.argv, argv = ["x", str(tmp_path / "d"), "--n-ok", "10"], sys.argv
    try:
        mod.main()
    finally:
        sys.argv = argv
    data = tmp_path / "d" / "image_text.jsonl"
    recipe_path = Path(__file__).parents[2] / "recipe_copilot" / "knowledge" / "recipes" / "image_text_pairs.yaml"
    recipe = load_recipe(recipe_path, {"dataset_path": str(data)})
    a = analyze(recipe)
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    assert a.rows_analysed == len(rows)
    shape = next(s.index for s in a.stats if s.op == "image_shape_filter")
    assert set(a.keys(shape)) == {"image_width", "image_height"}
    # the missing file (and the corrupt one) are counted as the filter's errors, not fatal
    (err,) = [e for e in a.errors if e.op == "image_shape_filter"]
    bad = [r for r in rows if r["meta"]["kind"] in ("missing", "corrupt")]
    assert err.errors == len(bad) and any("missing" in x for x in err.examples)
    # one value per readable image, flattened as Data-Juicer's analyzer does
    sizes = []
    for r in rows:
        if r["meta"]["kind"] in ("missing", "corrupt"):
            continue
        for p in r["images"]:
            with Image.open(tmp_path / "d" / p) as im:
                sizes.append(im.size)
    widths = np.array([w for w, _ in sizes], dtype=float)
    w = a.summary(shape, "image_width")
    assert (w.kind, w.count, w.errors) == ("list", len(sizes), len(bad))
    assert w.mean == pytest.approx(widths.mean()) and w.max == widths.max()
    assert [b.param for b in w.bounds] == ["min_width", "max_width"]
    assert [b.param for b in a.summary(shape, "image_height").bounds] == ["min_height", "max_height"]
    # drop predictions go through the filter's own keep_batch (any image in range)
    tiny = sum(1 for r in rows if r["meta"]["kind"] == "tiny")
    assert a.summary(shape, "image_width").current_drop_rate >= tiny / len(rows)
    # k-sigma sets width bounds from widths, height bounds from heights
    bounds = auto_bounds(a, sigma=2)
    pred = next(f for f in bounds.filters if f.op == "image_shape_filter")
    assert pred.params["max_width"] == int(np.ceil(widths.mean() + 2 * widths.std()))
    assert any(s.op == "words_num_filter" for s in a.stats)
    assert any("image_deduplicator" in n for n in a.notes)


def test_parallel_pass_equals_in_process(planted, monkeypatch):
    """np=2 runs the chunks in the local executor's worker processes; same numbers."""
    import recipe_copilot.engine.analyze as mod
    import recipe_copilot.engine.io.readers as readers

    path, lengths, _ = planted
    monkeypatch.setattr(mod, "_MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(readers, "CHUNK_BYTES", 300_000)  # ~10 chunks
    recipe = _recipe(path, [{"text_length_filter": {"min_len": 20}}, {"words_num_filter": {}}])
    one = analyze(recipe, workers=1)
    two = analyze(recipe, workers=2)
    assert (one.executor, one.workers, two.executor, two.workers) == ("in-process", 1, "local", 2)
    assert two.rows_read == two.rows_analysed == len(lengths)
    for s in one.stats:
        np.testing.assert_array_equal(one.values(s.index, s.stat_key), two.values(s.index, s.stat_key))
    assert one.model_dump(exclude={"executor", "workers", "seconds"}) == two.model_dump(exclude={"executor", "workers", "seconds"})


def test_ray_without_ray_falls_back_with_a_note(planted, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            msg = "No module named 'ray'"
            raise ImportError(msg)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    path, lengths, _ = planted
    a = analyze(_recipe(path, [{"text_length_filter": {}}], executor_type="ray", np=1))
    assert a.rows_analysed == len(lengths)
    assert any("ray is not available" in n for n in a.notes)


# ---- diversity -----------------------------------------------------------------------------


def test_diversity_leading_pairs(tmp_path):
    rows = ([{"text": "Write a poem about the sea."}] * 30 + [{"text": "Please summarize this article quickly"}] * 20
            + [{"text": "The cat sat on the mat"}] * 5)
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    a = analyze(default_analysis_recipe(str(path)))
    assert a.pairs.most_common(3) == [(("write", "poem"), 30), (("summarize", "article"), 20), (("cat", "sat"), 5)]
    paths = write_analysis(a, tmp_path / "out")
    lines = paths["diversity_csv"].read_text().splitlines()
    assert lines[:2] == ["first,second,count,share", "write,poem,30,0.545455"]
    from PIL import Image

    with Image.open(paths["diversity_png"]) as im:
        im.load()
        assert im.size[0] == 640
    assert "Diversity" in paths["html"].read_text()


# ---- before / after ------------------------------------------------------------------------


def test_compare_shows_known_shift(tmp_path):
    from recipe_copilot.engine.analysis_report import compare, write_comparison

    rng = np.random.default_rng(1)
    a_len = rng.normal(1000, 50, 800).round().astype(int)
    b_len = rng.normal(1200, 50, 800).round().astype(int)
    pa = write_jsonl(tmp_path / "a.jsonl", [{"text": "a" * int(n)} for n in a_len])
    pb = write_jsonl(tmp_path / "b.jsonl", [{"text": "a" * int(n)} for n in b_len])
    process = [{"text_length_filter": {}}]
    a, b = analyze(_recipe(pa, process)), analyze(_recipe(pb, process))
    cmp = compare(a, b)
    (s,) = cmp.stats
    assert s.mean == (pytest.approx(a_len.mean()), pytest.approx(b_len.mean()))
    assert s.mean_shift == pytest.approx(b_len.mean() - a_len.mean()) and 190 < s.mean_shift < 210
    paths = write_comparison(cmp, a, b, tmp_path / "cmp")
    header = paths["csv"].read_text().splitlines()[0].split(",")
    assert header[:7] == ["op", "stat", "count A", "count B", "mean A", "mean B", "mean shift"]
    (png,) = paths["plots"]
    assert _png_size(png) == (640, 400)
    page = paths["html"].read_text()
    assert "text_len" in page and "overlay/00_text_length_filter_text_len.png" in page
    # the CLI: two datasets side by side
    res = _copilot("analyze", "--compare", str(pa), str(pb), "--no-plots", "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    body = json.loads(res.stdout)
    assert body["comparison"]["stats"][0]["mean_shift"] == pytest.approx(s.mean_shift)
    assert Path(tmp_path / body["outputs"]["html"]).is_file()


def test_compare_side_may_be_a_run(planted, tmp_path):
    """A run (its run.json or its folder) stands for its exported output."""
    from recipe_copilot.engine.analysis_report import dataset_of

    _, lengths, rows = planted
    run_rows(rows, [{"text_length_filter": {"min_len": 20, "max_len": 3000}}], workdir=tmp_path / "run")
    (record,) = (tmp_path / "run").rglob("run.json")
    out = dataset_of(record.parent)
    assert out == dataset_of(record) and Path(out).is_file()
    a = analyze(default_analysis_recipe(out))
    kept = lengths[(lengths >= 20) & (lengths <= 3000)]
    assert a.summary(0).count == kept.size and a.summary(0).mean == pytest.approx(kept.mean())
    assert dataset_of(tmp_path / "run" / "nothing.jsonl") == str(tmp_path / "run" / "nothing.jsonl")


def test_carried_stats_of_a_multi_stat_filter_are_used():
    """Stats an exported run carried (`__dj__stats__`) are reused, as a run reuses them, even
    for a filter with several stats whose files are gone."""
    from recipe_copilot.engine.analyze import analyze_batch, stat_keys
    from recipe_copilot.engine.ops import registry
    from recipe_copilot.engine.sample import SampleBatch

    assert stat_keys(registry()["image_shape_filter"]) == ["image_width", "image_height"]
    assert stat_keys(registry()["language_id_score_filter"]) == ["lang", "lang_score"]
    recipe = _recipe(Path("unused.jsonl"), [{"image_shape_filter": {"min_width": 15}}])
    batch = SampleBatch.from_rows([
        {"text": "x", "images": ["/gone/a.png"], "__dj__stats__": {"image_width": [10], "image_height": [20]}},
        {"text": "y", "images": ["/gone/b.png", "/gone/c.png"],
         "__dj__stats__": {"image_width": [30, 40], "image_height": [20, 5]}},
    ])
    a = analyze_batch(recipe, batch)
    assert a.errors == [] and a.keys(0) == ["image_width", "image_height"]
    np.testing.assert_array_equal(a.values(0, "image_width"), [10, 30, 40])
    assert a.stat(0, "image_width").per_row() == [[10.0], [30.0, 40.0]]
    assert a.summary(0, "image_width").current_drop_rate == 0.5  # the first row's only image is too narrow


def test_an_unusable_endpoint_stops_the_analysis_instead_of_failing_every_row(tmp_path):
    import socket

    from recipe_copilot.engine.ops.common.llm_api import LLMEndpointError

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": f"sample {i}"} for i in range(20)])
    recipe = _recipe(path, [{"llm_quality_score_filter": {
        "model_params": {"base_url": f"http://127.0.0.1:{port}/v1", "cache": False, "max_retries": 0}}}])
    with pytest.raises(LLMEndpointError, match=f"127.0.0.1:{port}.*unreachable"):
        analyze(recipe)

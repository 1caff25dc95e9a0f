"""Conformance of our LLM-API ops with Data-Juicer 1.6.1's, against one scripted fake OpenAI server.

Each case is a sample and the answers the fake server gives to it, in order (keyed by a
``case-N`` marker in the request, so concurrency and retries cannot shift them). Both
implementations run every case on a fresh server; the script compares stats, kept rows,
mapped fields, the user messages sent and how many requests each sample took. System prompts
differ on purpose (ours are reworded), so they are not compared; image_tagging_vlm_mapper's user
text is reworded too, so its cases set ``input_template``. Images in a user message are compared
by their decoded bytes: the data URL's mime type differs on purpose (Data-Juicer always says
image/jpeg, ours names the file's real format), and tag lists are compared sorted (Data-Juicer
keeps them in set order, which is random per process).

Run (Data-Juicer needs ``openai``, which its venv lacks; put it on a side path, not in the venv):
    /work/djvenv/bin/python -m pip install --target /tmp/dj-openai --no-deps openai distro jiter sniffio
    DJ_PYTHON=/work/djvenv/bin/python DJ_EXTRA_PATH=/tmp/dj-openai .venv/bin/python bench/llm_ops_conformance.py

Exit status 0 when every case matches.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from PIL import Image

from recipe_copilot.copilot.llm.fake_server import FakeError, FakeOpenAIServer, RecordedRequest
from recipe_copilot.engine.ops import get_op_class
from recipe_copilot.engine.ops.base import OpRun
from recipe_copilot.engine.sample import SampleBatch

Q = ("accuracy", "grammar", "informativeness", "coherence")
D = ("linguistic_complexity", "conceptual_depth", "prior_knowledge", "step_complexity", "ambiguity")
T = ("topical_relevance", "linguistic_style_match", "task_match", "knowledge_alignment", "potential_utility")


def scores(dims: tuple[str, ...], *values: Any, **extra: Any) -> str:
    return json.dumps({"dimension_scores": dict(zip(dims, values, strict=True)), **extra}, ensure_ascii=False)


def analysis_cases(dims: tuple[str, ...]) -> list[list[Any]]:
    n = len(dims)
    return [
        [scores(dims, *[5, 4, 4, 3, 2][:n], flags=["x"], rationale="fine", recommendation=["keep"])],
        ["Sure!\n```json\n" + scores(dims, *[2, 2, 3, 1, 1][:n]) + "\n```"],
        ["no json at all", scores(dims, *[4] * n)],
        ["nope", "nope", "nope"],
        [json.dumps({"rationale": "r", "recommendation": "discard"})],
        [json.dumps({"dimension_scores": {dims[0]: 5}}), scores(dims, *[3] * n)],
        [FakeError(500), scores(dims, *[5] * n)],
        [json.dumps({"dimension_scores": dict.fromkeys(dims, "4")}), scores(dims, *[1, 2, 3, 4, 5][:n])],
        [scores(dims, *[4.5, 3.5, 4, 4, 2][:n], tags={"topic": "数学"}, recommendation="review", rationale="中文")],
        ['{"outer": {"inner": {"deep": 1}}, "dimension_scores": {}}'],
        ["", scores(dims, *[2] * n, tags="plain")],
        [FakeError(400, "too long"), scores(dims, *[2] * n)],
        ["{not json}", "{'single': 'quotes'}", scores(dims, *[1] * n)],
    ]


QA = "【问题】\n{}\n【回答】\n{}"
CALIBRATE_QA = [
    [QA.format("新问题", "新回答")],
    ["前言【问题】q【回答】a", "【问题】q2【回答】a2"],
    ["【问题】q\n多行\n【回答】a"] * 3,
    ["【问题】\n【回答】只改回答"],
    ["【问题】 q 【回答】 line1\nline2"],
    [FakeError(500), QA.format("q3", "a3")],
]
CALIBRATE_ONE = [["  new text \n"], ["", " ", "x"], [FakeError(503), "after error"], ["【问题】q\n【回答】a"]]

OPTIMIZE_QA = [
    [QA.format("新问题", "新回答")],
    ["前言\n【问题】q\n多行\n【回答】a\nb"],
    ["no markers", "still none", "nope"],
    ["【问题】\n【回答】只改回答"],
    [FakeError(500), QA.format("q3", "a3")],
    ["", "【问题】 q4 【回答】 a4 "],
    [FakeError(400, "too long"), "【问题】q5【回答】"],
]
API = {"is_hf_model": False}
TAGS = [
    ['{"tags": ["Red Apple", "wooden table", "red apple"]}'],
    ['```json\n{"tags": ["a", "b"]}\n```'],
    ["Response: {'tag': 'Sunny Day, sky, '}"],
    ["no json", '{"tags": ["never asked"]}'],
    [FakeError(500), '{"tags": ["after-retry"]}'],
    [FakeError(400, "too long")],
    [json.dumps({"tags": [f"t{i % 10}" for i in range(12)]})],
    ['["not", "a", "dict"]'],
    ['{"tags": ["' + "x" * 40 + '", 3, null]}'],
    ['{"tag": ["first"]}', '{"tags": ["second"]}'],  # images [a, a, b]: one request per distinct image
    [],  # no images: [[]] without a request
]
TAG_PARAMS = {"is_api_model": True, "input_template": "Tag this image. Text: {text}"}

OPS: list[tuple[str, str, dict, list[list[Any]]]] = [
    ("llm_quality_score_filter", "data_juicer.ops.filter.llm_quality_score_filter:LLMQualityScoreFilter", {},
     analysis_cases(Q)),
    ("llm_difficulty_score_filter", "data_juicer.ops.filter.llm_difficulty_score_filter:LLMDifficultyScoreFilter",
     {"min_score": 0.3, "max_score": 0.9}, analysis_cases(D)),
    ("llm_task_relevance_filter", "data_juicer.ops.filter.llm_task_relevance_filter:LLMTaskRelevanceFilter",
     {"task_desc": "math word problems", "valid_dataset": [{"text": "What is 2+3?"}, {"text": "x+1=4"}],
      "n_shot": 1, "min_score": 0.6}, analysis_cases(T)),
    ("calibrate_qa_mapper", "data_juicer.ops.mapper.calibrate_qa_mapper:CalibrateQAMapper", {}, CALIBRATE_QA),
    ("calibrate_query_mapper", "data_juicer.ops.mapper.calibrate_query_mapper:CalibrateQueryMapper", {},
     CALIBRATE_ONE),
    ("calibrate_response_mapper", "data_juicer.ops.mapper.calibrate_response_mapper:CalibrateResponseMapper", {},
     CALIBRATE_ONE),
    ("calibrate_response_mapper", "data_juicer.ops.mapper.calibrate_response_mapper:CalibrateResponseMapper",
     {"output_pattern": r"(Answer):\s*\((\w+)\)"}, [["Answer: (better) done"], ["no marker"]]),
    ("optimize_qa_mapper", "data_juicer.ops.mapper.optimize_qa_mapper:OptimizeQAMapper", API, OPTIMIZE_QA),
    ("optimize_qa_mapper", "data_juicer.ops.mapper.optimize_qa_mapper:OptimizeQAMapper",
     {**API, "output_pattern": r"Q:\s*(.*?)\s*\|A:(.*)"}, [["Q: x\ny |A: z\n"], [" Q: no|A: match"]]),
    ("optimize_query_mapper", "data_juicer.ops.mapper.optimize_query_mapper:OptimizeQueryMapper", API,
     CALIBRATE_ONE),
    ("optimize_response_mapper", "data_juicer.ops.mapper.optimize_response_mapper:OptimizeResponseMapper", API,
     CALIBRATE_ONE),
    ("image_tagging_vlm_mapper", "data_juicer.ops.mapper.image_tagging_vlm_mapper:ImageTaggingVLMMapper",
     TAG_PARAMS, TAGS),
]

DJ_DRIVER = r"""
import importlib, json, sys
spec = json.load(sys.stdin)
module, _, name = spec["cls"].partition(":")
op = getattr(importlib.import_module(module), name)(**spec["params"])
out = []
for row in spec["rows"]:
    sample = dict(row)
    if spec["meta"]:
        sample.setdefault("__dj__meta__", {})
    if spec["kind"] == "filter":
        sample["__dj__stats__"] = {}
        sample = op.compute_stats_single(sample)
        out.append({"stats": sample["__dj__stats__"], "keep": bool(op.process_single(sample))})
    else:
        out.append({"row": op.process_single(sample)})
print("@@RESULT@@" + json.dumps(out, ensure_ascii=False, default=lambda o: o.tolist()))
"""


class Script:
    """Answers by case marker: the k-th request of case N gets its k-th scripted answer."""

    def __init__(self, cases: list[list[Any]]) -> None:
        self.cases, self.seen, self.lock = cases, defaultdict(int), threading.Lock()
        self.users: dict[int, set[str]] = defaultdict(set)

    def __call__(self, request: RecordedRequest) -> Any:
        user = comparable(request.messages[-1]["content"])
        case = int(re.findall(r"case-(\d+)", user)[-1])
        with self.lock:
            k = self.seen[case]
            self.seen[case] += 1
            self.users[case].add(user)
        answers = self.cases[case]
        return answers[k] if k < len(answers) else "(script exhausted)"


def comparable(content: Any) -> str:
    """A user message as text; an image part becomes the digest of its decoded bytes (mime left out)."""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        if part.get("type") == "image_url":
            data = base64.b64decode(part["image_url"]["url"].partition(";base64,")[2])
            parts.append(f"<image {hashlib.sha256(data).hexdigest()[:12]}>")
        else:
            parts.append(part.get("text", ""))
    return "\n".join(parts)


def normalised(results: list[dict]) -> list[dict]:
    """Tag lists sorted (Data-Juicer's order is a set's); numpy-free plain values."""
    for r in results:
        meta = (r.get("row") or {}).get("__dj__meta__") or {}
        for key, value in meta.items():
            if isinstance(value, list) and all(isinstance(v, list) for v in value):
                meta[key] = [sorted(v) for v in value]
    return results


def images_for(n: int, folder: Path) -> list[list[str]]:
    """Per case, distinct tiny PNGs; case n-2 has [a, a, b], the last case none."""
    paths = []
    for i in range(n + 1):
        path = folder / f"img{i}.png"
        Image.new("RGB", (3 + i, 2), (20 * i % 256, 90, 200)).save(path)
        paths.append(str(path))
    out = [[p] for p in paths[:n]]
    out[n - 2] = [paths[n - 2], paths[n - 2], paths[n]]
    out[n - 1] = []
    return out


def rows_for(op: str, n: int, folder: Path) -> list[dict]:
    if op.startswith("image_tagging"):
        return [{"text": f"photo case-{i}", "images": imgs} for i, imgs in enumerate(images_for(n, folder))]
    if op.startswith(("calibrate", "optimize")):
        return [{"text": f"reference case-{i}", "query": f"q case-{i}", "response": f"a case-{i}"} for i in range(n)]
    return [{"text": f"sample case-{i}"} for i in range(n)]


def run_ours(op: str, params: dict, rows: list[dict], url: str) -> list[dict]:
    cls = get_op_class(op)
    mp = {"base_url": url, "api_key": "fake", "cache": False}
    if op.startswith("image_tagging"):
        mp["concurrency"] = 1  # the script answers a case's images in arrival order, as Data-Juicer sends them
    inst = cls.from_config({**params, "model_params": mp})
    inst.ensure_ready()
    batch = SampleBatch.from_rows(rows)
    if cls.kind == "filter":
        inst.compute_stats_batch(batch)
        keep = inst.keep_batch(batch)
        return [{"stats": {k: batch.stats[k][i] for k in cls.written_stats()}, "keep": keep[i]}
                for i in range(len(rows))]
    return [{"row": r} for r in inst.run_batch(batch, OpRun()).to_rows()]


def model_key(op: str) -> str:
    return "api_model" if "api_model" in get_op_class(op).Params.model_fields else "api_or_hf_model"


def run_dj(op: str, cls_path: str, kind: str, params: dict, rows: list[dict], url: str) -> list[dict]:
    spec = {"cls": cls_path, "kind": kind, "rows": rows, "meta": op.startswith("image_tagging"),
            "params": {**params, "model_params": {"base_url": url, "api_key": "fake"}, model_key(op): "fake-model"}}
    env = dict(os.environ)
    if extra := os.environ.get("DJ_EXTRA_PATH"):
        env["PYTHONPATH"] = extra
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([os.environ.get("DJ_PYTHON", "/work/djvenv/bin/python"), "-c", DJ_DRIVER],
                              input=json.dumps(spec), capture_output=True, text=True, cwd=tmp, env=env, check=False)
    found = [line for line in proc.stdout.splitlines() if line.startswith("@@RESULT@@")]
    if not found:
        sys.exit(f"Data-Juicer run of {cls_path} failed:\n{proc.stderr[-3000:]}")
    return json.loads(found[0].removeprefix("@@RESULT@@"))


def main() -> int:
    failures = 0
    media = tempfile.TemporaryDirectory()
    for op, cls_path, params, cases in OPS:
        rows = rows_for(op, len(cases), Path(media.name))
        kind = get_op_class(op).kind
        results, traffic = {}, {}
        for who in ("ours", "dj"):
            script = Script(cases)
            with FakeOpenAIServer(script) as server:
                if who == "ours":
                    results[who] = run_ours(op, {**params, model_key(op): "fake-model"}, rows, server.base_url)
                else:
                    results[who] = run_dj(op, cls_path, kind, params, rows, server.base_url)
            results[who] = normalised(results[who])
            traffic[who] = (dict(script.seen), {k: sorted(v) for k, v in script.users.items()})
        bad = [i for i in range(len(cases)) if results["ours"][i] != results["dj"][i]]
        if traffic["ours"][0] != traffic["dj"][0]:
            print(f"  {op}: requests per case differ: ours {traffic['ours'][0]} vs dj {traffic['dj'][0]}")
            failures += 1
        if traffic["ours"][1] != traffic["dj"][1]:
            print(f"  {op}: user messages differ")
            failures += 1
        for i in bad:
            print(f"  {op} case {i}:\n    ours {results['ours'][i]}\n    dj   {results['dj'][i]}")
        failures += len(bad)
        label = f"{op} {params.get('output_pattern', '')}".strip()
        print(f"{label}: {len(cases) - len(bad)}/{len(cases)} cases identical, "
              f"{sum(traffic['ours'][0].values())} requests (ours) / {sum(traffic['dj'][0].values())} (dj)")
    media.cleanup()
    print("CONFORMANT" if failures == 0 else f"{failures} difference(s)")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

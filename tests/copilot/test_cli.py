"""The `copilot` command as a user runs it: exit codes, messages, outputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from recipe_copilot.engine.testing import read_jsonl, write_jsonl


def copilot(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recipe_copilot", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _recipe(tmp_path: Path, **extra) -> Path:
    write_jsonl(tmp_path / "in.jsonl", [{"text": "a sample that is long enough"}, {"text": "tiny"}])
    recipe = {"dataset_path": "in.jsonl", "export_path": "out/out.jsonl", "np": 1,
              "process": [{"text_length_filter": {"min_len": 10}}], **extra}
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_run_prints_table_and_writes_output(tmp_path):
    _recipe(tmp_path)
    res = copilot("run", "r.yaml", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "text_length_filter" in res.stdout and "2 samples in, 1 out" in res.stdout
    assert read_jsonl(tmp_path / "out" / "out.jsonl") == [{"text": "a sample that is long enough"}]


def test_overrides_and_quiet(tmp_path):
    _recipe(tmp_path)
    res = copilot("run", "r.yaml", "--export_path", "other/x.jsonl", "-q", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("2 in, 1 out, 0 quarantined")
    assert (tmp_path / "other" / "x.jsonl").exists()


def test_explain(tmp_path):
    _recipe(tmp_path)
    res = copilot("run", "r.yaml", "--explain", cwd=tmp_path)
    assert res.returncode == 0
    assert "stage 1" in res.stdout and "text_length_filter" in res.stdout and "min_len=10" in res.stdout
    assert not (tmp_path / "out").exists()


def test_errors_are_one_clear_line(tmp_path):
    path = _recipe(tmp_path)
    path.write_text(path.read_text().replace("min_len", "min_length"))
    res = copilot("run", "r.yaml", cwd=tmp_path)
    assert res.returncode == 2
    assert "unknown parameter 'min_length'" in res.stderr and "min_len" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    res = copilot("run", "missing.yaml", cwd=tmp_path)
    assert res.returncode == 2 and "does not exist" in res.stderr
    _recipe(tmp_path, dataset_path="nowhere.jsonl")
    res = copilot("run", "r.yaml", cwd=tmp_path)
    assert res.returncode == 2 and "nowhere.jsonl" in res.stderr


def test_ops_listing_and_detail(tmp_path):
    res = copilot("ops", "--type", "filter", cwd=tmp_path)
    assert res.returncode == 0 and "text_length_filter" in res.stdout
    res = copilot("ops", "text_length_filter", "--json", cwd=tmp_path)
    import json

    docs = json.loads(res.stdout)
    assert docs[0]["name"] == "text_length_filter" and docs[0]["stat_key"] == "text_len"
    res = copilot("ops", "no_such_thing_xyz", cwd=tmp_path)
    assert res.returncode == 2
    # square brackets in a doc are text, not terminal markup
    res = copilot("ops", "specified_numeric_field_filter", cwd=tmp_path)
    assert "[min_value, max_value]" in " ".join(res.stdout.split())


def test_help_is_fast_and_light():
    code = ("import sys, recipe_copilot.copilot.cli as c; "
            "bad = [m for m in ('torch','transformers','langchain','chromadb','gradio','ray','pyarrow','fastapi',"
            "'uvicorn','slack_bolt','httpx') if m in sys.modules];"
            "print(bad)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"

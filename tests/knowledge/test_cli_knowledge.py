"""`copilot index` and `copilot ops QUERY` as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from recipe_copilot.copilot.cli import main


def copilot(*args: str, cwd: Path, data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env.update(COPILOT_DATA_DIR=str(data_dir), COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "recipe_copilot", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def _copy_of(index, tmp_path: Path) -> Path:
    """A copy of the session's built index, for a `copilot` subprocess to use and change."""
    data_dir = tmp_path / "data"
    shutil.copytree(index.settings.data_dir, data_dir)
    return data_dir


def test_index_then_search(tmp_path, index):
    # a copy of the built session index: `copilot index` only compares hashes (no model load)
    data_dir = _copy_of(index, tmp_path)
    res = copilot("index", "-q", cwd=tmp_path, data_dir=data_dir)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("0 added, 0 updated, 0 removed,") and "unchanged (0 embedded" in res.stdout

    res = copilot("ops", "minhash", "-k", "3", "--json", cwd=tmp_path, data_dir=data_dir)
    assert res.returncode == 0, res.stderr
    hits = json.loads(res.stdout)
    assert len(hits) == 3 and hits[0]["name"] == "document_minhash_deduplicator"
    assert {"name", "type", "description", "params", "score"} <= set(hits[0])
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def _invoke(*args: str, data_dir: Path):
    """Run the CLI in this process (the embedding model is already loaded here)."""
    result = CliRunner().invoke(main, list(args), env={"COPILOT_DATA_DIR": str(data_dir), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_search_table_and_type_filter(tmp_path, index):
    out = _invoke("ops", "drop near-duplicate documents", "--type", "deduplicator", data_dir=_copy_of(index, tmp_path))
    assert "document_minhash_deduplicator" in out and "score" in out and "jaccard_threshold=0.7" in out
    assert "text_length_filter" not in out


def test_index_prints_what_changed_and_scans_runs(tmp_path, index, monkeypatch):
    data_dir = _copy_of(index, tmp_path)
    run_dir = tmp_path / "outputs" / "proj" / "runs" / "20260101-000000-aaaaaa"
    run_dir.mkdir(parents=True)
    record = {"run_id": "20260101-000000-aaaaaa", "project_name": "proj", "status": "ok", "executor": "local",
              "np": 1, "recipe": {"process": [{"text_length_filter": {"min_len": 5}}]}, "recipe_fingerprint": "r",
              "input_paths": ["in.jsonl"], "input_fingerprint": "i", "input_bytes": 10, "plan": "", "started": 0,
              "rows_in": 2, "rows_out": 1,
              "ops": [{"index": 0, "name": "text_length_filter", "kind": "filter", "rows_in": 2, "rows_out": 1}]}
    (run_dir / "run.json").write_text(json.dumps(record))
    monkeypatch.chdir(tmp_path)  # ./outputs is scanned by default
    out = _invoke("index", data_dir=data_dir)
    assert "runs added: 20260101-000000-aaaaaa" in out
    assert "1 document(s) embedded" in out
    (run_dir / "run.json").unlink()
    report = json.loads(_invoke("index", "--json", data_dir=data_dir))
    assert report["changes"]["run"]["removed"] == ["run:20260101-000000-aaaaaa"]
    assert report["changes"]["op"]["added"] == [] and report["embedded"] == 0


def test_name_lookups_and_listing_load_no_index(tmp_path):
    code = (
        "import sys\n"
        "from recipe_copilot.copilot.cli import main\n"
        "for args in (['ops'], ['ops', '--type', 'filter'], ['ops', 'text_length_filter'], ['ops', 'remove_']):\n"
        "    try:\n"
        "        main(args, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('HEAVY', [m for m in ('torch', 'transformers', 'chromadb') if m in sys.modules])\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={**os.environ, "COLUMNS": "200"})
    assert res.returncode == 0, res.stderr
    assert "HEAVY []" in res.stdout
    assert "remove_long_words_mapper" in res.stdout


def test_unknown_name_suggests_and_explains_search(tmp_path):
    res = copilot("ops", "text_lenght_filter", cwd=tmp_path, data_dir=tmp_path / "d")
    assert res.returncode == 2
    assert "text_length_filter" in res.stderr and "copilot ops" in res.stderr
    assert "Traceback" not in res.stderr


def test_unreachable_server_is_one_clear_line(tmp_path):
    env_url = "http://127.0.0.1:9"  # the discard port: nothing listens there
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env.update(COPILOT_CHROMA_URL=env_url, COPILOT_DATA_DIR=str(tmp_path / "d"))
    res = subprocess.run([sys.executable, "-m", "recipe_copilot", "index"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert "cannot reach the Chroma server" in res.stderr and "Traceback" not in res.stderr

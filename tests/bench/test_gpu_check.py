"""bench/gpu_check.py, the script a GPU machine runs, works end to end here at a tiny size.

Without a GPU the cuda run falls back to the CPU with one warning, so the two runs must agree
exactly and the script must say it saw no GPU (exit 2); with one it must exit 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]


def test_gpu_check_runs_and_compares_devices(tmp_path):
    out = tmp_path / "gpu_check.json"
    res = subprocess.run([sys.executable, "bench/gpu_check.py", "--rows", "48", "--cpu-rows", "48", "--hidden", "64",
                          "--layers", "1", "--llm", "--llm-rows", "8", "--llm-cpu-rows", "8", "--llm-hidden", "32",
                          "--llm-layers", "1", "--llm-new-tokens", "4", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    result = json.loads(out.read_text())
    assert result["cpu"]["rows"] == 48 and result["cuda"]["rows"] == 48
    assert result["outputs_match"] and result["keep_decisions_differing"] == 0
    llm = result["llm"]
    assert llm["outputs_match"] and llm["identical_texts"] == "8/8" and llm["cpu"]["prompts"] == 8
    if torch.cuda.is_available():
        assert res.returncode == 0 and result["device_used"] == "cuda"
    else:
        assert res.returncode == 2, res.stderr
        assert result["device_used"] == "cpu" and llm["device_used"] == "cpu" and result["max_stat_difference"] == 0.0
        assert res.stderr.count("asked for accelerator 'cuda' but no GPU is visible") == 2  # once per op

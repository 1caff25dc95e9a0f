"""The bundled image-text recipe on generated image-text data: what stays, what goes, nothing lost."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import yaml

import recipe_copilot
from recipe_copilot.engine.executors import InProcessExecutor
from recipe_copilot.engine.recipe import recipe_from_mapping
from recipe_copilot.engine.testing import read_jsonl

ROOT = Path(recipe_copilot.__file__).parents[1]
RECIPE = ROOT / "recipe_copilot" / "knowledge" / "recipes" / "image_text_pairs.yaml"
_spec = importlib.util.spec_from_file_location("make_image_text_data", ROOT / "scripts" / "make_image_text_data.py")
assert _spec is not None and _spec.loader is not None
generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generator)


def test_recipe_on_generated_data(tmp_path: Path) -> None:
    data = generator.make(tmp_path / "data", n_ok=30, seed=0)
    rows = read_jsonl(data)
    kinds = Counter(r["meta"]["kind"] for r in rows)
    assert len(rows) == 50 and kinds["ok"] == 30

    raw = yaml.safe_load(RECIPE.read_text(encoding="utf-8"))
    raw.update(dataset_path=str(data), export_path=str(tmp_path / "out" / "pairs.jsonl"), np=1)
    record = InProcessExecutor(recipe_from_mapping(raw, source="image_text_pairs")).run()
    out = [r for p in record.outputs for r in read_jsonl(Path(p))]
    errors = read_jsonl(Path(record.errors_path)) if record.errors_path else []

    kept = sorted(r["id"] for r in out)
    expected = sorted(r["id"] for r in rows if r["meta"]["kind"] in ("ok", "ok_pair"))
    assert kept == expected
    quarantined = {e["sample"]["meta"]["kind"]: e["error"] for e in errors}
    assert set(quarantined) == {"missing", "corrupt"}
    missing = str(tmp_path / "data" / "images" / "missing.png")
    assert f"cannot open image '{missing}': file not found" in quarantined["missing"]
    assert "not a recognised image format" in quarantined["corrupt"]
    dropped = record.rows_in - record.rows_out - len(errors)
    assert dropped == 50 - len(expected) - 2 and dropped > 0
    assert record.rows_in == 50 and len(out) + dropped + len(errors) == 50
    # relative paths came back resolved against the dataset folder
    assert all(Path(p).is_absolute() and Path(p).exists() for r in out for p in r["images"])

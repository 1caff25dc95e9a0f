"""The bundled recipes: valid, documented, runnable on our engine, and indexed from the file."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import yaml

import recipe_copilot
from recipe_copilot.engine.recipe import recipe_from_mapping
from recipe_copilot.knowledge.recipedocs import bundled_recipe_paths, read_header, recipe_documents
from recipe_copilot.tools.runs import RunRequest, execute_recipe

SAMPLE = Path(recipe_copilot.__file__).parent / "data" / "sample_web.jsonl"
EXPECTED = {"pretrain_web_text", "code", "arxiv_latex", "chinese_text", "instruction_tuning", "image_text_pairs",
            "video", "quick_clean"}
MULTIMODAL_OPTIONAL = {"image_text_pairs": "image_text_similarity_filter", "video": "video_frames_text_similarity_filter"}
PATHS = {p.stem: p for p in bundled_recipe_paths()}


def test_the_eight_recipes_are_bundled():
    assert set(PATHS) >= EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recipe_is_valid_and_explains_itself(name):
    text = PATHS[name].read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recipe = recipe_from_mapping(raw, source=name)
    assert recipe.process, "a recipe without ops"
    for key in ("dataset_path", "export_path"):
        assert not Path(raw[key]).is_absolute(), f"{name}: {key} must be relative"
    header = read_header(text)
    assert len(header) >= 4 and header[0], f"{name}: a title line and a description are expected"
    assert any(h.lower().startswith("data:") for h in header), f"{name}: say what data it is for"
    body = text.split("process:", 1)[1]
    for line in body.splitlines():
        if line.lstrip().startswith("- "):
            assert "#" in line, f"{name}: say why the op is there: {line.strip()}"
    if name in MULTIMODAL_OPTIONAL:
        assert MULTIMODAL_OPTIONAL[name] in text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recipe_runs_on_the_sample(name, tmp_path):
    record = execute_recipe(RunRequest(
        recipe_path=str(PATHS[name]),
        overrides={"dataset_path": str(SAMPLE), "export_path": str(tmp_path / "out" / "out.jsonl"), "np": 1},
        max_samples=400,
    ))
    assert record.status == "ok"
    assert record.rows_in == 400
    assert [op.name for op in sorted(record.ops, key=lambda o: o.index)] == [
        next(iter(item)) for item in yaml.safe_load(PATHS[name].read_text())["process"]]
    if name not in ("arxiv_latex", "code"):  # web prose is neither LaTeX nor code
        assert record.rows_out > 0.3 * record.rows_in


def test_arxiv_recipe_strips_a_latex_paper(tmp_path):
    body = " ".join(f"We study problem {i} and show that the method improves results." for i in range(40))
    paper = (
        "\\documentclass{article}\n\\newcommand{\\model}{TinyNet}\n% a note to co-authors\n"
        "\\begin{document}\\title{T}\\maketitle\n"
        f"\\section{{Intro}}\nThe \\model{{}} is small. {body}\n"
        "\\bibliography{refs}\n\\bibitem{a} A. Author.\n"
    )
    data = tmp_path / "arxiv.jsonl"
    data.write_text(json.dumps({"text": paper}) + "\n", encoding="utf-8")
    record = execute_recipe(RunRequest(
        recipe_path=str(PATHS["arxiv_latex"]),
        overrides={"dataset_path": str(data), "export_path": str(tmp_path / "out.jsonl"), "np": 1},
    ))
    out = (tmp_path / "out.jsonl").read_text()
    assert record.rows_out == 1
    assert "\\section{Intro}" in out and "TinyNet" in out
    assert "documentclass" not in out and "co-authors" not in out and "bibitem" not in out


def test_recipe_documents_come_from_the_files():
    docs = {d.name: d for d in recipe_documents()}
    assert set(docs) == set(PATHS)
    doc = docs["arxiv_latex"]
    assert doc.text.startswith("Academic papers from LaTeX sources (arXiv-like)")
    assert "2. expand_macro_mapper: inline \\newcommand" in doc.text
    assert doc.payload["recipe"]["process"][0] == {"remove_comments_mapper": None}
    assert docs["image_text_pairs"].metadata["modality"] == "image"
    assert docs["video"].metadata["modality"] == "video"
    assert docs["quick_clean"].metadata["modality"] == "text"

"""Documents are generated from their one source: the op registry, a recipe file, a run.json."""

from __future__ import annotations

import sys

from pydantic import Field

from recipe_copilot.engine.docs import op_doc
from recipe_copilot.engine.ops import op_names, registry
from recipe_copilot.engine.ops.base import Filter, FilterParams
from recipe_copilot.engine.runrecord import OpReport, RunRecord
from recipe_copilot.knowledge.documents import KnowledgeDoc
from recipe_copilot.knowledge.opdocs import op_documents, op_modality, op_to_document
from recipe_copilot.knowledge.rundocs import run_documents, run_to_document


class _ToyFilter(Filter):
    """Keep samples whose toy score is in range.

    The toy score is the number of letters "z". Stat: ``toy_score``.

    Example:
        ``- toy_filter: {max_z: 1}`` keeps ``"zoo"`` and drops ``"zzz"``.
    """

    name = "toy_filter"
    stat_key = "toy_score"

    class Params(FilterParams):
        max_z: int = Field(3, ge=0, le=10, description="Most letters z allowed.")

    def compute_stat(self, text: str) -> float:
        return float(text.count("z"))

    def keep_batch(self, batch):  # pragma: no cover - never run here
        raise NotImplementedError


def test_one_document_per_registered_op():
    docs = op_documents()
    assert [d.name for d in docs] == op_names()
    assert all(d.id == f"op:{d.name}" and d.kind == "op" for d in docs)


def test_op_document_is_generated_from_op_doc():
    for name, cls in registry().items():
        doc = op_to_document(cls)
        source = op_doc(cls)
        assert {k: v for k, v in doc.payload.items() if k not in ("params", "modality")} == {
            k: v for k, v in source.items() if k != "params"}
        assert [p["name"] for p in doc.payload["params"]] == [p["name"] for p in source["params"]]
        assert doc.metadata == {"op_type": cls.kind, "modality": op_modality(cls)}
        assert source["description"].replace("``", "") in doc.text
        assert doc.keywords.split()[0] == name


def test_op_document_lists_params_with_types_defaults_bounds_stat_and_example():
    doc = op_to_document(_ToyFilter)
    assert "toy filter: Keep samples whose toy score is in range." in doc.text
    assert "a text filter: keeps or drops whole samples" in doc.text
    assert "- max_z (int, default 3, >= 0, <= 10): Most letters z allowed." in doc.text
    assert "Writes the stat __dj__stats__.toy_score." in doc.text
    assert 'Example: - toy_filter: {max_z: 1} keeps "zoo" and drops "zzz".' in doc.text
    assert doc.summary.endswith("Removes the samples whose toy score is too low or too high.")
    assert doc.keywords == "toy_filter max_z toy_score"


def test_literal_choices_and_no_limit_defaults_are_spelled_out():
    text = op_to_document(registry()["document_simhash_deduplicator"]).text
    assert "one of space, punctuation, character" in text
    assert "default no limit" in op_to_document(registry()["text_length_filter"]).text
    assert sys.maxsize == op_doc(registry()["text_length_filter"])["params"][-1]["default"]


def test_modality_from_name_prefix():
    assert op_modality(registry()["text_length_filter"]) == "text"

    class _Img(_ToyFilter):
        """Keep images."""

        name = "image_toy_filter"

        class Params(_ToyFilter.Params):
            pass

    assert op_modality(_Img) == "image"


def test_changing_the_docstring_changes_only_that_hash(monkeypatch):
    before = {d.id: d.content_hash for d in op_documents()}
    cls = registry()["clean_email_mapper"]
    monkeypatch.setattr(cls, "__doc__", (cls.__doc__ or "") + "\n\nAlso known as e-mail scrubbing.")
    after = {d.id: d.content_hash for d in op_documents()}
    assert [k for k in before if before[k] != after[k]] == ["op:clean_email_mapper"]


def test_metadata_for_chroma_is_scalar():
    doc = op_documents()[0]
    meta = doc.chroma_metadata("model-x", "summary")
    assert all(isinstance(v, str | int | float | bool) for v in meta.values())
    assert meta["doc_id"] == doc.id and meta["part"] == "summary" and meta["embedder"] == "model-x"
    assert [v[:2] for v in doc.views()] == [(doc.id, "main"), (f"{doc.id}#summary", "summary")]


def test_hash_is_stable_and_covers_content():
    doc = KnowledgeDoc(id="op:x", kind="op", name="x", text="a")
    assert doc.content_hash == KnowledgeDoc(id="op:x", kind="op", name="x", text="a").content_hash
    assert doc.content_hash != doc.model_copy(update={"text": "b"}).content_hash
    assert doc.views() == [("op:x", "main", "a")]


def _record(**kw) -> RunRecord:
    base = {
        "run_id": "20260101-000000-abcdef", "project_name": "web-clean", "status": "ok", "executor": "local",
        "np": 2, "recipe": {"process": [{"fix_unicode_mapper": {}}, {"text_length_filter": {"min_len": 50}}],
                            "text_keys": "text"},
        "recipe_fingerprint": "r1", "input_paths": ["/data/crawl/part-0.jsonl.gz"], "input_fingerprint": "i1",
        "input_bytes": 2_500_000, "plan": "", "started": 1.0, "finished": 5.0, "seconds": 4.0, "rows_in": 1000,
        "rows_out": 800, "errors": 1,
        "ops": [OpReport(index=0, name="fix_unicode_mapper", kind="mapper", rows_in=1000, rows_out=1000, seconds=0.5),
                OpReport(index=1, name="text_length_filter", kind="filter", rows_in=1000, rows_out=800, seconds=0.1,
                         errors=1)],
    }
    return RunRecord(**{**base, **kw})


def test_run_document_has_recipe_profile_kept_ratios_timing_errors():
    doc = run_to_document(_record())
    assert doc.id == "run:20260101-000000-abcdef"
    assert "Input: part-0.jsonl.gz (jsonl.gz; 1,000 rows; 2.5 MB; text field text)" in doc.text
    assert "kept 800 of 1,000 rows (80.0%) in 4.0 s; 1 samples quarantined" in doc.text
    assert "- text_length_filter (min_len=50): kept 80.0%, 0.10 s, 1 errors" in doc.text
    assert doc.payload["ops"][1]["kept_ratio"] == 0.8 and doc.payload["ops"][1]["params"] == {"min_len": 50}
    assert doc.metadata["kept_ratio"] == 0.8 and doc.metadata["project_name"] == "web-clean"


def test_run_documents_skip_unfinished_and_broken_files(tmp_path):
    _record().save(tmp_path / "work")
    _record(run_id="running-1", status="running").save(tmp_path / "work")
    bad = tmp_path / "work" / "runs" / "broken" / "run.json"
    bad.parent.mkdir(parents=True)
    bad.write_text("{not json", encoding="utf-8")
    docs, skipped = run_documents([tmp_path, tmp_path / "missing"])
    assert [d.name for d in docs] == ["20260101-000000-abcdef"]
    assert len(skipped) == 2
    assert any("not a finished run" in s for s in skipped) and any("broken" in s for s in skipped)

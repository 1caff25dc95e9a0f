"""document_deduplicator: exact duplicates by MD5 of the (normalised, stripped) text."""

from __future__ import annotations

import hashlib

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.ops.deduplicators.document_deduplicator import DocumentDeduplicator
from recipe_copilot.engine.sample import SampleBatch
from recipe_copilot.engine.testing import run_rows

OP = "document_deduplicator"


def rows_of(texts: list[str]) -> list[dict]:
    return [{"id": i, "text": t} for i, t in enumerate(texts)]


def kept_ids(out) -> list[int]:
    return [r["id"] for r in out.rows]


def test_first_occurrence_kept() -> None:
    out = run_rows(rows_of(["a", "b", "a", "c", "b", "a"]), [OP])
    assert kept_ids(out) == [0, 1, 3]


def test_text_is_stripped_before_hashing() -> None:
    out = run_rows(rows_of(["hello", "  hello \n", "hel lo", "", "  \t"]), [OP])
    assert kept_ids(out) == [0, 2, 3]


def test_case_sensitive_unless_lowercase() -> None:
    texts = ["Hello World", "hello world", "HELLO WORLD"]
    assert kept_ids(run_rows(rows_of(texts), [OP])) == [0, 1, 2]
    assert kept_ids(run_rows(rows_of(texts), [{OP: {"lowercase": True}}])) == [0]


def test_ignore_non_character() -> None:
    # whitespace (unicode too), digits (unicode too) and ASCII punctuation are removed
    texts = ["Hello, World 42!", "HelloWorld", "Hello\u3000World\u0663", "Hello World?", "Hello—World"]
    out = run_rows(rows_of(texts), [{OP: {"ignore_non_character": True}}])
    assert kept_ids(out) == [0, 4]  # "—" (an em dash) is not ASCII punctuation
    out = run_rows(rows_of([*texts, "helloworld"]), [{OP: {"ignore_non_character": True, "lowercase": True}}])
    assert kept_ids(out) == [0, 4]


def test_hash_column_is_md5_hex_of_stripped_text() -> None:
    out = run_rows(rows_of([" Abc ", "x"]), [OP], keep_hashes_in_res_ds=True)
    assert [r["__dj__hash"] for r in out.rows] == [hashlib.md5(b"Abc").hexdigest(), hashlib.md5(b"x").hexdigest()]
    assert "__dj__hash" not in run_rows(rows_of(["a"]), [OP]).rows[0]


def test_keys_and_select_directly() -> None:
    op = DocumentDeduplicator()
    op.ensure_ready()
    keys = op.keys_batch(SampleBatch.from_rows(rows_of(["x", "y"]))) + op.keys_batch(
        SampleBatch.from_rows(rows_of(["y", "x", "z"]))
    )
    result = op.select(keys)
    assert result.keep.tolist() == [True, True, False, False, True]
    assert result.pairs == [(2, 1), (3, 0)]


def test_tracer_records_pairs() -> None:
    out = run_rows(rows_of(["same", "other", "same"]), [OP], open_tracer=True)
    pairs = out.traces["duplicate-document_deduplicator"]
    assert [(p["dup1"]["id"], p["dup2"]["id"]) for p in pairs] in ([(0, 2)], [(2, 0)])


def test_bad_parameter() -> None:
    with pytest.raises(ParamError, match="lowercase"):
        run_rows(rows_of(["a"]), [{OP: {"lowercase": [1]}}])
    with pytest.raises(ParamError, match="unknown parameter"):
        run_rows(rows_of(["a"]), [{OP: {"lower_case": True}}])

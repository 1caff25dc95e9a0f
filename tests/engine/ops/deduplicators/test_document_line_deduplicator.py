"""document_line_deduplicator: its two halves (count, strip), and the refusal until the executor can run it."""

from __future__ import annotations

import hashlib

from recipe_copilot.engine.ops.deduplicators.document_line_deduplicator import DocumentLineDeduplicator
from recipe_copilot.engine.sample import SampleBatch
from recipe_copilot.engine.testing import run_rows


def op_with(**params) -> DocumentLineDeduplicator:
    return DocumentLineDeduplicator.from_config(params)


def batch_of(texts: list[str]) -> SampleBatch:
    return SampleBatch.from_rows([{"text": t} for t in texts])


def run_two_halves(texts: list[str], **params) -> list[str]:
    op = op_with(**params)
    keys = [k for i in range(0, len(texts), 2) for k in op.keys_batch(batch_of(texts[i : i + 2]))]
    return op.strip_lines(batch_of(texts), op.frequent_lines(keys)).column("text")


def test_exempt_lines() -> None:
    text = "x\n});\n# Title\n\\begin{doc}\n<div class='a'>\n  body line  \nplain"
    got = op_with().line_digests(text)
    assert got[:5] == [None] * 5
    assert got[5] == hashlib.md5(b"body line").digest()
    assert got[6] == hashlib.md5(b"plain").digest()
    loose = op_with(
        min_line_length=0, skip_brackets=False, skip_markdown_headers=False, skip_latex_env=False, skip_html_tags=False
    )
    assert None not in loose.line_digests(text)
    assert op_with().line_digests("{ }") != [None]  # a space is not a bracket


def test_normalisation_options() -> None:
    a, b = "Share, THIS 2024!", "share this"
    assert op_with().line_digests(a) != op_with().line_digests(b)
    assert op_with(lowercase=True, ignore_special_character=True).line_digests(a) == [
        hashlib.md5(b"sharethis").digest()
    ]


def test_lines_in_more_than_threshold_documents_are_removed() -> None:
    texts = ["Menu bar\nalpha", "Menu bar\nbeta\nMenu bar", "gamma\nMenu bar", "Footer here\ndelta", "Footer here"]
    # "Menu bar" is in 3 documents (counted once per document), "Footer here" in 2
    assert run_two_halves(texts, frequency_threshold=2) == [
        "alpha",
        "beta",
        "gamma",
        "Footer here\ndelta",
        "Footer here",
    ]
    assert run_two_halves(texts, frequency_threshold=1) == ["alpha", "beta", "gamma", "delta", ""]
    assert run_two_halves(texts, frequency_threshold=3) == texts


def test_single_document_is_left_alone() -> None:
    op = op_with(frequency_threshold=0)
    assert op.frequent_lines(op.keys_batch(batch_of(["a line\na line"]))) == set()


def test_select_keeps_every_sample() -> None:
    assert op_with().select([b"", b"", b""]).keep.tolist() == [True, True, True]


def test_recipe_run_removes_lines_frequent_across_the_dataset(tmp_path) -> None:
    # "Nav bar" is in 3 documents, more than frequency_threshold=2; "Shared" only in 2
    rows = [
        {"text": "Nav bar\nfirst body"},
        {"text": "Nav bar\nShared\nsecond body"},
        {"text": "Shared\nthird body"},
        {"text": "Nav bar\nfourth body"},
    ]
    out = run_rows(rows, [{"document_line_deduplicator": {"frequency_threshold": 2}}], workdir=tmp_path)
    assert out.texts == ["first body", "Shared\nsecond body", "Shared\nthird body", "fourth body"]
    assert [(o.rows_in, o.rows_out) for o in out.record.ops] == [(4, 4)]


def test_recipe_run_with_two_workers_and_a_filter_after(tmp_path) -> None:
    rows = [{"text": f"Cookie banner\nbody {i} " + "x" * (i % 3)} for i in range(40)]
    process = [{"document_line_deduplicator": {"frequency_threshold": 5}}, {"text_length_filter": {"min_len": 8}}]
    out = run_rows(rows, process, np=2, workdir=tmp_path)
    assert out.texts == [f"body {i} " + "x" * (i % 3) for i in range(40) if len(f"body {i} " + "x" * (i % 3)) >= 8]

"""common/accel: the torch device of an op, with one warning when a GPU is asked for and none is here."""

from __future__ import annotations

import logging

import pytest
import torch

from recipe_copilot.engine.ops.common import accel
from recipe_copilot.engine.ops.filters.text_length_filter import TextLengthFilter


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch):
    monkeypatch.setattr(accel, "_warned", set())


def _op(accelerator: str | None) -> TextLengthFilter:
    return TextLengthFilter(TextLengthFilter.Params(accelerator=accelerator))


def test_cpu_op_stays_on_cpu_even_with_a_gpu(monkeypatch, caplog) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with caplog.at_level(logging.WARNING):
        assert accel.torch_device(_op(None)) == "cpu"  # the op's default accelerator is cpu
        assert accel.torch_device(_op("cpu")) == "cpu"
    assert not caplog.records


def test_cuda_when_asked_and_available(monkeypatch, caplog) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with caplog.at_level(logging.WARNING):
        assert accel.torch_device(_op("cuda")) == "cuda"
    assert accel.cuda_available()
    assert not caplog.records


def test_cpu_fallback_warns_once_per_op(monkeypatch, caplog) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with caplog.at_level(logging.WARNING, logger=accel.__name__):
        assert [accel.torch_device(_op("cuda")) for _ in range(3)] == ["cpu"] * 3
    warnings = [r for r in caplog.records if r.name == accel.__name__]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "text_length_filter" in message and "CUDA_VISIBLE_DEVICES=''" in message


def test_default_accelerator_of_model_ops() -> None:
    from recipe_copilot.engine.ops.deduplicators.document_semantic_deduplicator import DocumentSemanticDeduplicator
    from recipe_copilot.engine.ops.filters.text_embd_similarity_filter import TextEmbdSimilarityFilter

    assert DocumentSemanticDeduplicator().accelerator == "cuda"
    assert TextEmbdSimilarityFilter.default_accelerator == "cuda"
    forced = DocumentSemanticDeduplicator(DocumentSemanticDeduplicator.Params(accelerator="cpu"))
    assert accel.torch_device(forced) == "cpu"


def test_no_torch_means_no_cuda(monkeypatch) -> None:
    import builtins

    real = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    assert accel.cuda_available() is False

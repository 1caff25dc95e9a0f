"""Shared fixtures (helpers such as write_jsonl live in recipe_copilot.engine.testing)."""

from __future__ import annotations

import pytest


@pytest.fixture
def docs() -> list[dict]:
    """200 samples: varied lengths, a few duplicates, nested meta."""
    rows = []
    for i in range(200):
        text = " ".join(f"word{j % 17}" for j in range(i % 40)) if i % 10 else "short"
        rows.append({"text": text, "meta": {"id": i, "src": "a" if i % 2 else "b"}})
    return rows

"""Shared fixtures: small datasets written to a temporary folder."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def read_jsonl(path: str | Path) -> list[dict]:
    return [orjson.loads(line) for line in Path(path).read_bytes().splitlines() if line.strip()]


@pytest.fixture
def docs() -> list[dict]:
    """200 samples: varied lengths, a few duplicates, nested meta."""
    rows = []
    for i in range(200):
        text = " ".join(f"word{j % 17}" for j in range(i % 40)) if i % 10 else "short"
        rows.append({"text": text, "meta": {"id": i, "src": "a" if i % 2 else "b"}})
    return rows

"""Every input format reads to the same samples; bad lines are reported, not lost."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from recipe_copilot.engine.errors import DatasetError
from recipe_copilot.engine.io.readers import MediaPaths, decode_chunk, iter_chunks, resolve_inputs
from recipe_copilot.engine.testing import write_jsonl

ROWS = [{"text": f"doc {i} é", "meta": {"n": i}} for i in range(25)]


def _read_all(path, **kw):
    files = resolve_inputs(str(path), **kw)
    rows, bad = [], []
    for chunk in iter_chunks(files, chunk_bytes=64):
        batch, b = decode_chunk(chunk)
        rows += batch.to_rows()
        bad += b
    return rows, bad


def test_jsonl_plain_gz_zst(tmp_path):
    data = b"".join(orjson.dumps(r) + b"\n" for r in ROWS)
    (tmp_path / "a.jsonl").write_bytes(data)
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(data))
    (tmp_path / "c.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    for name in ("a.jsonl", "b.jsonl.gz", "c.jsonl.zst"):
        rows, bad = _read_all(tmp_path / name)
        assert rows == ROWS and bad == [], name


def test_json_array_and_json_lines_in_dot_json(tmp_path):
    (tmp_path / "arr.json").write_text(json.dumps(ROWS))
    assert _read_all(tmp_path / "arr.json")[0] == ROWS
    write_jsonl(tmp_path / "lines.json", ROWS)
    assert _read_all(tmp_path / "lines.json")[0] == ROWS


def test_parquet_csv_tsv_txt(tmp_path):
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "a.parquet")
    assert _read_all(tmp_path / "a.parquet")[0] == ROWS
    (tmp_path / "a.csv").write_text('text,label\n"hello, world",1\n"line\nbreak",2\n')
    assert _read_all(tmp_path / "a.csv")[0] == [{"text": "hello, world", "label": 1}, {"text": "line\nbreak", "label": 2}]
    (tmp_path / "a.tsv").write_text("text\tlabel\nhi there\tx\n")
    assert _read_all(tmp_path / "a.tsv")[0] == [{"text": "hi there", "label": "x"}]
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "one.txt").write_text("first file\nsecond line")
    (tmp_path / "t" / "two.txt").write_text("other")
    assert _read_all(tmp_path / "t")[0] == [{"text": "first file\nsecond line"}, {"text": "other"}]


def test_hf_save_to_disk_folder(tmp_path):
    folder = tmp_path / "ds"
    folder.mkdir()
    table = pa.Table.from_pylist(ROWS)
    with pa.OSFile(str(folder / "data-00000-of-00001.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    (folder / "state.json").write_text("{}")
    (folder / "dataset_info.json").write_text("{}")
    assert _read_all(folder)[0] == ROWS


def test_folder_glob_and_suffixes(tmp_path):
    write_jsonl(tmp_path / "d" / "1.jsonl", ROWS[:10])
    write_jsonl(tmp_path / "d" / "sub" / "2.jsonl", ROWS[10:])
    (tmp_path / "d" / "notes.md").write_text("ignored by suffix filter")
    assert _read_all(tmp_path / "d", suffixes=["jsonl"])[0] == ROWS
    assert _read_all(str(tmp_path / "d" / "**" / "*.jsonl"))[0] == ROWS


def test_malformed_lines_are_reported_with_line_numbers(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "a"}\n{broken\n[1, 2]\n\n{"text": "b"}\n')
    rows, bad = _read_all(p)
    assert rows == [{"text": "a"}, {"text": "b"}]
    assert [(b["line"], b["op"]) for b in bad] == [(2, "reader"), (3, "reader")]
    assert "invalid JSON" in bad[0]["error"] and "expected an object" in bad[1]["error"]


def test_missing_and_unknown_inputs(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        resolve_inputs(str(tmp_path / "nope.jsonl"))
    (tmp_path / "x.xyz").write_text("?")
    with pytest.raises(DatasetError, match="unknown format"):
        resolve_inputs(str(tmp_path / "x.xyz"))
    with pytest.raises(DatasetError, match="no dataset_path"):
        resolve_inputs(None)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no readable"):
        resolve_inputs(str(tmp_path / "empty"))


def test_huge_line_longer_than_a_chunk(tmp_path):
    big = {"text": "x" * 10_000}
    write_jsonl(tmp_path / "big.jsonl", [ROWS[0], big, ROWS[1]])
    rows, _ = _read_all(tmp_path / "big.jsonl")
    assert rows == [ROWS[0], big, ROWS[1]]


def test_relative_media_paths_resolve_against_the_dataset_folder(tmp_path: Path) -> None:
    data = tmp_path / "ds"
    data.mkdir()
    rows = [{"text": "a", "images": ["img/a.png", "/abs/b.png", "s3://bucket/c.png"]}, {"text": "b", "images": []}]
    write_jsonl(data / "part.jsonl", rows)
    for dataset_path, root in [(data / "part.jsonl", data), (data, data)]:
        media = MediaPaths.for_dataset(str(dataset_path), ("images", "audios", "videos"))
        assert media is not None and media.root == str(root)
        chunk = next(iter_chunks(resolve_inputs(str(dataset_path))))
        batch, _ = decode_chunk(chunk, media=media)
        assert batch.column("images") == [[str(root / "img/a.png"), "/abs/b.png", "s3://bucket/c.png"], []]
    # a bare file name or a glob leaves paths as they are, as Data-Juicer does
    assert MediaPaths.for_dataset("part.jsonl", ("images",)) is None
    assert MediaPaths.for_dataset(str(data / "*.jsonl"), ("images",)) is None

"""Read the first samples of a dataset with the engine's own reader, and size the rest from them.

Shared by inspect_dataset, profile_dataset, dry_run and run_recipe: the rows come from the
same ``iter_chunks`` / ``decode_chunk`` a run uses, and the total number of samples is
estimated from the bytes the first ones took (exact when the whole input was read, or from
the file metadata for parquet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson

from recipe_copilot.engine.io.readers import InputFile, decode_chunk, iter_chunks
from recipe_copilot.engine.sample import SampleBatch

__all__ = ["DataSample", "head_jsonl", "read_sample"]


@dataclass
class DataSample:
    """The first rows of a dataset and what they say about its size.

    Args:
        batch: the rows read (malformed ones left out).
        bad: quarantine records of malformed rows met on the way.
        rows_read: readable rows taken.
        bytes_read: input bytes those rows came from (pro rata within a chunk).
        total_bytes: size of all input files.
        complete: whether the whole input was read.
        exact_rows: the total number of rows when known without reading (parquet metadata).
    """

    batch: SampleBatch
    bad: list[dict] = field(default_factory=list)
    rows_read: int = 0
    bytes_read: float = 0.0
    total_bytes: int = 0
    complete: bool = False
    exact_rows: int | None = None
    compressed: bool = False

    @property
    def estimated_rows(self) -> int:
        """All rows of the input: exact when known, else scaled by bytes."""
        if self.complete:
            return self.rows_read
        if self.exact_rows is not None:
            return self.exact_rows
        if not self.bytes_read:
            return self.rows_read
        return round(self.rows_read * self.total_bytes / self.bytes_read)

    @property
    def estimate_note(self) -> str:
        """How far to trust :attr:`estimated_rows`."""
        if self.complete or self.exact_rows is not None:
            return "exact"
        if self.compressed:
            return "rough: compressed input, scaled by compressed bytes"
        return f"estimated from the bytes of the first {self.rows_read} rows"


def _parquet_rows(files: list[InputFile]) -> int | None:
    if not files or any(f.format != "parquet" for f in files):
        return None
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f.path).metadata.num_rows for f in files)


def read_sample(files: list[InputFile], n: int) -> DataSample:
    """The first ``n`` readable rows of the input files, read as a run reads them.

    Malformed rows met on the way are returned apart and do not count towards ``n``.

    Args:
        files: from :func:`~recipe_copilot.engine.io.readers.resolve_inputs`.
        n: how many rows to take.

    Returns:
        The rows and the size estimate.

    Raises:
        DatasetError: a file cannot be read.
    """
    batches: list[SampleBatch] = []
    bad: list[dict] = []
    rows = 0
    nbytes = 0.0
    complete = True
    for chunk in iter_chunks(files):
        if rows >= n:
            complete = False
            break
        batch, chunk_bad = decode_chunk(chunk)
        left = n - rows
        if len(batch) > left:
            nbytes += chunk.nbytes * left / len(batch)
            batch = batch.take(range(left))
            rows += left
            complete = False
        else:
            nbytes += chunk.nbytes
            rows += len(batch)
        batches.append(batch)
        bad += chunk_bad
    merged = SampleBatch.concat(batches) if batches else SampleBatch({})
    return DataSample(
        batch=merged, bad=bad, rows_read=rows, bytes_read=nbytes, total_bytes=sum(f.size for f in files),
        complete=complete, exact_rows=None if complete else _parquet_rows(files),
        compressed=any(f.compression for f in files),
    )


def head_jsonl(path: str | Path, n: int) -> list[dict]:
    """The first ``n`` rows of a JSON-lines file the engine wrote ([] when it does not exist)."""
    out: list[dict] = []
    path = Path(path)
    if n <= 0 or not path.is_file():
        return out
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                out.append(orjson.loads(line))
                if len(out) >= n:
                    break
    return out

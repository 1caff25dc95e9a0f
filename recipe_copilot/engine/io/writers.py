"""Encode batches for export (in workers) and write them in order, atomically (in the driver).

Workers turn their output batch into bytes (:func:`encode_batch`): JSON lines, or an Arrow
IPC stream for parquet. The driver appends those bytes in chunk order with
:class:`ExportWriter`, which writes to hidden temporary files, rotates shards at
``export_shard_size`` bytes, and renames everything into place only in :meth:`commit`.
Between stages, batches are spilled to a :class:`SpillFile` of length-prefixed segments.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import os
import pickle
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from recipe_copilot.engine.errors import DatasetError
from recipe_copilot.engine.sample import META, STATS, SampleBatch

__all__ = ["ExportWriter", "SpillFile", "encode_batch", "encode_stats", "stats_path", "write_jsonl"]

_LEN = struct.Struct("<Q")


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


_OPTS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def dumps_line(row: dict) -> bytes:
    """One JSON line (UTF-8, no ASCII escaping, like Data-Juicer's ``force_ascii=False``)."""
    return orjson.dumps(row, default=_default, option=_OPTS | orjson.OPT_APPEND_NEWLINE)


def write_jsonl(path: str | os.PathLike, rows: list[dict]) -> None:
    """Write ``rows`` as JSON lines to ``path`` atomically (temp file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        for row in rows:
            fh.write(dumps_line(row))
    os.replace(tmp, path)


def encode_batch(batch: SampleBatch, fmt: str, *, keep_stats: bool, drop: set[str]) -> bytes:
    """Serialise an output batch: JSON lines (``jsonl``) or an Arrow IPC stream (``parquet``)."""
    if fmt == "jsonl":
        return b"".join(dumps_line(r) for r in batch.to_rows(keep_stats=keep_stats, drop=drop))
    import pyarrow as pa

    cols = batch.to_columns(keep_stats=keep_stats, drop=drop)
    table = pa.table({k: _to_arrow(k, v) for k, v in cols.items()})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return sink.getvalue().to_pybytes()


def encode_stats(batch: SampleBatch) -> bytes:
    """Data-Juicer's ``<export>_stats.jsonl`` lines: ``__dj__stats__`` (and ``__dj__meta__``) per row.

    Empty when the batch has neither (no filter ran and no stats came with the input).
    """
    cols = {}
    if batch.stats or batch.has_input_stats:
        cols[STATS] = batch.stats_rows()
    if batch.has_column(META):
        cols[META] = batch.column(META)
    if not cols:
        return b""
    keys = list(cols)
    return b"".join(dumps_line(dict(zip(keys, vals, strict=True))) for vals in zip(*cols.values(), strict=True))


def _to_arrow(name: str, values: list) -> Any:
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        # mixed types in one column: keep every value, as its JSON text
        return pa.array([None if v is None else orjson.dumps(v, default=_default).decode() for v in values], pa.string())


def stats_path(export_path: str | os.PathLike) -> Path:
    """Where Data-Juicer writes the stats of an export: ``out.jsonl`` -> ``out_stats.jsonl``."""
    p = Path(export_path).expanduser().resolve()
    return p.with_name(p.stem + "_stats.jsonl")


class ExportWriter:
    """Appends encoded batches to the export file(s) in order; nothing is visible until commit.

    Args:
        export_path: the final path (``.jsonl``/``.json`` or ``.parquet``).
        fmt: ``jsonl`` or ``parquet``.
        shard_size: bytes per shard; 0 writes a single file. Shards are named like
            Data-Juicer's: ``name-01-of-03.jsonl``.
        tag: a run id, used in the temporary file names so runs cannot collide.
    """

    def __init__(self, export_path: str | os.PathLike, fmt: str, *, shard_size: int = 0, tag: str = "run") -> None:
        if fmt not in ("jsonl", "parquet"):
            msg = f"cannot export to {str(export_path)!r}: format {fmt!r} is not supported; use .jsonl or .parquet"
            raise DatasetError(msg)
        self.path = Path(export_path).expanduser().resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fmt = fmt
        self.shard_size = shard_size
        self.tag = tag
        self.parts: list[Path] = []
        self.rows = 0
        self._fh: Any = None
        self._pq: Any = None
        self._schema: Any = None
        self._part_bytes = 0
        self._stats_tmp = self.path.with_name(f".{self.path.name}.{tag}.stats")
        self._stats_fh: Any = None

    def _part_path(self, i: int) -> Path:
        return self.path.with_name(f".{self.path.name}.{self.tag}.part{i:05d}")

    def _open_part(self) -> None:
        path = self._part_path(len(self.parts))
        self.parts.append(path)
        self._part_bytes = 0
        if self.fmt == "jsonl":
            self._fh = open(path, "ab")  # noqa: SIM115

    def _close_part(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._pq is not None:
            self._pq.close()
            self._pq = None
            self._schema = None

    def write_stats(self, lines: bytes) -> None:
        """Append lines of the ``<export>_stats.jsonl`` side file."""
        if lines:
            if self._stats_fh is None:
                self._stats_fh = open(self._stats_tmp, "ab")  # noqa: SIM115
            self._stats_fh.write(lines)

    def write(self, payload: bytes, nrows: int) -> None:
        """Append one encoded batch of ``nrows`` rows."""
        if not self.parts or (self.shard_size and self._part_bytes >= self.shard_size):
            self._close_part()
            self._open_part()
        self.rows += nrows
        if self.fmt == "jsonl":
            self._fh.write(payload)
            self._part_bytes += len(payload)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.ipc.open_stream(payload).read_all()
        if self._pq is not None and table.schema != self._schema:
            try:
                table = table.cast(self._schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
                self._close_part()  # a new schema starts a new part file
                self._open_part()
        if self._pq is None:
            self._schema = table.schema
            self._pq = pq.ParquetWriter(self.parts[-1], table.schema)
        self._pq.write_table(table)
        self._part_bytes += len(payload)

    def flush(self) -> dict:
        """Flush to disk and return the resume point (jsonl only: file sizes)."""
        for fh in (self._fh, self._stats_fh):
            if fh is not None:
                fh.flush()
                os.fsync(fh.fileno())
        return {"parts": [str(p) for p in self.parts], "rows": self.rows,
                "sizes": [p.stat().st_size if p.exists() else 0 for p in self.parts],
                "stats_size": self._stats_tmp.stat().st_size if self._stats_tmp.exists() else 0}

    def restore(self, state: dict) -> None:
        """Continue after :meth:`flush` returned ``state`` (truncating anything written later)."""
        self.parts = [Path(p) for p in state["parts"]]
        self.rows = state["rows"]
        for p, size in zip(self.parts, state["sizes"], strict=True):
            with open(p, "ab") as fh:
                fh.truncate(size)
        if self.parts:
            self._part_bytes = state["sizes"][-1]
            self._fh = open(self.parts[-1], "ab")  # noqa: SIM115
        if self._stats_tmp.exists():
            self._stats_fh = open(self._stats_tmp, "ab")  # noqa: SIM115
            self._stats_fh.truncate(state.get("stats_size", 0))

    def commit(self) -> list[str]:
        """Rename the parts (and the stats side file) to their final names; return the output paths."""
        self._close_part()
        if self._stats_fh is not None:
            self._stats_fh.close()
            self._stats_fh = None
            os.replace(self._stats_tmp, stats_path(self.path))
        if not self.parts:  # nothing kept: still produce an (empty) output
            self._open_part()
            self._close_part()
            if self.fmt == "parquet":
                import pyarrow as pa
                import pyarrow.parquet as pq

                pq.write_table(pa.table({}), self.parts[0])
        n = len(self.parts)
        if n == 1:
            finals = [self.path]
        else:
            width = len(str(n)) + 1
            stem = self.path.name.split(".")[0]
            finals = [self.path.with_name(f"{stem}-{i:0{width}d}-of-{n:0{width}d}{self.path.suffix}") for i in range(n)]
        for part, final in zip(self.parts, finals, strict=True):
            os.replace(part, final)
        return [str(f) for f in finals]

    def discard_stale(self) -> None:
        """Remove temporary parts an earlier, abandoned run with the same tag left behind."""
        for p in self.path.parent.glob(f".{self.path.name}.{self.tag}.part*"):
            p.unlink(missing_ok=True)
        self._stats_tmp.unlink(missing_ok=True)
        stats_path(self.path).unlink(missing_ok=True)

    def abort(self) -> None:
        """Remove the temporary parts."""
        self._close_part()
        if self._stats_fh is not None:
            self._stats_fh.close()
            self._stats_fh = None
        for p in [*self.parts, self._stats_tmp]:
            p.unlink(missing_ok=True)


class SpillFile:
    """Batches between stages: length-prefixed pickled column dicts, appended in order.

    A private, temporary format under the run's work dir; pickle keeps every Python value
    exactly as the ops produced it, which an Arrow round trip would not (mixed types).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    @staticmethod
    def segment(batch: SampleBatch) -> bytes:
        """Serialise a batch (its stats folded into ``__dj__stats__``) as one segment."""
        return pickle.dumps(batch.to_columns(keep_stats=True), protocol=5)

    @staticmethod
    def frame(segment: bytes) -> bytes:
        """The segment with its length prefix, as it is appended to the file."""
        return _LEN.pack(len(segment)) + segment

    @staticmethod
    def decode(segment: bytes) -> SampleBatch:
        """Inverse of :meth:`segment`."""
        return SampleBatch(pickle.loads(segment))

    def segments(self) -> Iterator[bytes]:
        """The encoded segments in order (length prefix removed)."""
        with open(self.path, "rb") as fh:
            while header := fh.read(_LEN.size):
                (n,) = _LEN.unpack(header)
                yield fh.read(n)

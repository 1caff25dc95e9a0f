"""Find input files and cut them into chunks; decode a chunk into a :class:`SampleBatch`.

Reading is split in two so that parsing runs in the workers: the driver only slices raw
bytes (JSON lines) or Arrow record batches (parquet, csv, Hugging Face ``save_to_disk``
folders) into :class:`Chunk` objects, in a fixed order, and a worker turns a chunk into a
batch with :func:`decode_chunk`. Malformed lines do not stop a run: they come back as
quarantine records with the file and line number.
"""

from __future__ import annotations

import bz2
import glob as globlib
import gzip
import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import orjson

from recipe_copilot.engine.errors import DatasetError
from recipe_copilot.engine.sample import SUFFIX, SampleBatch

__all__ = [
    "CHUNK_BYTES",
    "Chunk",
    "InputFile",
    "MediaPaths",
    "decode_chunk",
    "file_suffix",
    "fingerprint_inputs",
    "iter_chunks",
    "resolve_inputs",
]

#: raw bytes per chunk of JSON lines (a chunk is the unit of work and of checkpoints)
CHUNK_BYTES = 1 << 20
#: rows per chunk for columnar inputs
CHUNK_ROWS = 2000

_JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
_COMPRESSED = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2"}
_FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "txt",
    ".md": "txt",
}

Format = Literal["jsonl", "json", "parquet", "csv", "tsv", "txt", "hf"]


@dataclass(frozen=True)
class InputFile:
    """One input file (or Hugging Face dataset folder) and how to read it."""

    path: str
    format: Format
    compression: str | None = None
    size: int = 0


@dataclass
class Chunk:
    """A slice of the input: raw JSON-lines bytes, Arrow IPC bytes, or ready rows."""

    index: int
    source: str
    kind: Literal["lines", "arrow", "rows"]
    payload: bytes | list
    first_line: int = 1
    nbytes: int = 0
    suffix: str = ""


def _suffixes(path: Path) -> tuple[str, str | None]:
    """(format suffix, compression) of a file name such as ``a.jsonl.zst``."""
    sfx = [s.lower() for s in path.suffixes]
    comp = _COMPRESSED.get(sfx[-1]) if sfx else None
    if comp:
        sfx = sfx[:-1]
    return (sfx[-1] if sfx else ""), comp


def _is_hf_folder(path: Path) -> bool:
    return path.is_dir() and (path / "state.json").exists() and (path / "dataset_info.json").exists()


def _file_entry(path: Path) -> InputFile | None:
    fmt_sfx, comp = _suffixes(path)
    fmt = _FORMATS.get(fmt_sfx)
    if fmt is None:
        return None
    if comp and fmt not in ("jsonl", "json", "txt", "csv", "tsv"):
        return None
    return InputFile(str(path), fmt, comp, path.stat().st_size)  # type: ignore[arg-type]


def resolve_inputs(dataset_path: str | os.PathLike | None, suffixes: list[str] | None = None) -> list[InputFile]:
    """The input files a ``dataset_path`` names: a file, a folder (recursively), or a glob.

    Args:
        dataset_path: a file, a folder, a glob pattern, or a Hugging Face dataset folder.
        suffixes: only keep files whose name ends with one of these (``.jsonl`` or ``jsonl``).

    Raises:
        DatasetError: nothing is there, or nothing readable is there.
    """
    if not dataset_path:
        msg = "no dataset_path: set it in the recipe or pass --dataset_path PATH"
        raise DatasetError(msg)
    raw = str(dataset_path)
    path = Path(raw).expanduser()
    wanted = tuple("." + s.lstrip(".").lower() for s in suffixes or [])
    if _is_hf_folder(path):
        return [InputFile(str(path), "hf", None, sum(f.stat().st_size for f in path.glob("*.arrow")))]
    if path.is_dir() and (path / "dataset_dict.json").exists():
        splits = sorted(p.name for p in path.iterdir() if p.is_dir())
        msg = f"{raw!r} is a Hugging Face DatasetDict; point dataset_path at one split, e.g. {raw}/{splits[0] if splits else 'train'}"
        raise DatasetError(msg)
    if path.is_file():
        candidates = [path]
    elif path.is_dir():
        candidates = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    else:
        candidates = sorted(Path(p) for p in globlib.glob(os.path.expanduser(raw), recursive=True))
        if not candidates:
            msg = f"dataset_path {raw!r} does not exist (no file, folder or glob match)"
            raise DatasetError(msg)
    files = []
    for p in candidates:
        if wanted and not p.name.lower().endswith(wanted):
            continue
        if _is_hf_folder(p):
            files.append(InputFile(str(p), "hf", None, sum(f.stat().st_size for f in p.glob("*.arrow"))))
            continue
        entry = _file_entry(p) if p.is_file() else None
        if entry is None:
            if path.is_file():
                msg = (
                    f"cannot read {raw!r}: unknown format; supported: .jsonl/.json (also .gz/.zst/.bz2), "
                    ".parquet, .csv, .tsv, .txt, or a Hugging Face save_to_disk folder"
                )
                raise DatasetError(msg)
            continue
        files.append(entry)
    if not files:
        msg = f"no readable data files under {raw!r}" + (f" with suffixes {list(wanted)}" if wanted else "")
        raise DatasetError(msg)
    return files


def fingerprint_inputs(files: list[InputFile]) -> str:
    """A hash of the input files' paths, sizes and modification times."""
    h = hashlib.sha256()
    for f in files:
        st = os.stat(f.path)
        h.update(f"{os.path.abspath(f.path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _open_binary(f: InputFile) -> io.BufferedIOBase:
    if f.compression == "gzip":
        return gzip.open(f.path, "rb")  # type: ignore[return-value]
    if f.compression == "bz2":
        return bz2.open(f.path, "rb")  # type: ignore[return-value]
    if f.compression == "zstd":
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(open(f.path, "rb")))
    return open(f.path, "rb")


def file_suffix(f: InputFile) -> str:
    """The ``__dj__suffix__`` of a file, as Data-Juicer writes it: ``.jsonl``, ``.jsonl.gz``."""
    sfx = [s.lower() for s in Path(f.path).suffixes]
    if f.compression and len(sfx) >= 2:
        return "".join(sfx[-2:])
    return sfx[-1] if sfx else ""


def iter_chunks(files: list[InputFile], *, chunk_bytes: int | None = None) -> Iterator[Chunk]:
    """Cut the input into chunks, in a fixed order (the same input gives the same chunks)."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    index = 0
    for f in files:
        suffix = file_suffix(f)
        for chunk in _file_chunks(f, chunk_bytes):
            chunk.index = index
            chunk.suffix = suffix
            index += 1
            yield chunk


def _file_chunks(f: InputFile, chunk_bytes: int) -> Iterator[Chunk]:
    try:
        if f.format == "jsonl":
            yield from _line_chunks(f, chunk_bytes)
        elif f.format == "json":
            yield from _json_array_chunks(f)
        elif f.format == "txt":
            with _open_binary(f) as fh:
                text = fh.read().decode("utf-8", errors="replace")
            yield Chunk(0, f.path, "rows", [{"text": text}], nbytes=f.size)
        elif f.format in ("parquet", "csv", "tsv", "hf"):
            yield from _arrow_chunks(f)
        else:  # pragma: no cover - formats are fixed above
            msg = f"unsupported format {f.format}"
            raise DatasetError(msg)
    except OSError as exc:
        msg = f"cannot read {f.path!r}: {exc}"
        raise DatasetError(msg) from exc


def _line_chunks(f: InputFile, chunk_bytes: int) -> Iterator[Chunk]:
    line_no = 1
    with _open_binary(f) as fh:
        rest = b""
        while True:
            block = fh.read(chunk_bytes)
            if not block:
                break
            data = rest + block
            cut = data.rfind(b"\n")
            if cut < 0:  # one line longer than a block: keep reading
                rest = data
                continue
            payload, rest = data[: cut + 1], data[cut + 1 :]
            yield Chunk(0, f.path, "lines", payload, line_no, nbytes=len(payload))
            line_no += payload.count(b"\n")
        if rest.strip():
            yield Chunk(0, f.path, "lines", rest, line_no, nbytes=len(rest))


def _json_array_chunks(f: InputFile) -> Iterator[Chunk]:
    with _open_binary(f) as fh:
        data = fh.read()
    stripped = data.lstrip()
    if not stripped.startswith(b"["):  # a .json file of JSON lines, as Data-Juicer accepts
        yield from _line_chunks(f, CHUNK_BYTES)
        return
    try:
        rows = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        msg = f"{f.path!r} is not valid JSON: {exc}"
        raise DatasetError(msg) from None
    for start in range(0, len(rows), CHUNK_ROWS):
        part = rows[start : start + CHUNK_ROWS]
        yield Chunk(0, f.path, "rows", part, start + 1, nbytes=len(data) * len(part) // max(len(rows), 1))


def _arrow_chunks(f: InputFile) -> Iterator[Chunk]:
    import pyarrow as pa

    done = 0
    for batch in _arrow_batches(f):
        for start in range(0, batch.num_rows, CHUNK_ROWS):
            part = batch.slice(start, CHUNK_ROWS)
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, part.schema) as writer:
                writer.write_batch(part)
            buf = sink.getvalue().to_pybytes()
            yield Chunk(0, f.path, "arrow", buf, done + start + 1, nbytes=part.nbytes)
        done += batch.num_rows


def _arrow_batches(f: InputFile) -> Iterator:
    import pyarrow as pa

    if f.format == "parquet":
        import pyarrow.parquet as pq

        yield from pq.ParquetFile(f.path).iter_batches(batch_size=CHUNK_ROWS)
    elif f.format in ("csv", "tsv"):
        import pyarrow.csv as pcsv

        parse = pcsv.ParseOptions(delimiter="\t" if f.format == "tsv" else ",", newlines_in_values=True)
        with _open_binary(f) as fh:
            reader = pcsv.open_csv(fh, parse_options=parse)
            yield from reader
    else:  # a Hugging Face save_to_disk folder: Arrow IPC stream files
        for arrow_file in sorted(Path(f.path).glob("*.arrow")):
            with pa.memory_map(str(arrow_file)) as source:
                try:
                    reader = pa.ipc.open_stream(source)
                except pa.ArrowInvalid:
                    reader = pa.ipc.open_file(source)
                    for i in range(reader.num_record_batches):
                        yield reader.get_batch(i)
                    continue
                yield from reader


@dataclass(frozen=True)
class MediaPaths:
    """How relative image/audio/video paths in the data are resolved.

    As in Data-Juicer, a relative path is joined to the dataset's folder: ``dataset_path``
    itself when it is a folder, else the folder holding it. Paths in a dataset given by a
    bare file name or a glob are left as they are (relative to the working directory).
    """

    root: str
    keys: tuple[str, ...]

    @classmethod
    def for_dataset(cls, dataset_path: str | None, keys: tuple[str, ...]) -> MediaPaths | None:
        if not dataset_path or not os.path.exists(dataset_path):
            return None
        root = dataset_path if os.path.isdir(dataset_path) else os.path.dirname(dataset_path)
        return cls(root, keys) if root else None

    def apply(self, batch: SampleBatch) -> None:
        root = self.root
        for key in self.keys:
            if not batch.has_column(key):
                continue
            batch.set_column(key, [
                [p if not isinstance(p, str) or _is_absolute(p) else os.path.join(root, p) for p in paths]
                if isinstance(paths, list) else paths
                for paths in batch.column(key)
            ])


def _is_absolute(path: str) -> bool:
    return os.path.isabs(path) or "://" in path


def decode_chunk(
    chunk: Chunk, *, add_suffix: bool = False, media: MediaPaths | None = None
) -> tuple[SampleBatch, list[dict]]:
    """Turn a chunk into a batch; malformed lines come back as quarantine records.

    Args:
        chunk: the chunk.
        add_suffix: add ``__dj__suffix__`` (the file's suffix) where a row lacks it.
        media: resolve relative media paths against the dataset's folder.
    """
    batch, bad = _decode(chunk)
    if add_suffix:
        values = batch.column(SUFFIX)
        batch.set_column(SUFFIX, [chunk.suffix if v is None else v for v in values])
    if media is not None:
        media.apply(batch)
    return batch, bad


def _decode(chunk: Chunk) -> tuple[SampleBatch, list[dict]]:
    bad: list[dict] = []
    if chunk.kind == "rows":
        rows = chunk.payload
        good = [r for r in rows if isinstance(r, dict)]
        for i, r in enumerate(rows):
            if not isinstance(r, dict):
                bad.append(_bad_record(chunk, chunk.first_line + i, f"item is a JSON {type(r).__name__}, expected an object", r))
        return SampleBatch.from_rows(good), bad
    if chunk.kind == "arrow":
        import pyarrow as pa

        batch = pa.ipc.open_stream(chunk.payload).read_next_batch()
        return SampleBatch({name: col.to_pylist() for name, col in zip(batch.schema.names, batch.columns, strict=True)}), bad
    rows = []
    loads = orjson.loads
    for n, line in enumerate(chunk.payload.split(b"\n")):  # type: ignore[union-attr]
        if not line or line.isspace():
            continue
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as exc:
            bad.append(_bad_record(chunk, chunk.first_line + n, f"invalid JSON: {exc}", line))
            continue
        if not isinstance(obj, dict):
            bad.append(_bad_record(chunk, chunk.first_line + n, f"line is a JSON {type(obj).__name__}, expected an object", line))
            continue
        rows.append(obj)
    return SampleBatch.from_rows(rows), bad


def _bad_record(chunk: Chunk, line: int, reason: str, raw: object) -> dict:
    if isinstance(raw, bytes):
        raw = raw[:2000].decode("utf-8", errors="replace")
    return {"op": "reader", "error": reason, "source": chunk.source, "line": line, "raw": raw}

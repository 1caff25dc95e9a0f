"""The driver of a run: stages in order, chunks in order, results written as they come.

An executor subclass only decides *where* :meth:`ShardRunner.run` executes
(:meth:`Executor.map_ordered`); everything else (reading, the reduce side of global ops,
writing, checkpoints, tracing, the run record) is here, once.
"""

from __future__ import annotations

import os
import pickle
import resource
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recipe_copilot.engine.errors import CheckpointError, RunCancelled
from recipe_copilot.engine.executors.shard import ChunkResult, ChunkWork, ShardRunner
from recipe_copilot.engine.io import readers
from recipe_copilot.engine.io.readers import Chunk, InputFile, fingerprint_inputs, iter_chunks, resolve_inputs
from recipe_copilot.engine.io.writers import ExportWriter, SpillFile, dumps_line, stats_path, write_jsonl
from recipe_copilot.engine.ops.base import GlobalOp, OpRun
from recipe_copilot.engine.planner import Plan, plan_recipe
from recipe_copilot.engine.recipe import Recipe
from recipe_copilot.engine.runrecord import OpReport, RunRecord
from recipe_copilot.engine.sample import SampleBatch

__all__ = ["Executor", "ProgressEvent"]

_SAVE_EVERY_S = 1.0
#: rows per chunk when a stage's input is re-ordered by a selector
_REORDER_ROWS = 1000
#: an op at least this costly per sample (a model, an endpoint call) makes a small input split finer,
#: into this many chunks per worker, none under this size
_COSTLY_OP = 50.0
_CHUNKS_PER_WORKER = 4
_MIN_CHUNK_BYTES = 16 << 10


@dataclass
class ProgressEvent:
    """Sent to the progress callback: a stage started, advanced, or finished."""

    kind: str  # "stage" | "advance" | "done"
    stage: int
    stages: int
    total_bytes: int = 0
    bytes_done: int = 0
    rows_done: int = 0
    label: str = ""


@dataclass
class _StageState:
    """Everything needed to continue a stage after a crash (saved in the checkpoint)."""

    stage: int = 0
    chunks_done: int = 0
    rows_per_chunk: list[int] = field(default_factory=list)
    bytes_done: int = 0
    sink: dict = field(default_factory=dict)
    keys_size: int = 0
    errors_size: int = 0


class Executor:
    """Runs a recipe. Subclasses implement :meth:`map_ordered`.

    Args:
        recipe: a validated recipe.
        progress: called with :class:`ProgressEvent` as the run goes.
        resume: continue from the checkpoint of the same recipe and input, if there is one.
        max_samples: stop reading after this many input samples (previews).
        reorder: run cheap filters first (never changes the result).
    """

    name = "base"

    def __init__(
        self,
        recipe: Recipe,
        *,
        progress: Callable[[ProgressEvent], None] | None = None,
        resume: bool = False,
        max_samples: int | None = None,
        reorder: bool = True,
    ) -> None:
        self.recipe = recipe
        self.plan: Plan = plan_recipe(recipe, reorder=reorder)
        self.progress = progress or (lambda _e: None)
        self.resume = resume or recipe.use_checkpoint
        self.max_samples = max_samples
        self.cancel_requested = False

    # ----------------------------------------------------------------- to implement
    def map_ordered(self, runner: ShardRunner, works: Iterable[ChunkWork]) -> Iterator[ChunkResult]:
        """Run ``runner.run`` on every work item; yield results in the order given."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers."""

    # ----------------------------------------------------------------- the run
    def trace_caps(self) -> dict[int, int]:
        """Trace records to keep per op index (0 when tracing is off or the op is not listed)."""
        r = self.recipe
        if not r.open_tracer:
            return {}
        wanted = set(r.op_list_to_trace)
        return {s.index: r.trace_num for s in r.process if not wanted or s.name in wanted}

    def run(self) -> RunRecord:
        """Run the whole recipe and return its record (also written as run.json)."""
        recipe = self.recipe
        files = resolve_inputs(recipe.dataset_path, recipe.suffixes)
        for spec in recipe.process:
            spec.op_class.check_requirements()
        input_fp = fingerprint_inputs(files)
        work_dir = recipe.resolved_work_dir
        run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        ckpt = work_dir / ".checkpoints" / f"{recipe.fingerprint()}-{input_fp}"
        record = RunRecord(
            run_id=run_id,
            project_name=recipe.project_name,
            executor=self.name,
            np=recipe.np,
            recipe=recipe.to_mapping(),
            recipe_fingerprint=recipe.fingerprint(),
            input_paths=[f.path for f in files],
            input_fingerprint=input_fp,
            input_bytes=sum(f.size for f in files),
            plan=self.plan.explain(),
            started=time.time(),
        )
        ops = {s.index: OpReport(index=s.index, name=s.name, kind=s.op_class.kind) for s in recipe.process}
        caps = self.trace_caps()
        errors_path = _errors_path(recipe.export_path)
        start = time.perf_counter()
        runner = ShardRunner(recipe, self.plan, caps)
        state = self._load_checkpoint(ckpt, record) if self.resume else None
        if state is None:
            shutil.rmtree(ckpt, ignore_errors=True)
            ckpt.mkdir(parents=True, exist_ok=True)
            errors_path.unlink(missing_ok=True)
            runs = {s.index: OpRun(trace_cap=caps.get(s.index, 0)) for s in recipe.process}
            state = {"stage": _StageState(), "keep": None, "order": None, "prev_rows": [], "runs": runs,
                     "rows_in": 0, "pairs": {"captured": {}, "pairs": {}, "offsets": np.zeros(1, dtype=np.int64)},
                     "chunk_bytes": self.chunk_bytes(files)}
        else:
            record.resumed = True
        try:
            outputs = self._run_stages(runner, files, ckpt, errors_path, state, record)
        except KeyboardInterrupt:
            self.close()
            msg = f"run interrupted; finished shards are saved: run the same command with --resume to finish ({ckpt})"
            self._save_unfinished(record, state, ops, start, "cancelled", msg)
            raise RunCancelled(msg) from None
        except BaseException as exc:
            self.close()
            self._save_unfinished(record, state, ops, start, "failed", f"{type(exc).__name__}: {exc}")
            raise
        self.close()
        self._fill_counts(record, state, ops)
        record.errors_path = str(errors_path) if errors_path.exists() else None
        record.outputs = outputs
        stats_file = stats_path(recipe.export_path)
        record.stats_path = str(stats_file) if stats_file.exists() else None
        record.seconds = round(time.perf_counter() - start, 3)
        record.finished = time.time()
        record.peak_rss_mb = _peak_rss_mb()
        if recipe.open_tracer:
            files = self._write_traces(work_dir / "trace", state)
            record.trace_dir = str(work_dir / "trace")
            for rep in record.ops:
                rep.trace_file = files.get(rep.index)
        record.status = "ok"
        record.save(work_dir)
        shutil.rmtree(ckpt, ignore_errors=True)
        return record

    def _run_stages(
        self, runner: ShardRunner, files: list[InputFile], ckpt: Path, errors_path: Path, state: dict, record: RunRecord
    ) -> list[str]:
        recipe = self.recipe
        n_stages = len(self.plan.stages)
        writer = None
        with open(errors_path, "ab") as err_fh:
            err_fh.truncate(state.get("errors_size", 0))
            for stage_idx in range(state["stage"].stage, n_stages):
                st: _StageState = state["stage"]
                resuming = st.chunks_done > 0
                last = stage_idx == n_stages - 1
                stage = self.plan.stages[stage_idx]
                total = record.input_bytes if stage_idx == 0 else (ckpt / f"spill-{stage_idx - 1}.bin").stat().st_size
                self.progress(ProgressEvent("stage", stage_idx, n_stages, total_bytes=total, bytes_done=st.bytes_done,
                                            label=_stage_label(stage_idx, stage)))
                spill_fh = None
                if last:
                    writer = ExportWriter(recipe.export_path, recipe.export_format,
                                          shard_size=recipe.export_shard_size, tag=ckpt.name)
                    if resuming:
                        writer.restore(st.sink)
                    else:
                        writer.discard_stale()
                    sink_write = writer.write
                else:
                    spill_fh = open(ckpt / f"spill-{stage_idx}.bin", "ab")  # noqa: SIM115
                    spill_fh.truncate(st.sink.get("size", 0) if resuming else 0)
                    sink_write = _spill_writer(spill_fh)
                keys_path = ckpt / f"keys-{stage_idx}.bin"
                with open(keys_path, "ab") as keys_fh:
                    keys_fh.truncate(st.keys_size if resuming else 0)
                    last_save = time.monotonic()
                    try:
                        for res in self.map_ordered(runner, self._works(stage_idx, files, ckpt, state, skip=st.chunks_done)):
                            sink_write(res.payload, res.rows_out)
                            if writer is not None and last:
                                writer.write_stats(res.stats_lines)
                            self._account(stage_idx, res, runner, state, err_fh, keys_fh)
                            self.progress(ProgressEvent("advance", stage_idx, n_stages, total_bytes=total,
                                                        bytes_done=st.bytes_done, rows_done=sum(st.rows_per_chunk)))
                            if time.monotonic() - last_save > _SAVE_EVERY_S:
                                st.sink = writer.flush() if writer is not None and last else _flush(spill_fh)
                                st.keys_size = _flush(keys_fh)["size"]
                                state["errors_size"] = _flush(err_fh)["size"]
                                self._save_checkpoint(ckpt, record, state)
                                last_save = time.monotonic()
                            if self.cancel_requested:
                                raise KeyboardInterrupt
                    finally:
                        if spill_fh is not None:
                            spill_fh.close()
                if stage.global_ops:
                    self._reduce(stage_idx, stage.global_ops, keys_path, state)
                keys_path.unlink(missing_ok=True)
                state["prev_rows"] = st.rows_per_chunk
                if stage_idx > 0:
                    (ckpt / f"spill-{stage_idx - 1}.bin").unlink(missing_ok=True)
                    (ckpt / f"rows-{stage_idx - 1}.bin").unlink(missing_ok=True)
                self.progress(ProgressEvent("done", stage_idx, n_stages, total_bytes=total, bytes_done=total,
                                            rows_done=sum(st.rows_per_chunk)))
                if not last:
                    state["stage"] = _StageState(stage=stage_idx + 1)
                    state["errors_size"] = _flush(err_fh)["size"]
                    self._save_checkpoint(ckpt, record, state)
        assert writer is not None
        state["rows_out"] = writer.rows
        return writer.commit()

    def _account(self, stage_idx: int, res: ChunkResult, runner: ShardRunner, state: dict, err_fh: Any, keys_fh: Any) -> None:
        """Fold one chunk's result into the run state; write its quarantine records and keys."""
        st: _StageState = state["stage"]
        if stage_idx == 0:
            state["rows_in"] += res.rows_in
        st.rows_per_chunk.append(res.rows_out)
        st.chunks_done += 1
        st.bytes_done += res.bytes_in
        for (op_index, _), run in zip(runner.stages[stage_idx], res.runs, strict=True):
            for q in run.quarantined:
                err_fh.write(dumps_line(q))
            state["runs"][op_index].merge(run)
        for q in res.bad_input:
            err_fh.write(dumps_line(q))
        state["bad_input"] = state.get("bad_input", 0) + len(res.bad_input)
        if res.keys:
            keys_fh.write(pickle.dumps(res.keys, protocol=5))
        if res.captured:
            offsets = state["pairs"]["offsets"]
            for row, sample in res.captured.items():
                state["pairs"]["captured"][(stage_idx - 1, int(offsets[res.index]) + row)] = sample

    def _works(self, stage_idx: int, files: list[InputFile], ckpt: Path, state: dict, *, skip: int) -> Iterator[ChunkWork]:
        if stage_idx == 0:
            # a resumed run keeps the chunking its checkpoint counted in, whatever np is now
            chunks: Iterable[Chunk | bytes] = self._limited(iter_chunks(files, chunk_bytes=state.get("chunk_bytes")))
        elif state.get("order") is not None:
            yield from self._reordered_works(stage_idx, ckpt, state, skip=skip)
            return
        else:
            chunks = SpillFile(ckpt / f"spill-{stage_idx - 1}.bin").segments()
        keep = state["keep"]
        offsets = np.concatenate([[0], np.cumsum(state["prev_rows"])]).astype(np.int64) if stage_idx else None
        captures = state["pairs"].get("want", {})
        for i, chunk in enumerate(chunks):
            if i < skip:
                continue
            mask = None
            capture: list[int] = []
            if keep is not None and offsets is not None:
                lo, hi = int(offsets[i]), int(offsets[i + 1])
                mask = keep[lo:hi]
                capture = [g - lo for g in captures.get(i, [])]
            yield ChunkWork(stage_idx, i, chunk, mask, capture, state.get("finish", []))

    def _reordered_works(self, stage_idx: int, ckpt: Path, state: dict, *, skip: int) -> Iterator[ChunkWork]:
        """The previous stage's kept rows in the order its global ops chose, as new chunks.

        Kept rows are first copied one by one to a side file (bounded memory), then read back
        in the chosen order, ``_REORDER_ROWS`` rows per chunk.
        """
        order: np.ndarray = state["order"]
        keep: np.ndarray = state["keep"]
        want = {g for ids in state["pairs"].get("want", {}).values() for g in ids}
        rows_path = ckpt / f"rows-{stage_idx - 1}.bin"
        where = np.full(len(keep), -1, dtype=np.int64)
        g = 0
        with open(rows_path, "wb") as out:
            for segment in SpillFile(ckpt / f"spill-{stage_idx - 1}.bin").segments():
                for row in SpillFile.decode(segment).to_rows():
                    if keep[g]:
                        where[g] = out.tell()
                        pickle.dump(row, out, protocol=5)
                    if g in want:
                        state["pairs"]["captured"][(stage_idx - 1, g)] = row
                    g += 1
        with open(rows_path, "rb") as src:
            for i, start in enumerate(range(0, len(order), _REORDER_ROWS)):
                if i < skip:
                    continue
                rows = []
                for gid in order[start : start + _REORDER_ROWS]:
                    src.seek(where[gid])
                    rows.append(pickle.load(src))
                yield ChunkWork(stage_idx, i, SpillFile.segment(SampleBatch.from_rows(rows)),
                                finish=state.get("finish", []))

    def chunk_bytes(self, files: list[InputFile]) -> int | None:
        """Bytes of input per chunk: None for the reader's default, or less when the recipe has a costly
        op (a model or an endpoint call per sample) and the input would give its workers fewer than
        :data:`_CHUNKS_PER_WORKER` chunks each, so that every worker gets a share of the work."""
        r = self.recipe
        if r.np <= 1 or max((s.op_class.cost for s in r.process), default=0.0) < _COSTLY_OP:
            return None
        wanted = -(-sum(f.size for f in files) // (r.np * _CHUNKS_PER_WORKER))
        return max(_MIN_CHUNK_BYTES, wanted) if wanted < readers.CHUNK_BYTES else None

    def _limited(self, chunks: Iterator[Chunk]) -> Iterator[Chunk]:
        if self.max_samples is None:
            yield from chunks
            return
        left = self.max_samples
        for chunk in chunks:
            if left <= 0:
                return
            chunk = _head(chunk, left)
            left -= _count(chunk)
            yield chunk

    @staticmethod
    def _chunk_keys(keys_path: Path) -> Iterator[dict[str, Any]]:
        """The keys file of a stage, one chunk at a time: its keys per key column."""
        with open(keys_path, "rb") as fh:
            while True:
                try:
                    yield pickle.load(fh)
                except EOFError:
                    return

    def _load_keys(self, keys_path: Path) -> Any:
        """The keys of every chunk of a stage, as :meth:`_select` takes them (here: in memory)."""
        parts: dict[str, list] = {}
        for chunk_keys in self._chunk_keys(keys_path):
            for col, values in chunk_keys.items():
                parts.setdefault(col, []).append(values)
        return parts

    def _select(self, op: GlobalOp, keys: Any, current: np.ndarray, n: int, reordered: bool) -> Any:
        """The op's decision over the rows ``current`` (global row ids, in their current order).

        Returns a :class:`GlobalResult` in the index space of ``current``, exactly what
        ``op.select(keys[current])`` returns. Subclasses may decide elsewhere (Ray).
        """
        values = _concat(keys.get(op.column, []))
        if len(current) == n and not reordered:  # nothing dropped or moved yet: no copy
            subset = values
        else:
            subset = values[current] if isinstance(values, np.ndarray) else [values[i] for i in current]
        return op.select(subset)

    def _reduce(self, stage_idx: int, global_ops: list, keys_path: Path, state: dict) -> None:
        """Decide over the whole stage output: which rows stay, and in which order."""
        parts = self._load_keys(keys_path)
        rows_per_chunk = state["stage"].rows_per_chunk
        n = sum(rows_per_chunk)
        chunk_of = np.repeat(np.arange(len(rows_per_chunk)), rows_per_chunk)
        current = np.arange(n, dtype=np.int64)  # surviving rows, in output order
        reordered = False
        finish: list[tuple[int, str]] = []
        want: dict[int, list[int]] = {}
        for spec in global_ops:
            op: GlobalOp = spec.build()  # type: ignore[assignment]
            op.ensure_ready()
            t0 = time.perf_counter()
            result = self._select(op, parts, current, n, reordered)
            if result.order is not None:
                reordered = reordered or bool(np.any(np.diff(result.order) < 0))
                survivors = current[result.order]
            else:
                survivors = current[result.keep]
            if result.state is not None:
                path = keys_path.with_name(f"finish-{spec.index}.pkl")
                with open(path, "wb") as fh:
                    pickle.dump(result.state, fh, protocol=5)
                finish.append((spec.index, str(path)))
            run = state["runs"][spec.index]
            run.rows_in = len(current)  # the map side counted every row; the decision sees the survivors
            run.rows_out = len(survivors)
            run.seconds += time.perf_counter() - t0
            if run.trace_cap and result.pairs:
                chosen = [(int(current[a]), int(current[b])) for a, b in result.pairs[: run.trace_cap]]
                state["pairs"]["pairs"][spec.index] = (stage_idx, chosen)
                for g in {x for p in chosen for x in p}:
                    want.setdefault(int(chunk_of[g]), []).append(g)
            current = survivors
        keep = np.zeros(n, dtype=bool)
        keep[current] = True
        state["keep"] = keep
        state["order"] = current if reordered else None
        state["finish"] = finish
        state["pairs"]["want"] = want
        state["pairs"]["offsets"] = np.concatenate([[0], np.cumsum(rows_per_chunk)]).astype(np.int64)

    def _fill_counts(self, record: RunRecord, state: dict, ops: dict[int, OpReport]) -> None:
        """Per-op and total counts from the run's state (so far, for a run that did not finish)."""
        for index, run in state["runs"].items():
            rep = ops[index]
            rep.rows_in, rep.rows_out, rep.errors, rep.seconds = run.rows_in, run.rows_out, run.errors, round(run.seconds, 4)
        record.ops = [ops[s.index] for s in self.plan.order]
        record.rows_in = state["rows_in"]
        record.rows_out = state.get("rows_out", 0)
        record.errors = sum(r.errors for r in state["runs"].values()) + state.get("bad_input", 0)

    def _save_unfinished(self, record: RunRecord, state: dict, ops: dict[int, OpReport], start: float,
                         status: str, error: str) -> None:
        """Write run.json for a run that was cancelled or failed: its status, why, and the counts so far."""
        self._fill_counts(record, state, ops)
        record.status, record.error = status, error
        record.seconds = round(time.perf_counter() - start, 3)
        record.finished = time.time()
        record.save(self.recipe.resolved_work_dir)

    def _write_traces(self, trace_dir: Path, state: dict) -> dict[int, str]:
        """Write each traced op's records; return op index -> file name.

        Files are named as Data-Juicer names them (``mapper-<op>.jsonl``); a second op of the
        same name gets ``mapper-<op>-2.jsonl``, so no op's trace overwrites another's.
        """
        trace_dir.mkdir(parents=True, exist_ok=True)
        kinds = {"mapper": "mapper", "filter": "filter", "deduplicator": "duplicate", "selector": "selector"}
        seen: dict[str, int] = {}
        files = {}
        for spec in self.recipe.process:
            run = state["runs"][spec.index]
            kind = spec.op_class.kind
            records = run.trace
            if kind == "deduplicator":
                records = self._dup_pairs(spec.index, state)
            seen[spec.name] = seen.get(spec.name, 0) + 1
            if records:
                suffix = f"-{seen[spec.name]}" if seen[spec.name] > 1 else ""
                files[spec.index] = name = f"{kinds[kind]}-{spec.name}{suffix}.jsonl"
                write_jsonl(trace_dir / name, records)
        return files

    @staticmethod
    def _dup_pairs(op_index: int, state: dict) -> list[dict]:
        rows = state["pairs"].get("captured", {})
        stage, pairs = state["pairs"].get("pairs", {}).get(op_index, (0, []))
        return [
            {"dup1": rows[(stage, orig)], "dup2": rows[(stage, dup)]}
            for dup, orig in pairs
            if (stage, orig) in rows and (stage, dup) in rows
        ]

    # ----------------------------------------------------------------- checkpoints
    def _save_checkpoint(self, ckpt: Path, record: RunRecord, state: dict) -> None:
        body = {"recipe_fingerprint": record.recipe_fingerprint, "input_fingerprint": record.input_fingerprint,
                "state": state}
        tmp = ckpt / "state.pkl.tmp"
        with open(tmp, "wb") as fh:
            pickle.dump(body, fh, protocol=5)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, ckpt / "state.pkl")

    def _load_checkpoint(self, ckpt: Path, record: RunRecord) -> dict | None:
        path = ckpt / "state.pkl"
        if not path.exists():
            return None
        with open(path, "rb") as fh:
            body = pickle.load(fh)
        if (body["recipe_fingerprint"], body["input_fingerprint"]) != (record.recipe_fingerprint, record.input_fingerprint):
            msg = f"checkpoint {ckpt} belongs to another recipe or input; remove it or run without --resume"
            raise CheckpointError(msg)
        return body["state"]


def _flush(fh: Any) -> dict:
    fh.flush()
    os.fsync(fh.fileno())
    return {"size": fh.tell()}


def _spill_writer(fh: Any) -> Callable[[bytes, int], None]:
    def write(payload: bytes, _rows: int) -> None:
        fh.write(SpillFile.frame(payload))

    return write


def _concat(parts: list) -> Any:
    arrays = [p for p in parts if len(p)]
    if arrays and isinstance(arrays[0], np.ndarray):
        return np.concatenate(arrays)
    return [v for p in arrays for v in p]


def _head(chunk: Chunk, n: int) -> Chunk:
    if chunk.kind == "lines":
        lines = chunk.payload.split(b"\n")  # type: ignore[union-attr]
        if len(lines) - 1 > n:
            chunk.payload = b"\n".join(lines[:n]) + b"\n"
    elif chunk.kind == "rows":
        chunk.payload = chunk.payload[:n]
    else:
        import pyarrow as pa

        batch = pa.ipc.open_stream(chunk.payload).read_next_batch()
        if batch.num_rows > n:
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, batch.schema) as w:
                w.write_batch(batch.slice(0, n))
            chunk.payload = sink.getvalue().to_pybytes()
    return chunk


def _count(chunk: Chunk) -> int:
    if chunk.kind == "lines":
        return sum(1 for line in chunk.payload.split(b"\n") if line.strip())  # type: ignore[union-attr]
    if chunk.kind == "rows":
        return len(chunk.payload)
    import pyarrow as pa

    return pa.ipc.open_stream(chunk.payload).read_next_batch().num_rows


def _errors_path(export_path: str) -> Path:
    p = Path(export_path).expanduser().resolve()
    return p.with_name(p.name.split(".")[0] + ".errors.jsonl")


def _stage_label(i: int, stage: Any) -> str:
    names = [s.name for s in (*stage.ops, *stage.global_ops)]
    if not names:
        return f"stage {i + 1}: export"
    head = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
    return f"stage {i + 1}: {head}"


def _peak_rss_mb() -> dict[str, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"driver": round(me, 1), "largest_worker": round(kids, 1)}


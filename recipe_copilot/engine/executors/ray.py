"""The Ray executor: the same driver, with the map side on Ray Data and global ops as Ray shuffles.

What runs where (see docs/engine.md, "Running on Ray"):

- **Map side.** Each stage's chunks (the same :class:`ChunkWork` items the local executor
  makes) are put in the object store, one Arrow block each, and go through one
  ``Dataset.map_batches`` call whose actor class holds a :class:`ShardRunner` (set up once
  per actor). So decoding, the fused ops, quarantine and encoding are the very code the
  local executor runs. Actors are restarted and their in-flight chunk retried when a worker
  dies (Ray Data's actor pool defaults); the driver takes each chunk's result exactly once,
  in chunk order, so nothing is lost or written twice.
- **Writing, checkpoints, progress, the run record** stay in the driver (:class:`Executor`).
- **Global ops.** Keys never gather in the driver: each chunk's keys go to the object store
  as they arrive, and exact and MinHash dedup decide by a hash shuffle in Ray tasks (keys
  hashed to partitions; each partition finds its duplicates, MinHash partitions also their
  local connected components); the driver joins the partitions' small star forests (only
  rows that have a duplicate) into components. ``topk_specified_field_selector`` keeps a
  top-k per map task and ranks their union. Other global ops (SimHash, line dedup, the other
  selectors) gather that one op's keys into the driver and call the op's own ``select``.
  Every path gives exactly the local decision (tested against ``op.select``).
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recipe_copilot.engine.errors import GlobalKeyError, MissingDependencyError
from recipe_copilot.engine.executors.base import Executor
from recipe_copilot.engine.executors.shard import ChunkResult, ChunkWork, ShardRunner
from recipe_copilot.engine.ops.base import GlobalOp, GlobalResult, Op
from recipe_copilot.engine.ops.common.unionfind import component_roots, group_edges

_log = logging.getLogger(__name__)

__all__ = ["RayExecutor", "connect", "distributed_select", "distributed_topk", "stage_resources"]

#: ops whose decision runs as a distributed shuffle (others gather their keys in the driver)
DISTRIBUTED_OPS = ("document_deduplicator", "document_minhash_deduplicator")
#: rows of keys handled by one map task of a shuffle
_SHUFFLE_ROWS = 50_000
#: chunks (about 1 MiB of input each) staged in the object store at a time
_WINDOW = 1024
#: (dropped, kept) pairs kept for the tracer, as the ops keep them
_PAIRS = 300


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        module = "ray"
        raise MissingDependencyError(module, needed_by="executor_type: ray", extra="ray") from None
    return ray


def connect(address: str | None = "auto") -> bool:
    """Connect to Ray; return True when this call started it (the caller then shuts it down).

    ``auto`` (the default): join the cluster named by ``RAY_ADDRESS`` or the one already
    running on this machine, else start a local one (an unreachable ``RAY_ADDRESS`` is an
    error, not silently replaced). ``local``: always start a new local one.
    Anything else (``ray://host:10001``, ``host:6379``) must be a running cluster.
    """
    ray = _ray()
    if ray.is_initialized():
        return False
    address = address or "auto"
    quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    if address == "local":
        ray.init(address="local", **quiet)  # a new local instance even if RAY_ADDRESS is set
    elif address == "auto" and not os.environ.get("RAY_ADDRESS"):
        try:
            ray.init(address="auto", **quiet)
        except ConnectionError:  # no cluster running on this machine: start a local one
            ray.init(**quiet)
    else:
        target = os.environ["RAY_ADDRESS"] if address == "auto" else address
        _check_reachable(target)
        ray.init(address=target, **quiet)
    return True


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail at once, naming the address, when nothing listens there (Ray itself retries for minutes)."""
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return  # a form we cannot probe: let Ray report it
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        msg = (f"no Ray cluster answers at {address!r} ({exc.strerror or exc}); start one with `ray start --head`, "
               "or use ray_address: auto (a running local cluster, else a new one) or local")
        raise GlobalKeyError(msg) from None


@dataclass
class StageResources:
    """How one stage's actors are placed."""

    concurrency: int
    num_cpus: float = 1.0
    num_gpus: float = 0.0
    notes: list[str] = field(default_factory=list)


def stage_resources(ops: Iterable[Op], cpus: float, gpus: float) -> StageResources:
    """Actors for a stage: one per GPU (or per ``gpu_required``) when an op asks for CUDA and
    the cluster has GPUs, else one per ``cpu_required`` CPUs (default 1). Without GPUs, CUDA
    ops run on CPU (they pick their device themselves, ``ops/common/accel.py``)."""
    ops = list(ops)
    cuda = [op for op in ops if op.accelerator == "cuda"]
    num_cpus = max([float(op.params.cpu_required or 1) for op in ops] or [1.0])
    if cuda and gpus >= min(float(op.params.gpu_required or 1) for op in cuda):
        per = max(float(op.params.gpu_required or 1) for op in cuda)
        per = min(per, gpus)
        return StageResources(max(1, int(gpus // per)), num_cpus=min(num_cpus, cpus), num_gpus=per)
    notes = [f"{op.name}: no GPU in the cluster, running on CPU" for op in cuda]
    return StageResources(max(1, int(cpus // num_cpus)), num_cpus=min(num_cpus, cpus), notes=notes)


class _ShardActor:
    """A Ray Data actor: one :class:`ShardRunner`, set up once, runs one chunk per call."""

    def __init__(self, runner: bytes) -> None:
        self.runner: ShardRunner = pickle.loads(runner)
        self.broken: _Failure | None = None
        try:
            self.runner.setup()
        except Exception as exc:  # e.g. a model file missing: reported per chunk, raised by the driver
            self.broken = _Failure.of(exc)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        out_i, out_res = [], []
        for i, work in zip(batch.column("i").to_pylist(), batch.column("work").to_pylist(), strict=True):
            try:
                res: Any = self.broken or self.runner.run(pickle.loads(work))
            except Exception as exc:  # the driver raises it, as the local executor would
                res = _Failure.of(exc)
            out_i.append(i)
            out_res.append(pickle.dumps(res, protocol=5))
        pid = [os.getpid()] * len(out_i)
        return pa.table({"i": pa.array(out_i, pa.int64()), "res": pa.array(out_res, pa.large_binary()),
                         "pid": pa.array(pid, pa.int64())})


@dataclass
class _Failure:
    """An exception a chunk raised in a worker (a data error, ``skip_op_error: false``): not
    retried, since it would fail again; the driver raises it unchanged at that chunk's turn."""

    exc: BaseException

    @classmethod
    def of(cls, exc: BaseException) -> _Failure:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # an exception that does not pickle: keep its text
            import traceback

            return cls(RuntimeError("".join(traceback.format_exception(exc)).strip()))
        return cls(exc)


@dataclass
class _RayKeys:
    """A stage's keys in the object store: per column, (first row, rows, ref) per chunk."""

    parts: dict[str, list[tuple[int, int, Any]]]


class RayExecutor(Executor):
    """Runs the recipe on Ray (``executor_type: ray``); results identical to the local executor.

    Args:
        ray_address: overrides the recipe's ``ray_address`` (see :func:`connect`).
        other arguments: as :class:`Executor`.
    """

    name = "ray"

    def __init__(self, *args: Any, ray_address: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ray_address = ray_address or self.recipe.ray_address
        self._started = False
        #: worker process ids that returned results (for tests and the run record)
        self.worker_pids: set[int] = set()
        self.notes: list[str] = []

    # ----------------------------------------------------------------- setup
    def _connect(self) -> Any:
        ray = _ray()
        if not ray.is_initialized():
            self._started = connect(self.ray_address)
        # Ray Data's own chatter (deprecations it triggers itself, "progress bars disabled")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="ray.data.context")
        from ray.data import DataContext

        ctx = DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        return ray

    def close(self) -> None:
        if self._started:
            _ray().shutdown()
            self._started = False

    # ----------------------------------------------------------------- map side
    def map_ordered(self, runner: ShardRunner, works: Iterable[ChunkWork]) -> Iterator[ChunkResult]:
        """Results of ``works`` in order, processed on Ray in windows of ``_WINDOW`` chunks.

        A window's chunks are staged in the object store, then mapped; so the store holds at
        most one window (about ``_WINDOW`` MiB of input) whatever the dataset's size, at the cost
        of starting the stage's actor pool once per window.
        """
        window: list[ChunkWork] = []
        for work in works:
            window.append(work)
            if len(window) >= _WINDOW:
                yield from self._map_window(runner, window)
                window = []
        if window:
            yield from self._map_window(runner, window)

    def _map_window(self, runner: ShardRunner, works: list[ChunkWork]) -> Iterator[ChunkResult]:
        import pyarrow as pa

        ray = self._connect()
        refs, stage = [], None
        for work in works:  # stage the chunks in the object store; the driver keeps only refs
            stage = work.stage
            table = pa.table({"i": pa.array([work.index], pa.int64()),
                              "work": pa.array([pickle.dumps(work, protocol=5)], pa.large_binary())})
            refs.append((work.index, ray.put(table)))
        if stage is None:
            return
        cluster = ray.cluster_resources()
        place = stage_resources([op for _, op in runner.stages[stage]], cluster.get("CPU", 1.0), cluster.get("GPU", 0.0))
        for note in place.notes:
            if note not in self.notes:
                self.notes.append(note)
                _log.warning(note)
        expected = [i for i, _ in refs]
        wanted, taken = set(expected), set()
        ds = ray.data.from_arrow_refs([r for _, r in refs])
        ds = ds.map_batches(
            _ShardActor,
            fn_constructor_args=(pickle.dumps(runner, protocol=5),),
            batch_size=1,  # a row is a chunk (~1 MiB of samples): one ShardRunner.run per call
            batch_format="pyarrow",
            zero_copy_batch=True,
            compute=ray.data.ActorPoolStrategy(size=max(1, min(place.concurrency, len(refs)))),
            num_cpus=place.num_cpus,
            num_gpus=place.num_gpus or None,
        )
        del refs
        pending: dict[int, ChunkResult | _Failure] = {}
        pos = 0
        for batch in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            for i, blob, pid in zip(batch.column("i").to_pylist(), batch.column("res").to_pylist(),
                                    batch.column("pid").to_pylist(), strict=True):
                self.worker_pids.add(pid)
                if i not in wanted or i in taken:
                    continue  # a result seen already (a retried task): taken once
                taken.add(i)
                pending[i] = pickle.loads(blob)
            while pos < len(expected) and expected[pos] in pending:
                res = pending.pop(expected[pos])
                if isinstance(res, _Failure):
                    raise res.exc
                yield res
                pos += 1
        if pos < len(expected):
            msg = f"Ray returned no result for chunk {expected[pos]} of stage {stage + 1}"
            raise RuntimeError(msg)

    # ----------------------------------------------------------------- reduce side
    def _load_keys(self, keys_path: Path) -> _RayKeys:
        """Move the stage's keys from the keys file to the object store, one chunk at a time."""
        ray = self._connect()
        parts: dict[str, list[tuple[int, int, Any]]] = {}
        starts: dict[str, int] = {}
        for chunk_keys in self._chunk_keys(keys_path):
            for col, values in chunk_keys.items():
                lo = starts.get(col, 0)
                parts.setdefault(col, []).append((lo, len(values), ray.put(values)))
                starts[col] = lo + len(values)
        return _RayKeys(parts)

    def _select(self, op: GlobalOp, keys: _RayKeys, current: np.ndarray, n: int, reordered: bool) -> GlobalResult:
        parts = keys.parts.get(op.column, [])
        if op.name in DISTRIBUTED_OPS and not reordered:
            return distributed_select(op, parts, current, n)
        if op.name == "topk_specified_field_selector" and not reordered:
            result = distributed_topk(op, parts, current, n)
            if result is not None:
                return result
        ray = self._connect()
        gathered = {op.column: [ray.get(ref) for _, _, ref in parts]}  # one op's keys, e.g. a selector's field
        return super()._select(op, gathered, current, n, reordered)


# --------------------------------------------------------------------- distributed decisions
def distributed_select(op: GlobalOp, parts: list[tuple[int, int, Any]], current: np.ndarray, n: int) -> GlobalResult:
    """Exact or MinHash dedup over keys in the object store, equal to ``op.select(keys[current])``.

    ``current`` must be increasing (rows in input order). Map tasks hash each surviving
    row's key (or each band of its MinHash signature) to one of P partitions; each partition
    task finds its duplicate groups and returns (row, smallest row it is joined to) edges for
    the rows that have a duplicate; the driver joins those into connected components. The
    smallest row of each component stays, as the local union-find keeps it.
    """
    ray = _ray()
    if len(current) == 0:
        return GlobalResult(np.zeros(0, dtype=bool))
    cpus = int(ray.cluster_resources().get("CPU", 1))
    n_parts = max(2, 2 * cpus)
    alive = np.zeros(n, dtype=bool)
    alive[current] = True
    alive_ref = ray.put(alive)
    minhash = op.name == "document_minhash_deduplicator"
    mapper = ray.remote(_shuffle_map_minhash if minhash else _shuffle_map_exact).options(num_returns=n_parts)
    reducer = ray.remote(_shuffle_reduce_minhash if minhash else _shuffle_reduce_exact)
    outs = []
    for group in _groups(parts):
        starts = [lo for lo, _, _ in group]
        got = mapper.remote(starts, alive_ref, n_parts, *[ref for _, _, ref in group])
        outs.append(got if n_parts > 1 else [got])
    stars = ray.get([reducer.remote(*[o[p] for o in outs]) for p in range(n_parts)])
    src = np.concatenate([s[0] for s in stars]) if stars else np.empty(0, np.int64)
    dst = np.concatenate([s[1] for s in stars]) if stars else np.empty(0, np.int64)
    return _result_from_edges(src, dst, current)


def distributed_topk(op: GlobalOp, parts: list[tuple[int, int, Any]], current: np.ndarray, n: int) -> GlobalResult | None:
    """``topk_specified_field_selector`` as per-partition top-k, then the top-k of the union.

    Selection ranks by (value, row) and every row of the global top-k is in the top-k of its
    own partition, so the union of the partitions' candidates (in row order) holds the answer
    and the op's own ranking over it gives ``op.select(keys[current])``. Only numeric values
    take this path (None when some partition has others: the caller then gathers the keys).
    """
    from recipe_copilot.engine.ops.common.expression import extreme_indices
    from recipe_copilot.engine.ops.common.fields import selection_size

    ray = _ray()
    p = op.params
    m = len(current)
    if m <= 1 or not p.field_key or not (p.top_ratio or p.topk):
        return None
    k = selection_size(p.top_ratio, p.topk, m)
    alive = np.zeros(n, dtype=bool)
    alive[current] = True
    alive_ref = ray.put(alive)
    task = ray.remote(_topk_map)
    outs = ray.get([task.remote([lo for lo, _, _ in g], alive_ref, k, p.reverse, *[r for _, _, r in g])
                    for g in _groups(parts)])
    if any(o is None for o in outs):
        return None
    gids = np.concatenate([o[0] for o in outs]) if outs else np.empty(0, np.int64)
    values = [v for o in outs for v in o[1]]
    chosen = gids[extreme_indices(values, k, largest=p.reverse)]
    order = np.searchsorted(current, chosen)
    keep = np.zeros(m, dtype=bool)
    keep[order] = True
    return GlobalResult(keep, order=order)


def _topk_map(starts: list[int], alive: np.ndarray, k: int, largest: bool, *chunks: Any) -> Any:
    from recipe_copilot.engine.ops.common.expression import extreme_indices

    keys, gids = _alive_rows(starts, alive, chunks)
    values = [v for ks in keys for v in ks]
    if not all(type(v) in (int, float, bool) and v == v for v in values):  # v != v: NaN
        return None  # strings, None, NaN: ranking is not a total order by parts; gather instead
    picked = np.sort(extreme_indices(values, k, largest=largest))
    return gids[picked], [values[i] for i in picked]


def _groups(parts: list[tuple[int, int, Any]]) -> list[list[tuple[int, int, Any]]]:
    """Chunks grouped into map tasks of about ``_SHUFFLE_ROWS`` rows."""
    groups: list[list] = [[]]
    rows = 0
    for part in parts:
        if rows >= _SHUFFLE_ROWS:
            groups.append([])
            rows = 0
        groups[-1].append(part)
        rows += part[1]
    return [g for g in groups if g]


def _result_from_edges(src: np.ndarray, dst: np.ndarray, current: np.ndarray) -> GlobalResult:
    """The decision from edges between global rows: the smallest row of each component stays."""
    keep = np.ones(len(current), dtype=bool)
    if not len(src):
        return GlobalResult(keep, [])
    ids, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)  # only rows with a duplicate
    roots = ids[component_roots(len(ids), inverse[: len(src)], inverse[len(src):])]
    dropped = roots != ids
    pos_dup = np.searchsorted(current, ids[dropped])
    pos_root = np.searchsorted(current, roots[dropped])
    keep[pos_dup] = False
    pairs = [(int(a), int(b)) for a, b in zip(pos_dup[:_PAIRS], pos_root[:_PAIRS], strict=True)]
    return GlobalResult(keep, pairs)


def _mix(h: np.ndarray, n_parts: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = (h.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(33)
    return (h % np.uint64(n_parts)).astype(np.int64)


def _split(n_parts: int, part: np.ndarray, **columns: np.ndarray) -> Any:
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(n_parts + 1))
    out = [{k: v[order[bounds[p]: bounds[p + 1]]] for k, v in columns.items()} for p in range(n_parts)]
    return out if n_parts > 1 else out[0]


def _alive_rows(starts: list[int], alive: np.ndarray, chunks: tuple) -> tuple[list, np.ndarray]:
    """The keys of surviving rows and their global row ids, over a group of chunks."""
    keys, gids = [], []
    for lo, values in zip(starts, chunks, strict=True):
        mask = alive[lo: lo + len(values)]
        idx = np.flatnonzero(mask)
        gids.append(lo + idx)
        keys.append(values[idx] if isinstance(values, np.ndarray) else [values[i] for i in idx])
    return keys, np.concatenate(gids) if gids else np.empty(0, np.int64)


def _shuffle_map_exact(starts: list[int], alive: np.ndarray, n_parts: int, *chunks: Any) -> Any:
    import xxhash

    keys, gids = _alive_rows(starts, alive, chunks)
    flat = [k for ks in keys for k in ks]
    values = np.empty(len(flat), dtype=object)
    values[:] = flat
    hashes = np.fromiter((xxhash.xxh64_intdigest(_key_bytes(k)) for k in flat), dtype=np.uint64, count=len(flat))
    return _split(n_parts, _mix(hashes, n_parts), key=values, hash=hashes, gid=gids)


def _key_bytes(key: Any) -> bytes:
    return key.encode() if isinstance(key, str) else pickle.dumps(key, protocol=5)


def _shuffle_reduce_exact(*parts: dict) -> tuple[np.ndarray, np.ndarray]:
    parts = [p for p in parts if len(p["gid"])]
    if not parts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    gids = np.concatenate([p["gid"] for p in parts])
    hashes = np.concatenate([p["hash"] for p in parts])
    values = np.concatenate([p["key"] for p in parts])
    order = np.lexsort((gids, hashes))  # by hash, then row
    gids, hashes, values = gids[order], hashes[order], values[order]
    src, dst = [], []
    start = 0
    bounds = np.flatnonzero(np.diff(hashes)) + 1
    for end in [*bounds.tolist(), len(gids)]:
        if end - start > 1:  # rows sharing a 64-bit hash: group them by the key itself
            first: dict = {}
            for g, k in zip(gids[start:end].tolist(), values[start:end].tolist(), strict=True):
                f = first.setdefault(k, g)
                if f != g:
                    src.append(g)
                    dst.append(f)
        start = end
    return np.asarray(src, np.int64), np.asarray(dst, np.int64)


def _shuffle_map_minhash(starts: list[int], alive: np.ndarray, n_parts: int, *chunks: Any) -> Any:
    keys, gids = _alive_rows(starts, alive, chunks)
    arrays = [np.asarray(k, dtype=np.uint64).reshape(len(k), -1) for k in keys if len(k)]
    if not arrays:
        empty = np.empty(0, np.uint64)
        return _split(n_parts, np.empty(0, np.int64), band=empty, h0=empty, h1=empty, gid=np.empty(0, np.int64))
    sig = np.concatenate(arrays)
    bands = sig.shape[1] // 2
    band = np.repeat(np.arange(bands, dtype=np.uint64)[None, :], len(sig), axis=0).ravel()
    h0, h1 = sig[:, 0::2].ravel(), sig[:, 1::2].ravel()
    gid = np.repeat(gids, bands)
    with np.errstate(over="ignore"):
        part = _mix(h0 ^ (band * np.uint64(0xBF58476D1CE4E5B9)), n_parts)
    return _split(n_parts, part, band=band, h0=h0, h1=h1, gid=gid)


def _shuffle_reduce_minhash(*parts: dict) -> tuple[np.ndarray, np.ndarray]:
    parts = [p for p in parts if len(p["gid"])]
    if not parts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    gids = np.concatenate([p["gid"] for p in parts])
    order = np.argsort(gids, kind="stable")  # group_edges joins each row to the smallest one
    gids = gids[order]
    codes = np.stack([np.concatenate([p[c] for p in parts])[order] for c in ("h0", "h1", "band")], axis=1)
    src, dst = group_edges(codes)
    if not len(src):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # collapse this partition's components into stars (row -> smallest row): fewer edges to join
    ids, inverse = np.unique(np.concatenate([gids[src], gids[dst]]), return_inverse=True)
    roots = ids[component_roots(len(ids), inverse[: len(src)], inverse[len(src):])]
    moved = roots != ids
    return ids[moved], roots[moved]


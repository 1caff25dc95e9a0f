"""Base classes of every op. The base owns the loop; an op fills in one or two methods.

- :class:`Mapper`: ``process_batch(batch) -> batch`` (or just ``process_text(text) -> text``).
- :class:`Filter`: ``compute_stats_rows(batch, rows)`` (or just ``compute_stat(text)``) gives
  the stat of the rows lacking it, ``keep_batch(batch)`` says which rows stay.
- :class:`GlobalOp` (:class:`Deduplicator`, :class:`Selector`): ``keys_batch(batch)`` on the
  map side, ``select(keys)`` over the keys of the whole dataset on the reduce side.

Each concrete op lives in its own module, named after the op, and declares a nested
``Params`` model: the single source of truth for its parameters, defaults, bounds and
descriptions. :meth:`Op.run_batch` wraps the op's work with input checks, timing, tracing
and per-sample quarantine.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from recipe_copilot.engine.errors import DatasetError, EngineError, MissingDependencyError, ParamError, closest
from recipe_copilot.engine.sample import SampleBatch

__all__ = [
    "BIG",
    "Deduplicator",
    "Filter",
    "FilterParams",
    "GlobalOp",
    "GlobalResult",
    "Mapper",
    "Op",
    "OpParams",
    "OpRun",
    "Selector",
]

#: Data-Juicer's "no upper bound" default (``sys.maxsize``).
BIG = sys.maxsize

OpKind = Literal["mapper", "filter", "deduplicator", "selector"]

#: modules under these packages are the bundled ops, named after their file; a class defined
#: elsewhere (an abstract base in ``ops/common``, a helper) is an op only if it sets ``name``
OP_PACKAGES = ("mappers", "filters", "deduplicators", "selectors")
_BUNDLED_PREFIXES = tuple(f"{__package__}.{pkg}." for pkg in OP_PACKAGES)


class OpParams(BaseModel):
    """Parameters every Data-Juicer op accepts. Subclasses add the op's own."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    text_key: str = Field("text", description="Field holding the text the op reads.")
    image_key: str = Field("images", description="Field holding the list of image paths.")
    audio_key: str = Field("audios", description="Field holding the list of audio paths.")
    video_key: str = Field("videos", description="Field holding the list of video paths.")
    image_bytes_key: str = Field("image_bytes", description="Field holding image bytes.")
    query_key: str = Field("query", description="Field holding a query (dialog data).")
    response_key: str = Field("response", description="Field holding a response (dialog data).")
    history_key: str = Field("history", description="Field holding a dialog history.")
    system_key: str = Field("system", description="Field holding a system prompt.")
    instruction_key: str = Field("instruction", description="Field holding an instruction.")
    prompt_key: str = Field("prompt", description="Field holding a prompt.")
    index_key: str | None = Field(None, description="Field to store the sample index in, if any.")
    batch_size: int = Field(1000, ge=1, description="Samples per batch handed to the op.")
    num_proc: int | None = Field(None, description="Accepted for compatibility; the recipe's np decides.")
    accelerator: Literal["cpu", "cuda"] | None = Field(None, description="Where the op runs.")
    skip_op_error: bool = Field(True, description="Quarantine samples the op fails on instead of stopping.")
    turbo: bool = Field(False, description="Accepted for compatibility; has no effect here.")
    work_dir: str | None = Field(None, description="Directory for files the op produces.")
    cpu_required: float | None = Field(None, description="CPU cores one op instance needs (Ray).")
    gpu_required: float | None = Field(None, description="GPUs one op instance needs (Ray).")
    mem_required: float | str | None = Field(None, description="Memory one op instance needs (Ray).")
    image_special_token: str = Field("<__dj__image>", description="Marks an image in the text.")
    audio_special_token: str = Field("<__dj__audio>", description="Marks an audio in the text.")
    video_special_token: str = Field("<__dj__video>", description="Marks a video in the text.")
    eoc_special_token: str = Field("<|__dj__eoc|>", description="Ends a chunk of multimodal text.")


class FilterParams(OpParams):
    """Parameters every filter accepts on top of :class:`OpParams`."""

    min_closed_interval: bool = Field(True, description="Keep a value equal to the minimum.")
    max_closed_interval: bool = Field(True, description="Keep a value equal to the maximum.")
    reversed_range: bool = Field(
        False, description="Keep values outside [min, max] instead of inside (bounds flip openness)."
    )
    stats_export_path: str | None = Field(None, description="Accepted for compatibility; stats go to the tracer.")


@dataclass
class OpRun:
    """What one op did over some batches: counts, time, quarantined samples, trace records."""

    rows_in: int = 0
    rows_out: int = 0
    errors: int = 0
    seconds: float = 0.0
    quarantined: list[dict] = field(default_factory=list)
    trace: list[dict] = field(default_factory=list)
    trace_cap: int = 0

    def add_trace(self, records: list[dict]) -> None:
        """Keep trace records up to the cap."""
        room = self.trace_cap - len(self.trace)
        if room > 0:
            self.trace.extend(records[:room])

    def merge(self, other: OpRun) -> None:
        """Add another stretch of the same op's work to this one.

        Quarantined samples are not carried over: the driver writes them out as they come.
        """
        self.rows_in += other.rows_in
        self.rows_out += other.rows_out
        self.errors += other.errors
        self.seconds += other.seconds
        self.add_trace(other.trace)


@dataclass
class GlobalResult:
    """Reduce-side answer of a global op: which rows stay, and (for the tracer) why not.

    Args:
        keep: one bool per row of the whole input of the op, in order.
        pairs: (dropped row, row it duplicates) for deduplicators; empty otherwise.
        order: the kept rows in the order they are output, if not input order.
        state: data for a second pass that edits the kept rows (e.g. lines to remove).
    """

    keep: np.ndarray
    pairs: list[tuple[int, int]] = field(default_factory=list)
    #: the kept rows in output order, when the op reorders (Data-Juicer's selectors sort)
    order: np.ndarray | None = None
    #: what :meth:`GlobalOp.finish_batch` needs to edit the kept rows in the next pass
    state: Any = None


class Op:
    """Base of every op.

    Subclasses set ``Params`` (a pydantic model derived from :class:`OpParams`) and, when
    they need optional packages, ``requires`` (import names) with ``extra`` (the pip extra).
    The registered name is the module's file name. Heavy resources are loaded in
    :meth:`setup`, once per worker process, not in ``__init__``.
    """

    kind: ClassVar[OpKind]
    name: ClassVar[str] = ""
    Params: ClassVar[type[OpParams]] = OpParams
    #: relative cost per sample, used to run cheap filters first
    cost: ClassVar[float] = 1.0
    #: whether the op reads the text field (rows whose text is not a str are quarantined)
    reads_text: ClassVar[bool] = True
    #: whether the op reads ``__dj__suffix__`` (the reader then adds it, as Data-Juicer's does)
    needs_suffix: ClassVar[bool] = False
    requires: ClassVar[tuple[str, ...]] = ()
    extra: ClassVar[str | None] = None
    #: where the op runs when the recipe does not set ``accelerator``: model-backed ops say cuda
    default_accelerator: ClassVar[Literal["cpu", "cuda"]] = "cpu"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        module = cls.__module__
        bundled = module.startswith(_BUNDLED_PREFIXES)
        if not bundled and not cls.__dict__.get("name"):
            return  # an abstract base or a helper class, not an op
        params = cls.__dict__.get("Params")
        expected = FilterParams if issubclass(cls, Filter) else OpParams
        if params is None or not issubclass(params, expected):
            msg = f"op class {cls.__qualname__} must declare `class Params({expected.__name__})`"
            raise TypeError(msg)
        if bundled:
            cls.name = module.rsplit(".", 1)[-1]

    def __init__(self, params: OpParams | None = None, *, index: int = 0) -> None:
        self.params = params if params is not None else self.Params()
        self.text_key = self.params.text_key
        #: position of the op in the recipe's process list
        self.index = index
        self._ready = False

    @property
    def accelerator(self) -> Literal["cpu", "cuda"]:
        """Where the op asks to run: the recipe's ``accelerator``, else the op's default."""
        return self.params.accelerator or self.default_accelerator

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_config(cls, args: dict[str, Any] | None, *, where: str = "") -> Op:
        """Validate ``args`` against ``Params`` and build the op; raise :class:`ParamError`."""
        return cls(cls.validate_params(args, where=where))

    @classmethod
    def validate_params(cls, args: dict[str, Any] | None, *, where: str = "") -> OpParams:
        """Check ``args`` and return the params model, naming every bad parameter."""
        try:
            return cls.Params.model_validate(args or {})
        except ValidationError as exc:
            problems = [cls._explain(err) for err in exc.errors()]
            prefix = f"{where}: " if where else ""
            msg = f"{prefix}op {cls.name!r}: " + "; ".join(problems)
            raise ParamError(msg) from None

    @classmethod
    def _explain(cls, err: Any) -> str:
        if not err["loc"]:  # a check across several parameters
            return str(err["msg"]).removeprefix("Value error, ")
        loc = ".".join(str(p) for p in err["loc"])
        name = str(err["loc"][0])
        if err["type"] == "extra_forbidden":
            near = closest(name, cls.Params.model_fields)
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            return f"unknown parameter {loc!r}{hint}; run `copilot ops {cls.name}` for its parameters"
        info = cls.Params.model_fields.get(name)
        expected = _type_name(info.annotation) if info else "?"
        bounds = _bounds(info) if info else ""
        got = err.get("input")
        return f"parameter {loc!r} = {got!r} is invalid: {err['msg']} (expected {expected}{bounds})"

    def setup(self) -> None:
        """Load what the op needs (word lists, models). Runs once per process."""

    def ensure_ready(self) -> None:
        """Check optional packages and call :meth:`setup` once."""
        if not self._ready:
            self.check_requirements()
            try:
                self.setup()
            except ParamError as exc:
                msg = f"process[{self.index}] {self.name}: {exc}"
                raise ParamError(msg) from None
            self._ready = True

    @classmethod
    def check_requirements(cls) -> None:
        """Raise :class:`MissingDependencyError` if a package the op needs is missing."""
        for module in cls.requires:
            try:
                importlib.import_module(module)
            except ImportError:
                raise MissingDependencyError(module, needed_by=f"op {cls.name!r}", extra=cls.extra) from None

    def preflight(self) -> list[str]:
        """Problems this op can see before a run without loading anything (an LLM endpoint not
        configured, a local model not on disk), for recipe validation; none by default."""
        return []

    # ----------------------------------------------------------------- running
    def apply(self, batch: SampleBatch, run: OpRun) -> SampleBatch:
        """Do the op's work on a batch whose inputs are valid. Subclasses of the bases fill it."""
        raise NotImplementedError

    def run_batch(self, batch: SampleBatch, run: OpRun) -> SampleBatch:
        """Run the op on ``batch``, accounting into ``run``; quarantine the samples it fails on."""
        self.ensure_ready()
        start = time.perf_counter()
        run.rows_in += len(batch)
        batch = self._quarantine_bad_input(batch, run)
        try:
            out = self.apply(batch, run)
        except EngineError:  # raised on purpose (an unusable endpoint, a missing package): no sample is to blame
            raise
        except Exception:  # a sample the op cannot handle; find which, keep the rest
            if not self.params.skip_op_error:
                raise
            good = self._apply_halves(batch, list(range(len(batch))), run)
            out = SampleBatch.concat(good) if good else batch.take([])
        run.rows_out += len(out)
        run.seconds += time.perf_counter() - start
        return out

    def _quarantine_bad_input(self, batch: SampleBatch, run: OpRun) -> SampleBatch:
        if not self.reads_text or len(batch) == 0:
            return batch
        if not batch.has_column(self.text_key) and "." not in self.text_key:
            msg = (
                f"op {self.name!r} reads the field {self.text_key!r}, but the data has no such field "
                f"(fields: {', '.join(batch.columns) or 'none'}); set `text_keys` in the recipe "
                f"or `text_key` on the op"
            )
            raise DatasetError(msg)
        texts = batch.column(self.text_key)
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
        if not bad:
            return batch
        for i in bad:
            why = (
                f"field {self.text_key!r} is missing"
                if texts[i] is None
                else f"field {self.text_key!r} is {type(texts[i]).__name__}, expected str"
            )
            self._quarantine(run, batch, i, why)
        bad_set = set(bad)
        return batch.take(i for i in range(len(batch)) if i not in bad_set)

    def _apply_halves(self, batch: SampleBatch, rows: list[int], run: OpRun) -> list[SampleBatch]:
        """Apply the op to ``rows``; on failure split them in halves until the failing samples are alone.

        A few bad samples in a large batch cost about 2·log2(n) extra calls per bad sample
        instead of one call per sample, which keeps batched (model) ops batched.
        """
        part = batch.take(rows)
        try:
            return [self.apply(part, run)]
        except Exception as exc:
            if len(rows) <= 1:  # one sample to blame (none: the op fails on an empty batch, nothing is lost)
                if rows:
                    self._quarantine(run, part, 0, f"{type(exc).__name__}: {exc}", tb=traceback.format_exc())
                return []
        mid = len(rows) // 2
        return self._apply_halves(batch, rows[:mid], run) + self._apply_halves(batch, rows[mid:], run)

    def _quarantine(self, run: OpRun, batch: SampleBatch, row: int, reason: str, tb: str = "") -> None:
        run.errors += 1
        record = {"op": self.name, "error": reason, "sample": batch.take([row]).to_rows()[0]}
        if tb:
            record["traceback"] = tb.strip().splitlines()[-3:]
        run.quarantined.append(record)

    # ----------------------------------------------------------------- docs
    @classmethod
    def summary(cls) -> str:
        """The first line of the op's docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""

    def __repr__(self) -> str:
        own = self.params.model_dump(exclude_defaults=True)
        return f"{type(self).__name__}({self.name}, {own})"


class Mapper(Op):
    """Edits samples. Fill in ``process_batch`` or, for a pure text edit, ``process_text``."""

    kind: ClassVar[OpKind] = "mapper"

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        """Edit the batch (in place or as a new batch, which may have more or fewer rows)."""
        process = self.process_text  # bound once: the loop runs per sample
        batch.set_column(self.text_key, [process(t) for t in batch.column(self.text_key)])
        return batch

    def process_text(self, text: str) -> str:
        """Return the edited text of one sample."""
        raise NotImplementedError

    def apply(self, batch: SampleBatch, run: OpRun) -> SampleBatch:
        before = list(batch.column(self.text_key)) if run.trace_cap > len(run.trace) else None
        out = self.process_batch(batch)
        if before is not None and len(out) == len(before):
            after = out.column(self.text_key)
            run.add_trace(
                [
                    {"original text": b, "processed_text": a}
                    for b, a in zip(before, after, strict=True)
                    if b != a
                ]
            )
        return out


class Filter(Op):
    """Keeps the samples whose stats are in range.

    Set ``stat_key`` and fill in ``keep_batch`` and either ``compute_stats_rows`` (the stats
    of some rows, e.g. from words shared across the batch) or, for a stat of the text alone,
    ``compute_stat``. A stat already present on a row (from an earlier run) is reused, as
    Data-Juicer does: only the rows lacking it are computed. A filter whose stats are not one
    ``stat_key`` overrides ``compute_stats_batch`` instead.
    """

    kind: ClassVar[OpKind] = "filter"
    #: the stat this filter writes (None for filters that only read fields)
    stat_key: ClassVar[str | None] = None
    #: every stat the filter writes, when it writes several (``image_width``, ``image_height``)
    stat_keys: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def written_stats(cls) -> tuple[str, ...]:
        """The stat keys the filter writes: ``stat_keys``, else its one ``stat_key``."""
        return cls.stat_keys or ((cls.stat_key,) if cls.stat_key else ())

    def compute_stats_batch(self, batch: SampleBatch) -> None:
        """Write this filter's stats for the rows that lack them."""
        key = self.stat_key
        if key is None:
            return
        rows = batch.missing_stat_rows(key)
        if not rows:
            return
        values = self.compute_stats_rows(batch, rows)
        batch.set_stat(key, values, None if len(rows) == len(batch) else rows)

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        """The stat of each of ``rows`` (the rows of ``batch`` lacking it), in order.

        By default :meth:`compute_stat` of each row's text.
        """
        texts = batch.column(self.text_key)
        if len(rows) == len(texts):
            return [self.compute_stat(t) for t in texts]
        return [self.compute_stat(texts[i]) for i in rows]

    def compute_stat(self, text: str) -> Any:
        """The stat of one text."""
        raise NotImplementedError

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        """One bool per row: keep it or not."""
        raise NotImplementedError

    @classmethod
    def reads_stats(cls, params: OpParams) -> bool:
        """Whether, with these params, the filter reads other filters' stats (the planner then
        keeps it after them instead of reordering)."""
        return False

    def in_range(self, values: list, lo: float | None, hi: float | None) -> list[bool]:
        """Data-Juicer's range test per value, honouring closed/open bounds and reversal."""
        p = self.params
        lo_closed, hi_closed = p.min_closed_interval, p.max_closed_interval
        if p.reversed_range:
            lo_closed, hi_closed = not lo_closed, not hi_closed
        out = []
        for v in values:
            ok = True
            if lo is not None:
                ok = v >= lo if lo_closed else v > lo
            if ok and hi is not None:
                ok = v <= hi if hi_closed else v < hi
            out.append(ok != p.reversed_range)
        return out

    def apply(self, batch: SampleBatch, run: OpRun) -> SampleBatch:
        self.compute_stats_batch(batch)
        keep = list(self.keep_batch(batch))
        if run.trace_cap > len(run.trace) and not all(keep):
            run.add_trace(batch.take(i for i, k in enumerate(keep) if not k).to_rows())
        batch.keep_rows(keep)
        return batch


class GlobalOp(Op):
    """An op that needs the whole dataset: keys per row on the map side, a decision at reduce.

    ``keys_batch`` returns one key per row (a list, or a numpy array whose first axis is the
    row); the executor concatenates the keys of all batches in order and calls ``select``.
    """

    #: Data-Juicer's name for a deduplicator's hash column, used in the output when
    #: ``keep_hashes_in_res_ds`` is set (keys travel in :attr:`column` until then)
    key_column: ClassVar[str] = ""

    def keys_batch(self, batch: SampleBatch) -> list | np.ndarray:
        """Map side: the key of each row."""
        raise NotImplementedError

    def select(self, keys: list | np.ndarray) -> GlobalResult:
        """Reduce side: which rows of the whole input stay."""
        raise NotImplementedError

    def apply(self, batch: SampleBatch, run: OpRun) -> SampleBatch:
        """Map side: store the keys in :attr:`key_column`; the executor collects them."""
        keys = self.keys_batch(batch)
        batch.set_column(self.column, list(keys))
        return batch

    @property
    def column(self) -> str:
        """The hidden column this op's keys travel in (one per op of the recipe)."""
        return f"__dj__key__{self.index}"


class Deduplicator(GlobalOp):
    """Drops samples that duplicate an earlier one; the first occurrence stays."""

    kind: ClassVar[OpKind] = "deduplicator"


class Selector(GlobalOp):
    """Selects a subset of the whole dataset (top-k, random, by field values).

    Fill in ``output_order(keys)``: the rows Data-Juicer outputs, in its order (selectors
    may sort, and a later selector's ties depend on that order, so it is kept).
    """

    kind: ClassVar[OpKind] = "selector"
    reads_text: ClassVar[bool] = False

    def output_order(self, keys: list | np.ndarray) -> np.ndarray:
        """The selected rows, in output order."""
        raise NotImplementedError

    def select(self, keys: list | np.ndarray) -> GlobalResult:
        order = np.asarray(self.output_order(keys), dtype=np.int64)
        keep = np.zeros(len(keys), dtype=bool)
        keep[order] = True
        return GlobalResult(keep, order=order)


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("typing.", "")


def _bounds(info: Any) -> str:
    parts = []
    for meta in info.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{sym} {value}")
    return f", {' and '.join(parts)}" if parts else ""

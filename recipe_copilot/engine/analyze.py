"""The analyzer: every stat a recipe's filters use, over the whole input, without filtering.

One streaming pass over the input. Each chunk goes through the recipe's ops in order, in the
executor's worker processes (the local pool with the recipe's ``np``, or Ray): mappers run
(``run_batch``, with its quarantine, so a filter sees the text the recipe would hand it), each
filter's own ``compute_stats_batch`` measures, and nothing is dropped (``keep_batch`` is never
used to filter). A row a filter fails on (a missing image) is counted as that filter's error
and reported, as a run would quarantine it; it does not stop the analysis.

Every stat key a filter writes is analysed (``image_shape_filter`` writes ``image_width`` and
``image_height``). A list-valued stat (one value per image) is flattened, as Data-Juicer's
analyzer does: each element counts. Workers send back per-chunk float arrays, so the driver
holds 8 bytes per value and never the samples; quantiles are exact. With ``sample`` a seeded
reservoir of rows is analysed instead.

From an :class:`Analysis`: a summary table (JSON, CSV, Markdown, like Data-Juicer's overall
analysis), a histogram and a box plot per stat with the recipe's current bounds, an HTML
report, a text diversity view (:mod:`recipe_copilot.engine.analysis_report`), and automatic
bounds (k-sigma, Data-Juicer's "3-sigma" recipe, or quantiles) with predicted drop rates
measured by each filter's own ``in_range`` / ``keep_batch``.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import orjson
from pydantic import BaseModel, Field, PrivateAttr

from recipe_copilot.engine.errors import EngineError
from recipe_copilot.engine.io.readers import CHUNK_BYTES, MediaPaths, decode_chunk, iter_chunks, resolve_inputs
from recipe_copilot.engine.ops.base import Filter, FilterParams, Op, OpRun
from recipe_copilot.engine.recipe import OpSpec, Recipe, recipe_from_mapping
from recipe_copilot.engine.sample import STATS, SampleBatch

__all__ = [
    "DEFAULT_ANALYSIS_OPS",
    "Analysis",
    "AnalysisRunner",
    "AutoBounds",
    "BoundDrop",
    "ChunkStats",
    "FilterPrediction",
    "OpErrors",
    "StatSummary",
    "StatValues",
    "analyze",
    "analyze_batch",
    "auto_bounds",
    "bound_limits",
    "bound_params",
    "bounds_for_key",
    "default_analysis_recipe",
    "format_value",
    "leading_pairs",
    "round_out",
    "rows_to_csv",
    "rows_to_markdown",
    "stat_keys",
    "summary_rows",
    "to_csv",
    "to_markdown",
    "write_analysis",
]

#: the cheap text stats analysed when no recipe is given (default params)
DEFAULT_ANALYSIS_OPS = [
    "text_length_filter",
    "words_num_filter",
    "alphanumeric_filter",
    "special_characters_filter",
    "average_line_length_filter",
    "maximum_line_length_filter",
    "character_repetition_filter",
    "word_repetition_filter",
]

Side = Literal["min", "max"]
_ANALYSIS_BATCH = 2000
_DECIMALS = 4
#: quarantine records kept per op as examples (the counts are exact)
_ERROR_EXAMPLES = 5
#: inputs smaller than this are analysed in this process (starting workers costs more)
_MIN_PARALLEL_BYTES = 8 * CHUNK_BYTES
#: distinct leading pairs kept per chunk and in total (the most common ones)
_PAIRS_KEEP = 50_000


def bound_params(params_cls: type[FilterParams]) -> list[tuple[Side, str, Any]]:
    """The numeric ``min_*`` / ``max_*`` parameters of a filter: (side, name, field info)."""
    out: list[tuple[Side, str, Any]] = []
    for name, info in params_cls.model_fields.items():
        if name in FilterParams.model_fields or info.annotation not in (int, float):
            continue
        if name.startswith("min_"):
            out.append(("min", name, info))
        elif name.startswith("max_"):
            out.append(("max", name, info))
    return out


def bounds_for_key(params_cls: type[FilterParams], key: str, keys: list[str]) -> list[tuple[Side, str, Any]]:
    """The bound parameters that apply to stat ``key`` of a filter writing ``keys``.

    With one stat, all of them; with several (``image_width``, ``image_height``), those whose
    name after ``min_``/``max_`` occurs in the key (``min_width`` -> ``image_width``).
    """
    bounds = bound_params(params_cls)
    if len(keys) <= 1:
        return bounds
    return [b for b in bounds if b[1][4:] and b[1][4:] in key]


def _qkey(q: float) -> str:
    return f"{q * 100:g}%"


# ---- per-chunk work (runs in the executor's workers) -----------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
#: Data-Juicer's special tokens (``<__dj__image>``, ``<|__dj__eoc|>``): not words
_SPECIAL = re.compile(r"<\|?__dj__\w+\|?>")
_STOPWORDS: dict[str, frozenset[str]] = {}


def _stopwords(lang: str) -> frozenset[str]:
    if lang not in _STOPWORDS:
        path = Path(__file__).parent / "ops" / "common" / "assets" / "stopwords.json"
        try:
            words = orjson.loads(path.read_bytes()).get(lang, [])
        except OSError:
            words = []
        _STOPWORDS[lang] = frozenset(w.lower() for w in words)
    return _STOPWORDS[lang]


def leading_pairs(texts: Iterable[Any], lang: str = "en") -> Counter:
    """The leading (first, second) content-word pair of each text, counted.

    The offline stand-in for Data-Juicer's diversity analysis (the root verb and its direct
    object by a POS tagger, which is not available offline here): the text, without
    Data-Juicer's special tokens, is lower-cased, cut into words (letters only), the bundled stopword list for ``lang`` removed, and the
    first two remaining words taken. A text with a single content word counts as (word, "").
    """
    stop = _stopwords(lang)
    out: Counter = Counter()
    for text in texts:
        if not isinstance(text, str):
            continue
        first = None
        for m in _WORD.finditer(_SPECIAL.sub(" ", text[:2000]).lower()):
            w = m.group()
            if w in stop or not 1 < len(w) <= 40:
                continue
            if first is None:
                first = w
            else:
                out[(first, w)] += 1
                break
        else:
            if first is not None:
                out[(first, "")] += 1
    return out


@dataclass
class _KeyPart:
    """One stat key over one chunk: flat values (NaN: not a number), values per row, list?"""

    values: np.ndarray
    counts: np.ndarray
    is_list: bool


@dataclass
class _FilterPart:
    """One filter over one chunk: its rows, which it measured without error, its stats."""

    rows: int
    ok: np.ndarray
    keys: dict[str, _KeyPart] = field(default_factory=dict)


@dataclass
class ChunkStats:
    """What a worker sends back for one chunk: stat arrays, counts and error examples."""

    index: int
    rows_read: int = 0
    rows_analysed: int = 0
    no_text: int = 0
    bad_input: int = 0
    filters: dict[int, _FilterPart] = field(default_factory=dict)
    runs: dict[int, OpRun] = field(default_factory=dict)
    pairs: Counter | None = None


def _flatten(values: list[Any]) -> _KeyPart:
    counts = np.zeros(len(values), dtype=np.int32)
    flat: list[float] = []
    is_list = False
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, list | tuple | np.ndarray):
            is_list = True
            counts[i] = len(v)
            flat.extend(_num(x) for x in v)
        else:
            counts[i] = 1
            flat.append(_num(v))
    return _KeyPart(np.asarray(flat, dtype=np.float64), counts, is_list)


def _num(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        return math.nan
    return float(v)


class AnalysisRunner:
    """The analysis of one chunk: mappers, then each filter's stats, nothing dropped.

    Shaped like :class:`~recipe_copilot.engine.executors.shard.ShardRunner` (``stages``,
    ``setup``, ``run``), so any executor's ``map_ordered`` runs it in its workers.

    Args:
        recipe: the recipe; its mappers and filters with a stat are run, other ops skipped.
        diversity: also count the leading content-word pairs of the text (after the mappers).
        lang: stopword list of the diversity view.
    """

    def __init__(self, recipe: Recipe, *, diversity: bool = True, lang: str = "en") -> None:
        self.recipe = recipe
        self.specs = [s for s in recipe.process if _analysable(s)]
        self.stages: list[list[tuple[int, Op]]] = [[(s.index, s.build()) for s in self.specs]]
        self.media = MediaPaths.for_dataset(recipe.dataset_path, recipe.media_keys)
        self.add_suffix = any(op.needs_suffix for _, op in self.stages[0])
        self.diversity = diversity
        self.lang = lang
        #: per filter, the stat keys it wrote so far (popped before it measures again)
        self._keys: dict[int, set[str]] = {}

    def setup(self) -> None:
        """Load every op's resources once per process."""
        for _, op in self.stages[0]:
            op.ensure_ready()

    def run(self, work: Any) -> ChunkStats:
        """Decode one input chunk (an executor's ``ChunkWork``) and analyse it."""
        batch, bad = decode_chunk(work.chunk, add_suffix=self.add_suffix, media=self.media)
        out = self.process(batch, index=work.index)
        out.bad_input = len(bad)
        out.rows_read += len(bad)
        return out

    def process(self, batch: SampleBatch, *, index: int = 0) -> ChunkStats:
        """Analyse a decoded batch."""
        self.setup()
        out = ChunkStats(index=index, rows_read=len(batch))
        text_key = self.recipe.text_key
        if len(batch) and batch.has_column(text_key):
            good = [i for i, t in enumerate(batch.column(text_key)) if isinstance(t, str)]
            if len(good) != len(batch):
                out.no_text = len(batch) - len(good)
                batch = batch.take(good)
        out.rows_analysed = len(batch)
        for op_index, op in self.stages[0]:
            run = OpRun()
            out.runs[op_index] = run
            if isinstance(op, Filter):
                out.filters[op_index] = self._measure(op, batch, run)
            elif len(batch):
                batch = op.run_batch(batch, run)
            del run.quarantined[_ERROR_EXAMPLES:]
        if self.diversity and len(batch) and batch.has_column(text_key):
            pairs = leading_pairs(batch.column(text_key), self.lang)
            out.pairs = Counter(dict(pairs.most_common(_PAIRS_KEEP))) if len(pairs) > _PAIRS_KEEP else pairs
        return out

    def _measure(self, op: Filter, batch: SampleBatch, run: OpRun) -> _FilterPart:
        """The filter's stats of every row, with Op.run_batch's quarantine: a row it fails on
        is recorded (``run.errors``, ``run.quarantined``) and has no stat; nothing is dropped."""
        n = len(batch)
        run.rows_in += n
        run.rows_out += n
        ok = np.ones(n, dtype=bool)
        own = self._keys.setdefault(op.index, set()) | set(stat_keys(type(op)))
        saved = batch.stats
        # each filter measures for itself (a stat another filter computed under the same key is
        # not reused); one that reads other filters' stats sees them
        batch.stats = dict(saved) if op.reads_stats(op.params) else {}
        for key in own:
            batch.stats.pop(key, None)
        before = dict(batch.stats)
        written: dict[str, list] = {}
        if n:
            try:
                op.compute_stats_batch(batch)
                written = {k: v for k, v in batch.stats.items() if before.get(k) is not v}
            except EngineError:  # raised on purpose (an unusable endpoint...): no row is to blame
                raise
            except Exception:
                if not op.params.skip_op_error:
                    raise
                written = self._row_by_row(op, batch, before, ok, run)
        # stats carried in the input (an exported run) are reused, as a run reuses them
        reused = [k for k in (*self._keys[op.index], *stat_keys(type(op))) if k not in written]
        if n and not written and not reused:
            reused = self._probe_keys(op, batch)
        for key in dict.fromkeys(reused):
            values = batch.get_stat(key)
            if any(v is not None for v in values):
                written[key] = values
        batch.stats = {**saved, **written}
        self._keys[op.index].update(written)
        part = _FilterPart(rows=n, ok=ok)
        for key, values in written.items():
            part.keys[key] = _flatten(values)
        return part

    @staticmethod
    def _probe_keys(op: Filter, batch: SampleBatch) -> list[str]:
        """The keys a filter without one ``stat_key`` writes, found by measuring the first row
        without its carried stats (when every row carried them, nothing was written)."""
        one = SampleBatch.from_rows(batch.take([0]).to_rows(keep_stats=False))
        try:
            op.compute_stats_batch(one)
        except Exception:  # a row it fails on: no keys to learn from it
            return []
        return list(one.stats)

    @staticmethod
    def _row_by_row(op: Filter, batch: SampleBatch, before: dict, ok: np.ndarray, run: OpRun) -> dict[str, list]:
        rows: list[dict[str, Any]] = []
        for i in range(len(batch)):
            one = batch.take([i])
            had = dict(one.stats)
            try:
                op.compute_stats_batch(one)
            except Exception as exc:
                ok[i] = False
                op._quarantine(run, one, 0, f"{type(exc).__name__}: {exc}", tb=traceback.format_exc())
                rows.append({})
                continue
            rows.append({k: v[0] for k, v in one.stats.items() if had.get(k) is not v})
        keys = list(dict.fromkeys(k for r in rows for k in r))
        return {k: [r.get(k) for r in rows] for k in keys}


def stat_keys(cls: type[Filter]) -> list[str]:
    """The stat keys a filter says it writes (the analysis also records any other key it writes)."""
    return list(cls.written_stats())


def _analysable(spec: OpSpec) -> bool:
    cls = spec.op_class
    if cls.kind == "filter":
        from recipe_copilot.engine.ops.common.fields import FieldValueFilter

        # a field-value test (specified_field_filter) copies the field, it measures nothing
        return not (issubclass(cls, FieldValueFilter) and not bound_params(cls.Params))  # type: ignore[arg-type]
    return cls.kind == "mapper"


# ---- the result ------------------------------------------------------------------------------


@dataclass
class StatValues:
    """One stat key of one filter over the analysed rows.

    ``values``: one float per row (NaN: missing, not a number, or the filter failed on the row)
    for a scalar stat; for a list-valued stat (one value per image) the flattened values, with
    ``counts`` giving how many belong to each row, in row order.
    """

    values: np.ndarray
    counts: np.ndarray | None = None

    @property
    def is_list(self) -> bool:
        return self.counts is not None

    def finite(self) -> np.ndarray:
        return self.values[np.isfinite(self.values)]

    def per_row(self) -> list[Any]:
        """One value per row: a float, or a list of floats for a list-valued stat."""
        if self.counts is None:
            return self.values.tolist()
        ends = np.cumsum(self.counts)
        flat = self.values.tolist()
        return [flat[e - c:e] for c, e in zip(self.counts.tolist(), ends.tolist(), strict=True)]


class BoundDrop(BaseModel):
    """One bound parameter of a filter and the share of the analysed values it alone drops."""

    param: str
    side: Side
    value: float | int
    drop_rate: float = Field(description="Share of the stat's values (of each image, for a list stat) it drops.")


class StatSummary(BaseModel):
    """One stat key of one filter over the analysed samples."""

    op: str
    index: int
    stat_key: str
    kind: Literal["scalar", "list"] = Field("scalar", description="list: one value per image/video, flattened.")
    rows: int = Field(0, description="Rows the filter measured (its errors included).")
    errors: int = Field(0, description="Rows the filter failed on (a missing or broken file): no stat.")
    count: int = Field(description="Finite numeric values (rows; images for a list stat).")
    non_numeric: int = Field(0, description="Values that are missing, not a number or not finite.")
    mean: float | None = None
    std: float | None = Field(None, description="Population standard deviation (ddof=0).")
    min: float | None = None
    max: float | None = None
    quantiles: dict[str, float] = Field(default_factory=dict, description="'25%' -> value (numpy's linear rule).")
    bounds: list[BoundDrop] = Field(default_factory=list, description="The recipe's current bounds on this stat.")
    current_drop_rate: float = Field(0.0, description="Share of rows the filter drops with its current params.")


class OpErrors(BaseModel):
    """Rows an op failed on during the analysis (counted, not fatal), with a few examples."""

    op: str
    index: int
    errors: int
    examples: list[str] = Field(default_factory=list)


class Analysis(BaseModel):
    """Per-stat summaries of a dataset under a recipe's filters."""

    dataset: str | None
    rows_read: int = Field(description="Rows read from the input (malformed lines included).")
    rows_analysed: int = Field(description="Rows the stats were computed on (all, or the sample).")
    sample: int | None = None
    seed: int | None = None
    executor: str = "in-process"
    workers: int = Field(1, description="Worker processes the pass ran on (the executor's np).")
    seconds: float = 0.0
    percentiles: list[float]
    stats: list[StatSummary] = Field(default_factory=list)
    errors: list[OpErrors] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    _recipe: Recipe | None = PrivateAttr(None)
    _data: dict[int, dict[str, StatValues]] = PrivateAttr(default_factory=dict)
    _ok: dict[int, np.ndarray] = PrivateAttr(default_factory=dict)
    _pairs: Counter | None = PrivateAttr(None)

    @property
    def recipe(self) -> Recipe:
        """The recipe analysed (default ops when none was given)."""
        assert self._recipe is not None
        return self._recipe

    @property
    def pairs(self) -> Counter:
        """Leading content-word pairs of the analysed texts (see :func:`leading_pairs`)."""
        return self._pairs or Counter()

    def keys(self, index: int) -> list[str]:
        """The stat keys the filter at ``index`` wrote."""
        return list(self._data.get(index, {}))

    def stat(self, index: int, key: str | None = None) -> StatValues:
        """The values of one stat (default: the filter's ``stat_key``, else its first)."""
        data = self._data[index]
        if key is None:
            spec = self._spec(index)
            key = spec.op_class.stat_key if spec.op_class.stat_key in data else next(iter(data))
        return data[str(key)]

    def values(self, index: int, key: str | None = None) -> np.ndarray:
        """Stat values of the filter at ``index`` (flattened for a list stat; NaN: no number)."""
        return self.stat(index, key).values

    def summary(self, index: int, key: str | None = None) -> StatSummary:
        """The summary of one stat of the filter at op ``index`` (default: its first)."""
        for s in self.stats:
            if s.index == index and (key is None or s.stat_key == key):
                return s
        raise KeyError((index, key))

    def _spec(self, index: int) -> OpSpec:
        return next(s for s in self.recipe.process if s.index == index)

    def keep_mask(self, spec: OpSpec, params: FilterParams | None = None) -> np.ndarray:
        """Which analysed rows ``spec``'s filter keeps (with ``params``), by its own ``keep_batch``.

        Rows the filter failed on, or whose stat is not a number, count as kept (the analysis
        cannot tell; a run quarantines the former).
        """
        data = self._data[spec.index]
        ok = self._ok[spec.index].copy()
        keep = np.ones(ok.size, dtype=bool)
        columns: dict[str, list] = {}
        for key, sv in data.items():
            rows = sv.per_row()
            if sv.is_list:
                ok &= np.array([all(math.isfinite(x) for x in r) for r in rows], dtype=bool)
            else:
                ok &= np.isfinite(sv.values)
            columns[key] = rows
        idx = np.flatnonzero(ok)
        if not idx.size or not columns:
            return keep
        op = spec.op_class(params or spec.params, index=spec.index)
        for start in range(0, idx.size, 100_000):
            part = idx[start:start + 100_000].tolist()
            stats = [{k: col[i] for k, col in columns.items()} for i in part]
            keep[part] = np.asarray(op.keep_batch(SampleBatch({STATS: stats})), dtype=bool)
        return keep

    def drop_rate(self, spec: OpSpec, params: FilterParams | None = None) -> float:
        """Share of the analysed rows the filter drops with ``params`` (default: its own)."""
        keep = self.keep_mask(spec, params)
        return round(1.0 - float(keep.mean()), 6) if keep.size else 0.0

    def bound_drop_rate(self, spec: OpSpec, side: Side, value: float, params: FilterParams | None = None,
                        key: str | None = None) -> float:
        """Share of the stat's values one bound alone drops, by the filter's own ``in_range``."""
        arr = self.stat(spec.index, key).finite()
        if not arr.size:
            return 0.0
        op = spec.op_class(params or spec.params, index=spec.index)
        lo, hi = (value, None) if side == "min" else (None, value)
        keep = op.in_range(arr.tolist(), lo, hi)  # type: ignore[attr-defined]
        return round(1.0 - sum(keep) / len(keep), 6)

    def joint_drop_rate(self, params: dict[int, FilterParams] | None = None) -> float | None:
        """Share of the analysed rows the filters drop together (None when rows are not aligned,
        e.g. a mapper dropped some)."""
        params = params or {}
        masks = [self.keep_mask(spec, params.get(spec.index)) for spec in self._specs()]
        if not masks:
            return 0.0
        if len({m.size for m in masks}) != 1:
            return None
        keep = np.logical_and.reduce(masks)
        return round(1.0 - float(keep.mean()), 6) if keep.size else 0.0

    def _specs(self) -> list[OpSpec]:
        """The filters with at least one stat, in recipe order."""
        return [spec for spec in self.recipe.process if self._data.get(spec.index)]

    def stat_items(self) -> list[tuple[OpSpec, str]]:
        """(filter, stat key) of every analysed stat, in order."""
        return [(spec, key) for spec in self._specs() for key in self._data[spec.index]]


def default_analysis_recipe(dataset_path: str | None, *, text_key: str | None = None, **keys: Any) -> Recipe:
    """A recipe of :data:`DEFAULT_ANALYSIS_OPS` (default params) over ``dataset_path``."""
    raw: dict[str, Any] = {"dataset_path": dataset_path, **keys, "process": list(DEFAULT_ANALYSIS_OPS)}
    if text_key:
        raw["text_keys"] = text_key
    return recipe_from_mapping(raw, source="analysis")


# ---- the pass --------------------------------------------------------------------------------


def _sampled_batches(recipe: Recipe, sample: int, seed: int, counter: list[int]) -> Iterator[SampleBatch]:
    """A seeded reservoir of ``sample`` rows of the whole input, in batches (counter: rows read,
    malformed lines)."""
    files = resolve_inputs(recipe.dataset_path, recipe.suffixes or None)
    media = MediaPaths.for_dataset(recipe.dataset_path, recipe.media_keys)
    add_suffix = any(s.op_class.needs_suffix for s in recipe.process)
    rng = random.Random(seed)
    reservoir: list[dict] = []
    seen = 0
    for chunk in iter_chunks(files):
        batch, bad = decode_chunk(chunk, add_suffix=add_suffix, media=media)
        counter[0] += len(batch) + len(bad)
        counter[1] += len(bad)
        for row in batch.to_rows(keep_stats=True):
            seen += 1
            if len(reservoir) < sample:
                reservoir.append(row)
            else:
                j = rng.randrange(seen)
                if j < sample:
                    reservoir[j] = row
    for start in range(0, len(reservoir), _ANALYSIS_BATCH):
        yield SampleBatch.from_rows(reservoir[start:start + _ANALYSIS_BATCH])


class _Collector:
    """Folds chunk results in order; keeps only stat arrays, counts and a few examples."""

    def __init__(self, runner: AnalysisRunner) -> None:
        self.runner = runner
        self.parts: dict[int, list[_FilterPart]] = {s.index: [] for s in runner.specs if s.op_class.kind == "filter"}
        self.runs: dict[int, OpRun] = {s.index: OpRun() for s in runner.specs}
        self.examples: dict[int, list[str]] = {s.index: [] for s in runner.specs}
        self.rows_read = self.rows_analysed = self.no_text = self.bad_input = 0
        self.pairs: Counter = Counter()

    def add(self, cs: ChunkStats) -> None:
        self.rows_read += cs.rows_read
        self.rows_analysed += cs.rows_analysed
        self.no_text += cs.no_text
        self.bad_input += cs.bad_input
        for index, part in cs.filters.items():
            self.parts[index].append(part)
        for index, run in cs.runs.items():
            self.runs[index].merge(run)
            room = _ERROR_EXAMPLES - len(self.examples[index])
            self.examples[index].extend(str(q.get("error")) for q in run.quarantined[:max(room, 0)])
        if cs.pairs:
            self.pairs.update(cs.pairs)
            if len(self.pairs) > 4 * _PAIRS_KEEP:
                self.pairs = Counter(dict(self.pairs.most_common(_PAIRS_KEEP)))

    def data(self, index: int) -> tuple[dict[str, StatValues], np.ndarray]:
        parts = self.parts[index]
        keys = list(dict.fromkeys(k for p in parts for k in p.keys))
        ok = np.concatenate([p.ok for p in parts]) if parts else np.empty(0, dtype=bool)
        out: dict[str, StatValues] = {}
        for key in keys:
            vals, counts, is_list = [], [], False
            for p in parts:
                kp = p.keys.get(key)
                if kp is None:
                    counts.append(np.zeros(p.rows, dtype=np.int32))
                    continue
                vals.append(kp.values)
                counts.append(kp.counts)
                is_list |= kp.is_list
            flat = np.concatenate(vals) if vals else np.empty(0)
            per_row = np.concatenate(counts) if counts else np.empty(0, dtype=np.int32)
            if is_list:
                out[key] = StatValues(flat, per_row)
            else:
                arr = np.full(per_row.size, np.nan)
                arr[per_row == 1] = flat
                out[key] = StatValues(arr)
        return out, ok


def _pick_executor(recipe: Recipe, executor: str | None, notes: list[str]) -> tuple[Any, str]:
    """The executor class to run the pass with, and its name (None: in this process)."""
    kind = executor or recipe.executor_type
    if kind == "in-process":
        return None, "in-process"
    if kind == "ray":
        try:
            import ray  # noqa: F401

            from recipe_copilot.engine.executors.ray import RayExecutor
        except ImportError as exc:
            notes.append(f"executor_type ray is not available here ({exc}); analysed with the local executor")
        else:
            return RayExecutor, "ray"
    elif kind not in ("default", "local"):
        msg = f"executor {kind!r} is not available; use 'local', 'ray' or 'in-process'"
        raise ValueError(msg)
    if recipe.np <= 1:
        return None, "in-process"
    from recipe_copilot.engine.executors.local import LocalExecutor

    return LocalExecutor, "local"


def _exact_results(recipe: Recipe, runner: AnalysisRunner, executor: str | None,
                   notes: list[str]) -> tuple[Iterator[ChunkStats], str, Any]:
    from recipe_copilot.engine.executors.shard import ChunkWork

    files = resolve_inputs(recipe.dataset_path, recipe.suffixes or None)
    cls, name = _pick_executor(recipe, executor, notes)
    size = sum(f.size for f in files)
    if cls is not None and name == "local":
        if size < _MIN_PARALLEL_BYTES:
            cls, name = None, "in-process"  # a few chunks: starting workers costs more than it saves
        elif recipe.np > (chunks := -(-size // CHUNK_BYTES)):
            recipe = recipe.model_copy(update={"np": int(chunks)})  # no idle workers
    works = (ChunkWork(0, i, c) for i, c in enumerate(iter_chunks(files)))
    if cls is None:
        runner.setup()
        return (runner.run(w) for w in works), name, None
    ex = cls(recipe)
    return ex.map_ordered(runner, works), name, ex  # type: ignore[arg-type]


def analyze(recipe: Recipe, *, sample: int | None = None, seed: int = 0,
            percentiles: list[float] | None = None, executor: str | None = None, workers: int | None = None,
            diversity: bool = True) -> Analysis:
    """Compute every stat the recipe's filters use over its input, dropping nothing.

    Args:
        recipe: mappers and filters; its ``dataset_path`` is read. Other ops are skipped with a note.
        sample: analyse a seeded reservoir sample of this many rows instead of all rows (the
            sample is analysed in this process).
        seed: the sample's seed.
        percentiles: quantiles to report (default: the recipe's ``percentiles``; 50% is always added).
        executor: ``local`` (the recipe's ``np`` worker processes), ``ray`` or ``in-process``;
            default: the recipe's ``executor_type``. Ray falls back to local, with a note, when
            it is not installed.
        workers: worker processes (default: the recipe's ``np``).
        diversity: count the leading content-word pairs of the texts too.

    Returns:
        The summaries; the values stay on the object for drop rates and plots.

    Raises:
        DatasetError: the input cannot be found or read.
    """
    import time

    start = time.perf_counter()
    if workers is not None:
        recipe = recipe.model_copy(update={"np": workers})
    qs = sorted({*(percentiles if percentiles is not None else recipe.percentiles), 0.5})
    notes: list[str] = []
    runner = AnalysisRunner(recipe, diversity=diversity)
    collector = _Collector(runner)
    used = 1
    if sample is None:
        results, name, ex = _exact_results(recipe, runner, executor, notes)
        used = ex.recipe.np if ex is not None else 1
        try:
            for cs in results:
                collector.add(cs)
        finally:
            if ex is not None:
                ex.close()
    else:
        name = "in-process"
        counter = [0, 0]
        runner.setup()
        for i, batch in enumerate(_sampled_batches(recipe, sample, seed, counter)):
            collector.add(runner.process(batch, index=i))
        collector.rows_read, collector.bad_input = counter
    result = Analysis(dataset=recipe.dataset_path, rows_read=collector.rows_read,
                      rows_analysed=collector.rows_analysed, sample=sample,
                      seed=seed if sample is not None else None, executor=name, workers=used, percentiles=qs)
    _finish(result, recipe, collector, notes)
    result.seconds = round(time.perf_counter() - start, 3)
    return result


def analyze_batch(recipe: Recipe, batch: SampleBatch, *, percentiles: list[float] | None = None,
                  diversity: bool = False) -> Analysis:
    """:func:`analyze` on rows already in memory (the tools' samples), in this process."""
    qs = sorted({*(percentiles if percentiles is not None else recipe.percentiles), 0.5})
    runner = AnalysisRunner(recipe, diversity=diversity)
    collector = _Collector(runner)
    collector.add(runner.process(batch))
    result = Analysis(dataset=recipe.dataset_path, rows_read=collector.rows_read,
                      rows_analysed=collector.rows_analysed, percentiles=qs)
    _finish(result, recipe, collector, [])
    return result


def _finish(result: Analysis, recipe: Recipe, collector: _Collector, notes: list[str]) -> None:
    result._recipe = recipe
    result._pairs = collector.pairs
    for spec in recipe.process:
        if spec.op_class.kind == "filter" and not _analysable(spec):
            notes.append(f"{spec.name} keeps or drops on a field value; it computes no stat, skipped")
        elif not _analysable(spec):
            notes.append(f"{spec.name} is a {spec.op_class.kind}: it has no per-sample stat, skipped")
    if collector.bad_input:
        notes.append(f"{collector.bad_input} malformed input line(s) were left out")
    if collector.no_text:
        notes.append(f"{collector.no_text} row(s) without a text {recipe.text_key!r} were left out")
    for spec in collector.runner.specs:
        run = collector.runs[spec.index]
        if run.errors:
            result.errors.append(OpErrors(op=spec.name, index=spec.index, errors=run.errors,
                                          examples=collector.examples[spec.index]))
        if spec.op_class.kind == "mapper" and run.rows_in != run.rows_out:
            notes.append(f"{spec.name} quarantined {run.rows_in - run.rows_out} row(s); later stats count fewer rows")
        if spec.op_class.kind != "filter":
            continue
        data, ok = collector.data(spec.index)
        if not data:
            why = "it computes no stat" if spec.op_class.stat_key is None else "it wrote no stat"
            notes.append(f"{spec.name} keeps or drops on a field value; {why}, skipped")
            continue
        result._data[spec.index] = data
        result._ok[spec.index] = ok
        for key in data:
            result.stats.append(_summarise(result, spec, key, run.errors))
    result.notes = notes


def _summarise(analysis: Analysis, spec: OpSpec, key: str, errors: int) -> StatSummary:
    sv = analysis.stat(spec.index, key)
    finite = sv.finite()
    out = StatSummary(op=spec.name, index=spec.index, stat_key=key, kind="list" if sv.is_list else "scalar",
                      rows=int(analysis._ok[spec.index].size), errors=errors, count=int(finite.size),
                      non_numeric=int(sv.values.size - finite.size))
    if finite.size:
        qs = analysis.percentiles
        out.mean, out.std = float(finite.mean()), float(finite.std())
        out.min, out.max = float(finite.min()), float(finite.max())
        out.quantiles = {_qkey(q): float(v) for q, v in zip(qs, np.quantile(finite, qs), strict=True)}
    for side, name, _info in bounds_for_key(type(spec.params), key, analysis.keys(spec.index)):  # type: ignore[arg-type]
        value = getattr(spec.params, name)
        out.bounds.append(BoundDrop(param=name, side=side, value=value,
                                    drop_rate=analysis.bound_drop_rate(spec, side, value, key=key)))
    out.current_drop_rate = analysis.drop_rate(spec)
    return out


# ---- tables ----------------------------------------------------------------------------------


def summary_rows(analysis: Analysis) -> list[dict[str, Any]]:
    """One flat row per stat (op, stat, count, mean, std, min, quantiles..., max)."""
    rows = []
    for s in analysis.stats:
        row: dict[str, Any] = {"op": f"{s.index}:{s.op}", "stat": s.stat_key, "count": s.count,
                               "mean": s.mean, "std": s.std, "min": s.min}
        row.update({k: s.quantiles.get(k) for k in (_qkey(q) for q in analysis.percentiles)})
        row["max"] = s.max
        rows.append(row)
    return rows


def format_value(v: Any) -> str:
    """A table cell: floats to 6 significant digits, None empty."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def rows_to_csv(rows: list[dict[str, Any]]) -> str:
    """Flat rows as CSV."""
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


def rows_to_markdown(rows: list[dict[str, Any]]) -> str:
    """Flat rows as a Markdown table."""
    if not rows:
        return "_no stats_\n"
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(format_value(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def to_csv(analysis: Analysis) -> str:
    """The summary table as CSV."""
    return rows_to_csv(summary_rows(analysis))


def to_markdown(analysis: Analysis) -> str:
    """The summary table as Markdown."""
    return rows_to_markdown(summary_rows(analysis))


def write_analysis(analysis: Analysis, out_dir: str | Path, *, plots: bool = True, html: bool = True) -> dict[str, Any]:
    """Write the summary (``overall.json``/``.csv``/``.md``), ``hist/*.png``, ``box/*.png``, the
    diversity view (``diversity.csv``, ``diversity.png``) and ``report.html`` under ``out_dir``.

    Returns:
        {"json", "csv", "md", "html", "diversity_csv", "diversity_png": path or None,
        "plots": [histograms], "boxplots": [box plots]}.
    """
    from recipe_copilot.engine.analysis_report import write_analysis_outputs

    return write_analysis_outputs(analysis, Path(out_dir), plots=plots, html=html)


# ---- automatic bounds ------------------------------------------------------------------------


class FilterPrediction(BaseModel):
    """New bounds for one filter and the share of the analysed rows it would drop."""

    op: str
    index: int
    params: dict[str, Any] = Field(description="The bounds set.")
    drop_rate: float
    current_drop_rate: float


class AutoBounds(BaseModel):
    """A recipe with automatic bounds and its predicted drop rates."""

    method: Literal["k_sigma", "quantile"]
    at: list[float] = Field(description="[k] for k_sigma; [lo, hi] for quantile.")
    filters: list[FilterPrediction] = Field(default_factory=list)
    total_drop_rate: float | None = Field(None, description="Joint drop rate of all filters (None if rows unaligned).")
    notes: list[str] = Field(default_factory=list)
    _recipe: Recipe | None = PrivateAttr(None)

    @property
    def recipe(self) -> Recipe:
        assert self._recipe is not None
        return self._recipe


def bound_limits(name: str, info: Any, arr: np.ndarray) -> tuple[float, float]:
    """The range a bound may take: the field's ge/le, >= 0 for non-negative stats, <= 1 for ratios."""
    lo, hi = -math.inf, math.inf
    for meta in info.metadata:
        for attr in ("ge", "gt"):
            if getattr(meta, attr, None) is not None:
                lo = max(lo, float(getattr(meta, attr)))
        for attr in ("le", "lt"):
            if getattr(meta, attr, None) is not None:
                hi = min(hi, float(getattr(meta, attr)))
    if arr.size and arr.min() >= 0:
        lo = max(lo, 0.0)
    if name.endswith("_ratio") and arr.size and arr.max() <= 1:
        hi = min(hi, 1.0)
    return lo, hi


def round_out(value: float, side: Side, is_int: bool) -> float | int:
    """Round away from the kept range's inside: a min goes down, a max goes up."""
    if is_int:
        return int(math.floor(value) if side == "min" else math.ceil(value))
    scale = 10**_DECIMALS
    return (math.floor(value * scale) if side == "min" else math.ceil(value * scale)) / scale


def auto_bounds(analysis: Analysis, *, sigma: float | None = None,
                quantiles: tuple[float, float] | None = None) -> AutoBounds:
    """Bounds from the analysed distributions: ``mean ± sigma·std`` or the (lo, hi) quantiles.

    Each numeric ``min_*`` / ``max_*`` parameter is set from the stat it bounds (for a filter
    with several stats, ``min_width`` from ``image_width``), clipped to its valid range
    (declared bounds, never below 0 for a non-negative stat, at most 1 for a ratio) and
    rounded outwards. Filters with ``reversed_range`` or without a numeric stat are left as
    they are.

    Returns:
        The predictions; ``.recipe`` is the recipe with the new bounds (``to_yaml()`` to write it).
    """
    if (sigma is None) == (quantiles is None):
        msg = "give exactly one of sigma or quantiles"
        raise ValueError(msg)
    if quantiles is not None and not 0 <= quantiles[0] < quantiles[1] <= 1:
        msg = f"quantiles must satisfy 0 <= lo < hi <= 1, got {quantiles}"
        raise ValueError(msg)
    method: Literal["k_sigma", "quantile"] = "k_sigma" if sigma is not None else "quantile"
    out = AutoBounds(method=method, at=[sigma] if sigma is not None else list(quantiles or ()))
    recipe = analysis.recipe
    process: list[dict[str, dict[str, Any]]] = []
    new_params: dict[int, FilterParams] = {}
    for spec in recipe.process:
        item = spec.as_yaml_item()
        keys = analysis.keys(spec.index)
        targets = [(b, key) for key in keys
                   for b in bounds_for_key(type(spec.params), key, keys)]  # type: ignore[arg-type]
        if not targets:
            process.append(item)
            continue
        if getattr(spec.params, "reversed_range", False):
            out.notes.append(f"{spec.index}:{spec.name} left as it is (reversed_range)")
            process.append(item)
            continue
        update: dict[str, Any] = {}
        for (side, name, info), key in targets:
            arr = analysis.stat(spec.index, key).finite()
            if not arr.size:
                out.notes.append(f"{spec.index}:{spec.name} {name} left as it is (no numeric values of {key})")
                continue
            if sigma is not None:
                mean, std = float(arr.mean()), float(arr.std())
                raw = mean - sigma * std if side == "min" else mean + sigma * std
            else:
                assert quantiles is not None
                raw = float(np.quantile(arr, quantiles[0] if side == "min" else quantiles[1]))
            lo, hi = bound_limits(name, info, arr)
            update[name] = round_out(min(max(raw, lo), hi), side, info.annotation is int)
        if not update:
            process.append(item)
            continue
        params = spec.params.model_copy(update=update)
        new_params[spec.index] = params  # type: ignore[assignment]
        process.append({spec.name: {**item[spec.name], **update}})
        out.filters.append(FilterPrediction(op=spec.name, index=spec.index, params=update,
                                            drop_rate=analysis.drop_rate(spec, params),  # type: ignore[arg-type]
                                            current_drop_rate=analysis.drop_rate(spec)))
    out.total_drop_rate = analysis.joint_drop_rate(new_params)
    mapping = recipe.to_mapping()
    mapping["process"] = process
    out._recipe = recipe_from_mapping(mapping, source="auto bounds")
    return out

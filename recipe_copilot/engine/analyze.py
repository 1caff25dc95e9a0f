"""The analyzer: every stat a recipe's filters use, over the whole input, without filtering.

One streaming pass over the input (the engine's readers). Each chunk goes through the
recipe's ops in order: mappers run (``run_batch``, so a filter sees the text the recipe
would hand it), each filter's own ``compute_stats_batch`` measures, and nothing is dropped
(``keep_batch`` is never used to filter). Values are kept per stat (a float64 array), so
quantiles are exact; with ``sample`` a seeded reservoir of rows is analysed instead.

From an :class:`Analysis`: a summary table (JSON, CSV, Markdown, like Data-Juicer's overall
analysis), a histogram per stat with the recipe's current bounds, and automatic bounds
(k-sigma, Data-Juicer's "3-sigma" recipe, or quantiles) with predicted drop rates measured by
each filter's own ``in_range`` / ``keep_batch``.
"""

from __future__ import annotations

import csv
import io
import math
import random
from pathlib import Path
from typing import Any, Literal

import numpy as np
import orjson
from pydantic import BaseModel, Field, PrivateAttr

from recipe_copilot.engine.io.readers import MediaPaths, decode_chunk, iter_chunks, resolve_inputs
from recipe_copilot.engine.ops.base import Filter, FilterParams, OpRun
from recipe_copilot.engine.recipe import OpSpec, Recipe, recipe_from_mapping
from recipe_copilot.engine.sample import STATS, SampleBatch

__all__ = [
    "DEFAULT_ANALYSIS_OPS",
    "Analysis",
    "AutoBounds",
    "BoundDrop",
    "FilterPrediction",
    "StatSummary",
    "analyze",
    "auto_bounds",
    "bound_limits",
    "bound_params",
    "default_analysis_recipe",
    "format_value",
    "plot_histogram",
    "round_out",
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


def _qkey(q: float) -> str:
    return f"{q * 100:g}%"


class BoundDrop(BaseModel):
    """One bound parameter of a filter and the share of the analysed samples it alone drops."""

    param: str
    side: Side
    value: float | int
    drop_rate: float


class StatSummary(BaseModel):
    """One filter's stat over the analysed samples."""

    op: str
    index: int
    stat_key: str
    count: int = Field(description="Samples with a finite numeric value.")
    non_numeric: int = Field(0, description="Samples whose stat is missing, not a number or not finite.")
    mean: float | None = None
    std: float | None = Field(None, description="Population standard deviation (ddof=0).")
    min: float | None = None
    max: float | None = None
    quantiles: dict[str, float] = Field(default_factory=dict, description="'25%' -> value (numpy's linear rule).")
    bounds: list[BoundDrop] = Field(default_factory=list, description="The recipe's current bounds.")
    current_drop_rate: float = Field(0.0, description="Share the filter drops with its current params.")


class Analysis(BaseModel):
    """Per-stat summaries of a dataset under a recipe's filters."""

    dataset: str | None
    rows_read: int = Field(description="Rows decoded from the input.")
    rows_analysed: int = Field(description="Rows the stats were computed on (all, or the sample).")
    sample: int | None = None
    seed: int | None = None
    percentiles: list[float]
    stats: list[StatSummary] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    _recipe: Recipe | None = PrivateAttr(None)
    _values: dict[int, np.ndarray] = PrivateAttr(default_factory=dict)

    @property
    def recipe(self) -> Recipe:
        """The recipe analysed (default ops when none was given)."""
        assert self._recipe is not None
        return self._recipe

    def values(self, index: int) -> np.ndarray:
        """Stat values of the filter at ``index`` (NaN where a row had no numeric value)."""
        return self._values[index]

    def summary(self, index: int) -> StatSummary:
        """The summary of the filter at op ``index``."""
        for s in self.stats:
            if s.index == index:
                return s
        raise KeyError(index)

    def keep_mask(self, spec: OpSpec, params: FilterParams | None = None) -> np.ndarray:
        """Which analysed rows ``spec``'s filter keeps (with ``params``), by its own ``keep_batch``.

        Rows without a numeric stat are counted as kept (the analysis cannot tell).
        """
        arr = self._values[spec.index]
        finite = np.isfinite(arr)
        keep = np.ones(arr.size, dtype=bool)
        if finite.any():
            op = spec.op_class(params or spec.params, index=spec.index)
            key = str(spec.op_class.stat_key)
            batch = SampleBatch({STATS: [{key: float(v)} for v in arr[finite]]})
            keep[finite] = np.asarray(op.keep_batch(batch), dtype=bool)
        return keep

    def drop_rate(self, spec: OpSpec, params: FilterParams | None = None) -> float:
        """Share of the analysed rows the filter drops with ``params`` (default: its own)."""
        keep = self.keep_mask(spec, params)
        return round(1.0 - float(keep.mean()), 6) if keep.size else 0.0

    def bound_drop_rate(self, spec: OpSpec, side: Side, value: float, params: FilterParams | None = None) -> float:
        """Share of the analysed rows one bound alone drops, by the filter's own ``in_range``."""
        arr = self._values[spec.index]
        arr = arr[np.isfinite(arr)]
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
        return [spec for spec in self.recipe.process if spec.index in self._values]


def default_analysis_recipe(dataset_path: str | None, *, text_key: str | None = None, **keys: Any) -> Recipe:
    """A recipe of :data:`DEFAULT_ANALYSIS_OPS` (default params) over ``dataset_path``."""
    raw: dict[str, Any] = {"dataset_path": dataset_path, **keys, "process": list(DEFAULT_ANALYSIS_OPS)}
    if text_key:
        raw["text_keys"] = text_key
    return recipe_from_mapping(raw, source="analysis")


def _iter_batches(recipe: Recipe, sample: int | None, seed: int, counter: list[int]) -> Any:
    files = resolve_inputs(recipe.dataset_path, recipe.suffixes or None)
    media = MediaPaths.for_dataset(recipe.dataset_path, recipe.media_keys)
    if sample is None:
        for chunk in iter_chunks(files):
            batch, _bad = decode_chunk(chunk, media=media)
            counter[0] += len(batch)
            yield batch
        return
    rng = random.Random(seed)
    reservoir: list[dict] = []
    seen = 0
    for chunk in iter_chunks(files):
        batch, _bad = decode_chunk(chunk, media=media)
        counter[0] += len(batch)
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


def _to_float(values: list[Any]) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int | float):
            continue
        out[i] = float(v)
    return out


def analyze(recipe: Recipe, *, sample: int | None = None, seed: int = 0,
            percentiles: list[float] | None = None) -> Analysis:
    """Compute every stat the recipe's filters use over its input, dropping nothing.

    Args:
        recipe: mappers and filters; its ``dataset_path`` is read. Other ops are skipped with a note.
        sample: analyse a seeded reservoir sample of this many rows instead of all rows.
        seed: the sample's seed.
        percentiles: quantiles to report (default: the recipe's ``percentiles``; 50% is always added).

    Returns:
        The summaries; the values stay on the object for drop rates and histograms.

    Raises:
        DatasetError: the input cannot be found or read.
    """
    qs = sorted({*(percentiles if percentiles is not None else recipe.percentiles), 0.5})
    notes: list[str] = []
    ops = []
    for spec in recipe.process:
        cls = spec.op_class
        if cls.kind == "mapper" or (cls.kind == "filter" and cls.stat_key is not None):
            op = spec.build()
            op.ensure_ready()
            ops.append((spec, op))
        elif cls.kind == "filter":
            notes.append(f"{spec.name} keeps or drops on a field value; it computes no stat, skipped")
        else:
            notes.append(f"{spec.name} is a {cls.kind}: it has no per-sample stat, skipped")
    parts: dict[int, list[np.ndarray]] = {spec.index: [] for spec, op in ops if isinstance(op, Filter)}
    counter = [0]
    analysed = skipped = 0
    runs = {spec.index: OpRun() for spec, _ in ops}
    for batch in _iter_batches(recipe, sample, seed, counter):
        if not len(batch):
            continue
        if batch.has_column(recipe.text_key):
            good = [i for i, t in enumerate(batch.column(recipe.text_key)) if isinstance(t, str)]
            if len(good) != len(batch):
                skipped += len(batch) - len(good)
                batch = batch.take(good)
        analysed += len(batch)
        for spec, op in ops:
            if not len(batch):
                break
            if isinstance(op, Filter):
                batch.stats.pop(str(op.stat_key), None)
                op.compute_stats_batch(batch)
                parts[spec.index].append(_to_float(batch.get_stat(str(op.stat_key))))
            else:
                batch = op.run_batch(batch, runs[spec.index])
    if skipped:
        notes.append(f"{skipped} row(s) without a text {recipe.text_key!r} were left out")
    for spec, _ in ops:
        run = runs[spec.index]
        if spec.op_class.kind == "mapper" and run.rows_in != run.rows_out:
            notes.append(f"{spec.name} quarantined {run.rows_in - run.rows_out} row(s); later stats count fewer rows")
    result = Analysis(dataset=recipe.dataset_path, rows_read=counter[0], rows_analysed=analysed, sample=sample,
                      seed=seed if sample is not None else None, percentiles=qs, notes=notes)
    result._recipe = recipe
    for spec, op in ops:
        if not isinstance(op, Filter):
            continue
        arr = np.concatenate(parts[spec.index]) if parts[spec.index] else np.empty(0)
        result._values[spec.index] = arr
        result.stats.append(_summarise(result, spec, arr, qs))
    return result


def _summarise(analysis: Analysis, spec: OpSpec, arr: np.ndarray, qs: list[float]) -> StatSummary:
    finite = arr[np.isfinite(arr)]
    out = StatSummary(op=spec.name, index=spec.index, stat_key=str(spec.op_class.stat_key), count=int(finite.size),
                      non_numeric=int(arr.size - finite.size))
    if finite.size:
        out.mean, out.std = float(finite.mean()), float(finite.std())
        out.min, out.max = float(finite.min()), float(finite.max())
        out.quantiles = {_qkey(q): float(v) for q, v in zip(qs, np.quantile(finite, qs), strict=True)}
    for side, name, _info in bound_params(type(spec.params)):
        value = getattr(spec.params, name)
        out.bounds.append(BoundDrop(param=name, side=side, value=value,
                                    drop_rate=analysis.bound_drop_rate(spec, side, value)))
    out.current_drop_rate = analysis.drop_rate(spec)
    return out


# ---- outputs ---------------------------------------------------------------------------------


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


def to_csv(analysis: Analysis) -> str:
    """The summary table as CSV."""
    rows = summary_rows(analysis)
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


def to_markdown(analysis: Analysis) -> str:
    """The summary table as Markdown."""
    rows = summary_rows(analysis)
    if not rows:
        return "_no stats_\n"
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(format_value(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _finite_bound(value: float, arr: np.ndarray) -> bool:
    if not arr.size or not math.isfinite(value):
        return False
    span = float(arr.max() - arr.min()) or 1.0
    return float(arr.min()) - span <= value <= float(arr.max()) + span


def plot_histogram(analysis: Analysis, spec: OpSpec, path: Path) -> Path:
    """A histogram of one stat with the filter's current bounds and what each drops (PNG)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    s = analysis.summary(spec.index)
    arr = analysis.values(spec.index)
    arr = arr[np.isfinite(arr)]
    fig = Figure(figsize=(6.4, 4.0), dpi=100)
    ax = fig.add_subplot()
    if arr.size:
        ax.hist(arr, bins=min(50, max(1, int(np.unique(arr).size))), color="#4C72B0")
    for b, color in zip(s.bounds, ("#C44E52", "#DD8452", "#55A868", "#8172B2"), strict=False):
        if _finite_bound(float(b.value), arr):
            ax.axvline(float(b.value), color=color, linestyle="--",
                       label=f"{b.param}={format_value(b.value)} drops {b.drop_rate:.2%}")
    ax.set_title(f"{spec.index}:{spec.name} — {s.stat_key} (n={s.count})")
    ax.set_xlabel(s.stat_key)
    ax.set_ylabel("samples")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def write_analysis(analysis: Analysis, out_dir: str | Path, *, plots: bool = True) -> dict[str, Any]:
    """Write ``overall.json``, ``overall.csv``, ``overall.md`` and ``hist/*.png`` under ``out_dir``.

    Returns:
        {"json": path, "csv": path, "md": path, "plots": [paths]} (plots empty without matplotlib).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Any] = {"json": out / "overall.json", "csv": out / "overall.csv", "md": out / "overall.md",
                             "plots": []}
    paths["json"].write_bytes(orjson.dumps(analysis.model_dump(mode="json"), option=orjson.OPT_INDENT_2))
    paths["csv"].write_text(to_csv(analysis), encoding="utf-8")
    paths["md"].write_text(to_markdown(analysis), encoding="utf-8")
    if plots:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            analysis.notes.append("matplotlib is not installed: no histograms")
        else:
            for spec in analysis._specs():
                name = f"{spec.index:02d}_{spec.name}_{spec.op_class.stat_key}.png"
                paths["plots"].append(plot_histogram(analysis, spec, out / "hist" / name))
    return paths


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

    Each numeric ``min_*`` / ``max_*`` parameter is set, clipped to its valid range (declared
    bounds, never below 0 for a non-negative stat, at most 1 for a ratio) and rounded outwards.
    Filters with ``reversed_range`` or without a numeric stat are left as they are.

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
        bounds = bound_params(type(spec.params)) if spec.index in analysis._values else []
        arr = analysis.values(spec.index) if bounds else np.empty(0)
        arr = arr[np.isfinite(arr)]
        if not bounds or not arr.size or getattr(spec.params, "reversed_range", False):
            if bounds:
                why = "reversed_range" if arr.size else "no numeric values"
                out.notes.append(f"{spec.index}:{spec.name} left as it is ({why})")
            process.append(item)
            continue
        mean, std = float(arr.mean()), float(arr.std())
        update: dict[str, Any] = {}
        for side, name, info in bounds:
            if sigma is not None:
                raw = mean - sigma * std if side == "min" else mean + sigma * std
            else:
                assert quantiles is not None
                raw = float(np.quantile(arr, quantiles[0] if side == "min" else quantiles[1]))
            lo, hi = bound_limits(name, info, arr)
            update[name] = round_out(min(max(raw, lo), hi), side, info.annotation is int)
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

"""suggest_thresholds: bounds for filters from the real distribution of their stats.

For each ``min_*`` / ``max_*`` parameter of a filter, two families of candidates, each with
the share of the sample it would drop: Data-Juicer's k-sigma rule (``mean ± k·std``) and
quantile cut-offs. Values are clipped to the parameter's valid range (its declared bounds;
never below 0 for a stat that is never negative; ratios at most 1) and rounded outwards, so
a bound never drops more than it says. The joint drop rate of the recommended bounds is
measured with the filter's own ``keep_batch`` on the sample's stats.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from recipe_copilot.engine.analyze import Side, bound_limits, bound_params, round_out
from recipe_copilot.engine.sample import STATS, SampleBatch
from recipe_copilot.tools.context import ToolContext
from recipe_copilot.tools.datasets import ProcessItem
from recipe_copilot.tools.errors import BadRequestError
from recipe_copilot.tools.profiling import StatColumn, default_profile_ops, sample_stats
from recipe_copilot.tools.registry import ToolRequest, ToolResult, tool

__all__ = [
    "BoundSuggestion",
    "OpThresholds",
    "SuggestThresholdsRequest",
    "SuggestThresholdsResult",
    "ThresholdCandidate",
    "bound_params",
    "joint_drop_rate",
    "suggest_for_column",
    "suggest_thresholds",
]



#: MAD x this estimates the std of normal data
_MAD_SCALE = 1.4826
#: the robust rule is trusted only when it calls at most this share of the sample outliers
_ROBUST_MAX_DROP = 0.25


class ThresholdCandidate(BaseModel):
    """One candidate value for a bound."""

    method: Literal["k_sigma", "robust_sigma", "robust_log", "quantile", "current"]
    at: float = Field(description="k for k_sigma, robust_sigma (median ± k·1.4826·MAD) and robust_log (the same on "
                                  "log values, for counts), the quantile for quantile (lower tail for min, upper for "
                                  "max).")
    value: float | int
    drop_rate: float = Field(description="Share of the sample this bound alone drops.")


class BoundSuggestion(BaseModel):
    """Candidates for one bound parameter."""

    param: str
    side: Side
    current: float | int = Field(description="The value the request set, or the op's default.")
    current_drop_rate: float
    candidates: list[ThresholdCandidate]
    recommended: ThresholdCandidate = Field(
        description="The k-sigma candidate (Data-Juicer's rule); where it drops nothing on the sample, the looser "
                    "of it and the current value (no bound is tightened without outliers to show for it).")
    why: str = ""


class OpThresholds(BaseModel):
    """Suggestions for one filter."""

    op: str
    index: int
    stat_key: str
    count: int
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    bounds: list[BoundSuggestion] = Field(default_factory=list)
    recommended_params: dict[str, Any] = Field(default_factory=dict, description="The op's params with the recommended bounds.")
    predicted_drop_rate: float = Field(0.0, description="Share of the sample the recommended params drop (both bounds).")
    current_drop_rate: float = Field(0.0, description="Share of the sample the current params drop.")
    recipe_item: dict[str, dict[str, Any]] = Field(default_factory=dict, description="{op: params}, ready for a recipe.")


def _side_drop(arr: np.ndarray, side: Side, value: float, closed: bool) -> float:
    if not arr.size:
        return 0.0
    below, above = (arr < value, arr <= value) if side == "min" else (arr > value, arr >= value)
    dropped = below if closed else above
    return round(float(dropped.mean()), 4)


def joint_drop_rate(col: StatColumn, params: Any) -> float:
    """Share of the sample the filter drops with ``params``, by its own ``keep_batch``."""
    if not col.values:
        return 0.0
    batch = SampleBatch({STATS: [{col.stat_key: v} for v in col.values]})
    keep = col.spec.op_class(params).keep_batch(batch)
    return round(1.0 - sum(keep) / len(keep), 4)


def suggest_for_column(col: StatColumn, k: float, quantiles: list[float]) -> OpThresholds:
    """Threshold suggestions for one profiled filter.

    Args:
        col: the filter and its stat values on the sample.
        k: the k of ``mean ± k·std``.
        quantiles: lower-tail quantiles (a max bound uses ``1 - q``).
    """
    arr = np.asarray(col.values, dtype=float)
    params = col.spec.params
    out = OpThresholds(op=col.spec.name, index=col.spec.index, stat_key=col.stat_key, count=int(arr.size))
    if not arr.size:
        return out
    mean, std = float(arr.mean()), float(arr.std())
    median = float(np.median(arr))
    mad = float(np.median(np.abs(arr - median)))
    logs = np.log(arr) if arr.min() > 0 else None
    log_median = float(np.median(logs)) if logs is not None else 0.0
    log_mad = float(np.median(np.abs(logs - log_median))) if logs is not None else 0.0
    out.mean, out.std, out.min, out.max = round(mean, 6), round(std, 6), float(arr.min()), float(arr.max())
    closed = {"min": params.min_closed_interval, "max": params.max_closed_interval}  # type: ignore[attr-defined]
    update: dict[str, Any] = {}
    for side, name, info in bound_params(type(params)):
        lo, hi = bound_limits(name, info, arr)
        is_int = info.annotation is int

        def candidate(method: Any, at: float, raw: float, side: Side = side, lo: float = lo, hi: float = hi,
                      is_int: bool = is_int) -> ThresholdCandidate:
            value = round_out(min(max(raw, lo), hi), side, is_int)
            return ThresholdCandidate(method=method, at=at, value=value,
                                      drop_rate=_side_drop(arr, side, value, closed[side]))

        sign = -1 if side == "min" else 1
        sigma = candidate("k_sigma", k, mean + sign * k * std)
        robust = candidate("robust_sigma", k, median + sign * k * _MAD_SCALE * mad) if mad > 0 else None
        robust_log = candidate("robust_log", k, float(np.exp(log_median + sign * k * _MAD_SCALE * log_mad))) \
            if is_int and log_mad > 0 else None
        cands = [sigma, *(c for c in (robust, robust_log) if c)] + [
            candidate("quantile", q, float(np.quantile(arr, q if side == "min" else 1 - q))) for q in quantiles]
        current = getattr(params, name)
        current_drop = _side_drop(arr, side, current, closed[side])
        best, why = sigma, f"mean {'-' if side == 'min' else '+'} {k:g}·std drops {sigma.drop_rate:.1%} of the sample"
        sign_text = "-" if side == "min" else "+"
        if sigma.drop_rate == 0 and robust is not None and 0 < robust.drop_rate <= _ROBUST_MAX_DROP:
            # the outliers inflate the std enough to hide themselves; the median and MAD are not moved
            best, why = robust, (f"no outliers beyond mean {sign_text} {k:g}·std, but median {sign_text} "
                                 f"{k:g}·1.4826·MAD drops {robust.drop_rate:.1%}: a cluster of outliers inflates "
                                 "the std")
        elif sigma.drop_rate == 0 and robust_log is not None and 0 < robust_log.drop_rate <= _ROBUST_MAX_DROP:
            # counts and lengths spread multiplicatively: a cluster of tiny (or huge) values stands out on a
            # log scale when the clean values' own spread hides it on a linear one
            best, why = robust_log, (f"no outliers beyond mean {sign_text} {k:g}·std or median {sign_text} "
                                     f"{k:g}·1.4826·MAD, but on a log scale the same robust rule drops "
                                     f"{robust_log.drop_rate:.1%}: values far from the bulk by a factor")
        elif sigma.drop_rate == 0:
            looser = min(sigma.value, current) if side == "min" else max(sigma.value, current)
            if looser == current:
                best = ThresholdCandidate(method="current", at=k, value=current, drop_rate=current_drop)
            why = (f"no outliers beyond mean {'-' if side == 'min' else '+'} {k:g}·std on this side; "
                   f"kept the looser of that and the current value")
        out.bounds.append(BoundSuggestion(param=name, side=side, current=current, current_drop_rate=current_drop,
                                          candidates=cands, recommended=best, why=why))
        update[name] = best.value
    recommended = params.model_copy(update=update)
    out.recommended_params = {**col.spec.own_params(), **update}
    out.recipe_item = {col.spec.name: out.recommended_params}
    out.predicted_drop_rate = joint_drop_rate(col, recommended)
    out.current_drop_rate = joint_drop_rate(col, params)
    return out


class SuggestThresholdsRequest(ToolRequest):
    """Suggest filter bounds from the stats of a sample."""

    dataset: str = Field(description="File, folder or glob, relative to the workspace root.")
    ops: list[ProcessItem] = Field(
        default_factory=list,
        description="Filters to suggest bounds for (with their other params), and mappers to run before them; "
                    "empty: every text filter with a numeric stat.")
    n: int = Field(1000, ge=10, le=100_000, description="Rows to sample (the first n).")
    k: float = Field(3.0, gt=0, le=10, description="k of the k-sigma rule: mean ± k·std.")
    quantiles: list[float] = Field([0.01, 0.05], min_length=1, max_length=5,
                                   description="Lower-tail quantiles to cut at (a max bound uses 1 - q).")
    text_key: str | None = Field(None, description="The text field (default: text).")


class SuggestThresholdsResult(ToolResult):
    """Bounds per filter, each with its predicted drop rate on the sample."""

    dataset: str = ""
    rows_sampled: int = 0
    suggestions: list[OpThresholds] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


@tool
def suggest_thresholds(ctx: ToolContext, req: SuggestThresholdsRequest) -> SuggestThresholdsResult:
    """Suggest min/max bounds for filters from the real stats of a sample (k-sigma and quantiles).

    Args:
        ctx: the tool context.
        req: the dataset, the filters, the sample size, k and the quantiles.

    Returns:
        Per filter and bound: the current value, candidates (k-sigma, quantiles) each with
        the share of the sample it drops, the recommended (k-sigma) value, and the joint
        drop rate of the recommended params; or a typed error (unknown_op, bad_param,
        not_profilable, dataset_error, path_outside_workspace).
    """
    bad = [q for q in req.quantiles if not 0 < q < 0.5]
    if bad:
        msg = f"quantiles must be between 0 and 0.5 (lower tail), got {bad}"
        raise BadRequestError(msg, hint="e.g. [0.01, 0.05]; a max bound uses 1 - q.")
    process = list(req.ops) or default_profile_ops()
    profile = sample_stats(ctx, req.dataset, process, req.n, text_key=req.text_key, require_numeric=True)
    notes = list(profile.notes)
    suggestions = []
    for col in profile.columns:
        if not bound_params(col.spec.op_class.Params):
            notes.append(f"{col.spec.name} has no numeric min/max parameters to suggest")
            continue
        suggestions.append(suggest_for_column(col, req.k, req.quantiles))
    return SuggestThresholdsResult(dataset=req.dataset, rows_sampled=len(profile.sample.batch),
                                   suggestions=suggestions, notes=notes)

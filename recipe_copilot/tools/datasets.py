"""Dataset tools: look at the data (inspect_dataset) and measure it with filters' stats (profile_dataset)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from recipe_copilot.engine.sample import STATS
from recipe_copilot.tools.context import ToolContext
from recipe_copilot.tools.profiling import default_profile_ops, sample_stats
from recipe_copilot.tools.registry import ToolRequest, ToolResult, tool
from recipe_copilot.tools.sampling import read_sample

__all__ = [
    "FieldInfo",
    "FileInfo",
    "InspectDatasetRequest",
    "InspectDatasetResult",
    "ProfileDatasetRequest",
    "ProfileDatasetResult",
    "StatProfile",
    "clip_value",
    "inspect_dataset",
    "profile_dataset",
]

_SCHEMA_ROWS = 1000
_MODALITY_FIELDS = {"images": "image", "videos": "video", "audios": "audio"}
QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


def clip_value(value: Any, max_chars: int) -> Any:
    """``value`` with every string longer than ``max_chars`` cut (saying how much was cut)."""
    if isinstance(value, str):
        if len(value) > max_chars:
            return value[:max_chars] + f"… [+{len(value) - max_chars} chars]"
        return value
    if isinstance(value, dict):
        return {k: clip_value(v, max_chars) for k, v in value.items()}
    if isinstance(value, list):
        return [clip_value(v, max_chars) for v in value[:20]]
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "float", str: "str", list: "list", dict: "dict"}.get(type(value), type(value).__name__)


class InspectDatasetRequest(ToolRequest):
    """Look at a dataset: files, size, fields and a few rows."""

    path: str = Field(description="File, folder or glob, relative to the workspace root.")
    n: int = Field(5, ge=0, le=50, description="Sample rows to return.")
    max_chars: int = Field(300, ge=20, le=5000, description="Cut strings in the sample rows to this length.")
    suffixes: list[str] = Field(default_factory=list, description="Only read files with these suffixes.")


class FileInfo(BaseModel):
    """One input file."""

    path: str
    format: str
    compression: str | None = None
    bytes: int


class FieldInfo(BaseModel):
    """One field seen in the sample (nested ``meta`` fields as ``meta.key``)."""

    name: str
    types: list[str] = Field(description="Value types seen: str, int, float, bool, list, dict, null.")
    present: float = Field(description="Share of sampled rows that have it (not null).")
    example: Any = None


class InspectDatasetResult(ToolResult):
    """What the dataset looks like."""

    path: str = ""
    files: list[FileInfo] = Field(default_factory=list)
    total_bytes: int = 0
    estimated_rows: int = 0
    rows_estimate: str = Field("", description="How the row count was obtained (exact or estimated).")
    rows_scanned: int = 0
    malformed_rows: int = Field(0, description="Malformed rows met in the scanned part (quarantined by a run).")
    fields: list[FieldInfo] = Field(default_factory=list)
    text_field: str | None = Field(None, description="The field that looks like the text (`text` when present).")
    text_chars: dict[str, float] = Field(default_factory=dict, description="min / mean / max length of the text field.")
    modalities: list[str] = Field(default_factory=list, description="text, image, video, audio as the fields suggest.")
    has_stats: bool = Field(False, description="Rows already carry __dj__stats__ (from an earlier run).")
    sample_rows: list[dict[str, Any]] = Field(default_factory=list)


def _fields(rows: list[dict]) -> list[FieldInfo]:
    seen: dict[str, dict[str, Any]] = {}

    def note(name: str, value: Any) -> None:
        entry = seen.setdefault(name, {"types": set(), "present": 0, "example": None})
        entry["types"].add(_type_name(value))
        if value is not None:
            entry["present"] += 1
            if entry["example"] is None:
                entry["example"] = clip_value(value, 80)

    for row in rows:
        for key, value in row.items():
            if key == STATS:
                continue
            note(key, value)
            if isinstance(value, dict) and key == "meta":
                for sub, subvalue in value.items():
                    note(f"{key}.{sub}", subvalue)
    n = max(len(rows), 1)
    return [FieldInfo(name=name, types=sorted(e["types"]), present=round(e["present"] / n, 4), example=e["example"])
            for name, e in seen.items()]


@tool
def inspect_dataset(ctx: ToolContext, req: InspectDatasetRequest) -> InspectDatasetResult:
    """Look at a dataset before proposing anything: its files, size, fields, text field and a few rows.

    Args:
        ctx: the tool context.
        req: the path (file, folder or glob in the workspace) and how many rows to show.

    Returns:
        Files and bytes, an estimated row count, the fields with their types, the text
        field's length range, the modalities the fields suggest, and sample rows (strings
        cut to ``max_chars``); or a typed error (path_outside_workspace, dataset_error).
    """
    files = ctx.workspace.dataset_files(req.path, req.suffixes)
    sample = read_sample(files, max(_SCHEMA_ROWS, req.n))
    rows = sample.batch.to_rows(keep_stats=True)
    fields = _fields(rows)
    names = {f.name for f in fields}
    text_field = "text" if "text" in names else next(
        (f.name for f in fields if f.types == ["str"] and "." not in f.name), None)
    lengths = [len(r[text_field]) for r in rows if text_field and isinstance(r.get(text_field), str)]
    text_chars = {"min": min(lengths), "mean": round(sum(lengths) / len(lengths), 1), "max": max(lengths)} if lengths else {}
    modalities = (["text"] if text_field else []) + [m for k, m in _MODALITY_FIELDS.items() if k in names]
    return InspectDatasetResult(
        path=req.path,
        files=[FileInfo(path=ctx.workspace.relative(f.path), format=f.format, compression=f.compression, bytes=f.size)
               for f in files],
        total_bytes=sample.total_bytes, estimated_rows=sample.estimated_rows, rows_estimate=sample.estimate_note,
        rows_scanned=sample.rows_read, malformed_rows=len(sample.bad), fields=fields, text_field=text_field,
        text_chars=text_chars, modalities=modalities, has_stats=any(STATS in r for r in rows),
        sample_rows=[clip_value({k: v for k, v in r.items() if k != STATS}, req.max_chars) for r in rows[: req.n]],
    )


# ---------------------------------------------------------------------- profile_dataset
#: a process item: ``"op_name"`` or ``{"op_name": {params}}``
ProcessItem = str | dict[str, dict[str, Any] | None]


class ProfileDatasetRequest(ToolRequest):
    """Measure a dataset with filters' stats on a sample, dropping nothing."""

    dataset: str = Field(description="File, folder or glob, relative to the workspace root.")
    ops: list[ProcessItem] = Field(
        default_factory=list,
        description="Filters (with params, e.g. {\"word_repetition_filter\": {\"rep_len\": 10}}) and mappers to "
                    "run before them; empty: every text filter with a numeric stat.")
    n: int = Field(1000, ge=1, le=100_000, description="Rows to profile (the first n).")
    text_key: str | None = Field(None, description="The text field (default: text).")


class StatProfile(BaseModel):
    """The distribution of one filter's stat on the sample."""

    op: str
    index: int = Field(description="Position of the op in the request's ops.")
    params: dict[str, Any] = Field(default_factory=dict, description="Parameters the request set.")
    stat_key: str
    count: int = Field(description="Rows with a numeric value.")
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    quantiles: dict[str, float] = Field(default_factory=dict, description="Quantile (as text, e.g. '0.05') -> value.")
    histogram: dict[str, list[float]] = Field(default_factory=dict, description="edges (11) and counts (10).")


class ProfileDatasetResult(ToolResult):
    """Stats of the chosen filters on the sample."""

    dataset: str = ""
    rows_profiled: int = 0
    estimated_rows: int = 0
    stats: list[StatProfile] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def summarise(values: list[float]) -> dict[str, Any]:
    """count, mean, std, min, max, quantiles and a 10-bin histogram of ``values``."""
    if not values:
        return {"count": 0}
    arr = np.asarray(values, dtype=float)
    counts, edges = np.histogram(arr, bins=10)
    return {
        "count": int(arr.size), "mean": float(arr.mean()), "std": float(arr.std()),
        "min": float(arr.min()), "max": float(arr.max()),
        "quantiles": {str(q): float(np.quantile(arr, q)) for q in QUANTILES},
        "histogram": {"edges": [float(e) for e in edges], "counts": [float(c) for c in counts]},
    }


@tool
def profile_dataset(ctx: ToolContext, req: ProfileDatasetRequest) -> ProfileDatasetResult:
    """Profile a dataset: the distribution of filters' stats on a sample (nothing is dropped).

    The stats are computed by the filters' own code, as a run computes them; mappers listed
    before a filter run first, so the filter measures the text as the recipe would.

    Args:
        ctx: the tool context.
        req: the dataset, the filters (default: every text filter with a numeric stat) and
            the sample size.

    Returns:
        Per filter: mean, std, min, max, quantiles and a histogram of its stat; or a typed
        error (unknown_op, bad_param, not_profilable, dataset_error, path_outside_workspace).
    """
    process = list(req.ops) or default_profile_ops()
    profile = sample_stats(ctx, req.dataset, process, req.n, text_key=req.text_key)
    stats = [StatProfile(op=col.spec.name, index=col.spec.index, params=col.spec.own_params(),
                         stat_key=col.stat_key, **summarise(col.values))
             for col in profile.columns]
    return ProfileDatasetResult(dataset=req.dataset, rows_profiled=len(profile.sample.batch),
                                estimated_rows=profile.sample.estimated_rows, stats=stats, notes=profile.notes)

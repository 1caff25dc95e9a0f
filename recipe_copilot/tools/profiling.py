"""Filter stats on a sample, without dropping anything: the ground under profile_dataset,
suggest_thresholds and propose_recipe.

The stats come from each filter's own ``compute_stats_batch``, the code a run calls before
``keep_batch``; mappers listed before a filter run first (through ``run_batch``, with its
quarantine), so a filter measures the text as the recipe would hand it over. Nothing is
dropped: ``keep_batch`` is never called here. The ops are driven by the engine's analyzer
(:func:`recipe_copilot.engine.analyze.analyze_batch`), the code ``copilot analyze`` runs over
a whole dataset, so a profile and an analysis of the same rows agree value for value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from recipe_copilot.engine.analyze import Analysis, analyze_batch
from recipe_copilot.engine.io.readers import fingerprint_inputs
from recipe_copilot.engine.ops import registry
from recipe_copilot.engine.ops.base import Filter
from recipe_copilot.engine.recipe import OpSpec, Recipe
from recipe_copilot.engine.sample import SampleBatch
from recipe_copilot.tools.context import ToolContext
from recipe_copilot.tools.errors import NotProfilableError
from recipe_copilot.tools.sampling import DataSample, read_sample

__all__ = ["Profile", "StatColumn", "compute_stats", "default_profile_ops", "sample_stats"]

_CACHE_SIZE = 8


@dataclass
class StatColumn:
    """One filter's stat over the sample."""

    spec: OpSpec
    stat_key: str
    values: list[float]


@dataclass
class Profile:
    """Stats of the chosen filters on the first rows of a dataset."""

    recipe: Recipe
    sample: DataSample
    columns: list[StatColumn]
    skipped_rows: int = 0
    notes: list[str] = field(default_factory=list)


def default_profile_ops() -> list[str]:
    """Every registered text filter with a numeric stat that works with its defaults, sorted by cost."""
    out = []
    for name, cls in registry().items():
        if (not issubclass(cls, Filter) or cls.stat_key is None or cls.requires or cls.reads_stats(cls.Params())
                or not cls.reads_text):  # media filters: list stats (one per file), nothing to profile on text
            continue
        if name in ("general_field_filter",) or not cls.__module__.startswith("recipe_copilot.engine.ops."):
            continue
        out.append((cls.cost, name))
    return [name for _, name in sorted(out)]


def compute_stats(recipe: Recipe, batch: SampleBatch) -> tuple[dict[int, list[Any]], list[str]]:
    """Run the recipe's mappers and its filters' stats on ``batch``; drop nothing.

    Each filter measures for itself: a stat another filter of the list computed under the
    same key (``word_repetition_filter`` with two ``rep_len``) is not reused, unlike in a run,
    where Data-Juicer's rule reuses it. Stats that came with the input are reused, as in a run.

    Args:
        recipe: mappers and filters (other ops are skipped with a note).
        batch: the rows.

    Returns:
        Each filter's ``stat_key`` values by op index (float, NaN where not a number; a list
        per row for a list-valued stat), and notes on skipped ops.
    """
    analysis = analyze_batch(recipe, batch)
    return {spec.index: analysis.stat(spec.index, spec.op_class.stat_key).per_row()
            for spec in recipe.process if spec.op_class.stat_key in analysis.keys(spec.index)}, analysis.notes


def _column(analysis: Analysis, spec: OpSpec, require_numeric: bool) -> StatColumn:
    key = str(spec.op_class.stat_key)
    if key not in analysis.keys(spec.index):
        return StatColumn(spec, key, [])
    summary = analysis.summary(spec.index, key)
    numeric = summary.kind == "scalar"  # a list-valued stat (one per image) has no scalar threshold
    if require_numeric and summary.rows and (not numeric or not summary.count):
        msg = f"{spec.name}'s stat {key!r} is not a number, so it has no distribution or thresholds"
        raise NotProfilableError(msg, hint="Thresholds apply to filters with a numeric range.", op=spec.name)
    values = analysis.stat(spec.index, key).finite().tolist() if numeric else []
    return StatColumn(spec, key, values)


def sample_stats(ctx: ToolContext, dataset: str, process: list[Any], n: int, *, text_key: str | None = None,
                 require_numeric: bool = False) -> Profile:
    """The stats of the filters in ``process`` on the first ``n`` rows of ``dataset`` (memoised).

    Args:
        ctx: the tool context (its cache keeps the last few profiles).
        dataset: file, folder or glob in the workspace.
        process: a recipe ``process`` list (mappers run first, filters give stats).
        n: rows to profile.
        text_key: the text field (default: the recipe default, ``text``).
        require_numeric: refuse filters whose stat is not numeric.

    Raises:
        NotProfilableError: a filter has no stat (or a non-numeric one with ``require_numeric``).
        RecipeError, DatasetError, WorkspacePathError: from validation and reading.
    """
    mapping: dict[str, Any] = {"dataset_path": dataset, "process": process}
    if text_key:
        mapping["text_keys"] = text_key
    recipe, _ = ctx.workspace.engine_recipe(mapping, source="profile")
    for spec in recipe.process:
        cls = spec.op_class
        if cls.kind == "filter" and cls.stat_key is None:
            msg = f"{spec.name} keeps or drops on a field value; it computes no stat to profile"
            raise NotProfilableError(msg, hint="Profile filters with a stat (get_op shows stat_key).", op=spec.name)
    files = ctx.workspace.dataset_files(str(recipe.dataset_path), recipe.suffixes)
    key = ("stats", fingerprint_inputs(files), orjson.dumps(recipe.to_mapping(), option=orjson.OPT_SORT_KEYS), n)
    if key in ctx.cache:
        return ctx.cache[key]
    sample = read_sample(files, n)
    batch = sample.batch
    skipped = 0
    if len(batch) and batch.has_column(recipe.text_key):
        texts = batch.column(recipe.text_key)
        good = [i for i, t in enumerate(texts) if isinstance(t, str)]
        skipped = len(batch) - len(good)
        if skipped:
            batch = batch.take(good)
    analysis = analyze_batch(recipe, batch)
    notes = list(analysis.notes)
    if skipped:
        notes.append(f"{skipped} row(s) without a text {recipe.text_key!r} were left out")
    notes += [f"{e.op} failed on {e.errors} row(s): {'; '.join(e.examples[:2])}" for e in analysis.errors]
    columns = [_column(analysis, spec, require_numeric) for spec in recipe.process
               if spec.op_class.kind == "filter" and spec.op_class.stat_key is not None]
    sample.batch = batch
    profile = Profile(recipe, sample, columns, skipped, notes)
    if len(ctx.cache) >= _CACHE_SIZE:
        ctx.cache.pop(next(iter(ctx.cache)))
    ctx.cache[key] = profile
    return profile

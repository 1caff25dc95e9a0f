"""Data-Juicer-style recipes: load YAML, apply command-line overrides, validate everything.

A recipe is a mapping of global keys (``dataset_path``, ``export_path``, ``np``, ...) and a
``process`` list of ``{op_name: {param: value}}`` entries. :func:`load_recipe` returns a
:class:`Recipe` whose ``process`` holds validated params for every op, or raises a
:class:`~recipe_copilot.engine.errors.RecipeError` that names the bad key and the way out.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Any, Literal

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from recipe_copilot.engine.errors import GlobalKeyError, RecipeSyntaxError, closest
from recipe_copilot.engine.ops import get_op_class
from recipe_copilot.engine.ops.base import Op, OpParams

__all__ = [
    "IGNORED_DJ_KEYS",
    "OpSpec",
    "Recipe",
    "RecipeWarning",
    "load_recipe",
    "parse_overrides",
    "recipe_from_mapping",
]

#: Data-Juicer global keys that do not apply to this engine: accepted with a warning.
IGNORED_DJ_KEYS: dict[str, str] = {
    "use_cache": "there is no Hugging Face datasets cache; runs stream",
    "ds_cache_dir": "there is no Hugging Face datasets cache",
    "cache_compress": "there is no Hugging Face datasets cache",
    "temp_dir": "intermediate files go under work_dir",
    "open_monitor": "run.json always records time and peak memory per op",
    "fusion_strategy": "ops are always fused per batch; filters are ordered by cost",
    "adaptive_batch_size": "batches have a fixed size",
    "export_in_parallel": "export is always streamed by the workers",
    "export_original_dataset": "only used by Data-Juicer's analyzer",
    "save_stats_in_one_file": "only used by Data-Juicer's analyzer",
    "data_probe_algo": "sampling is done by `copilot analyze --sample`",
    "data_probe_ratio": "sampling is done by `copilot analyze --sample`",
    "hpo_config": "hyper-parameter search is not supported",
    "custom_operator_paths": "custom operator scripts are not loaded",
    "turbo": "has no effect here",
    "debug": "has no effect here",
    "auto": "use `copilot analyze` for a stats-only pass",
    "auto_num": "use `copilot analyze --sample`",
    "export_extra_args": "only jsonl and parquet export are supported",
    "notification": "notifications are not sent",
    "event_logging": "run.json records the run",
    "validators": "the recipe and the data are always validated",
    "load_dataset_kwargs": "formats are read with their own defaults",
    "open_insight_mining": "insight mining is not supported",
    "op_list_to_mine": "insight mining is not supported",
    "image_bytes_key": "image bytes fields are passed through unchanged",
    "dataset": "use dataset_path",
    "generated_dataset_config": "use dataset_path",
}


class RecipeWarning(UserWarning):
    """A recipe key we accept but do not act on."""


class OpSpec(BaseModel):
    """One validated entry of ``process``."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    name: str
    params: OpParams
    index: int
    op_class: type[Op] = Field(exclude=True, repr=False)
    explicit: frozenset[str] = Field(frozenset(), description="Parameters the recipe set itself.")

    def build(self) -> Op:
        """A fresh op instance (call once per worker process)."""
        return self.op_class(self.params, index=self.index)

    def own_params(self) -> dict[str, Any]:
        """The parameters the recipe set (inherited globals and untouched defaults left out)."""
        return self.params.model_dump(include=set(self.explicit), mode="json")

    def as_yaml_item(self) -> dict[str, dict[str, Any]]:
        """The entry as it would appear in a recipe."""
        return {self.name: self.own_params()}


class Recipe(BaseModel):
    """A validated recipe. Field names and defaults are Data-Juicer's."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    project_name: str = Field("recipe", description="Name of the project (used in run records).")
    dataset_path: str | None = Field(None, description="Input file, folder or glob.")
    export_path: str = Field(
        "./outputs/hello_world/hello_world.jsonl", description="Output file (.jsonl or .parquet)."
    )
    export_type: Literal["jsonl", "json", "parquet"] | None = Field(
        None, description="Output format; taken from export_path's suffix when not set."
    )
    export_shard_size: int = Field(0, ge=0, description="Bytes per output shard; 0 writes one file.")
    np: int = Field(4, ge=1, description="Number of worker processes.")
    text_keys: str | list[str] = Field("text", description="Field(s) with the text; ops use the first.")
    suffixes: list[str] = Field(default_factory=list, description="Only read files with these suffixes.")
    image_key: str = "images"
    audio_key: str = "audios"
    video_key: str = "videos"
    image_special_token: str = "<__dj__image>"
    audio_special_token: str = "<__dj__audio>"
    video_special_token: str = "<__dj__video>"
    eoc_special_token: str = "<|__dj__eoc|>"
    executor_type: Literal["default", "local", "ray"] = Field("default", description="default/local or ray.")
    ray_address: str = Field("auto", description="Ray cluster address for executor_type: ray.")
    open_tracer: bool = Field(False, description="Write per-op samples of what changed to work_dir/trace.")
    op_list_to_trace: list[str] = Field(default_factory=list, description="Ops to trace; empty = all.")
    trace_num: int = Field(10, ge=0, description="Samples traced per op.")
    op_fusion: bool = Field(False, description="Accepted; ops are always fused per batch here.")
    skip_op_error: bool = Field(True, description="Quarantine samples an op fails on instead of stopping.")
    keep_stats_in_res_ds: bool = Field(False, description="Keep __dj__stats__ in the output.")
    keep_hashes_in_res_ds: bool = Field(False, description="Keep dedup hashes in the output.")
    work_dir: str | None = Field(None, description="Run records, traces and checkpoints; default: export dir.")
    use_checkpoint: bool = Field(False, description="Checkpoint finished shards so a run can resume.")
    percentiles: list[float] = Field([0.25, 0.5, 0.75], description="Quantiles the analyzer reports.")
    process: list[OpSpec] = Field(default_factory=list, description="The ops, in order.")
    ignored: dict[str, Any] = Field(default_factory=dict, exclude=True)

    @field_validator("suffixes", mode="before")
    @classmethod
    def _one_suffix(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @property
    def text_key(self) -> str:
        """The text field ops read by default (the first of ``text_keys``)."""
        return self.text_keys[0] if isinstance(self.text_keys, list) else self.text_keys

    @property
    def media_keys(self) -> tuple[str, str, str]:
        """The fields that hold image, audio and video paths."""
        return (self.image_key, self.audio_key, self.video_key)

    @property
    def export_format(self) -> str:
        """``jsonl`` or ``parquet`` (``json`` exports as JSON lines, as Data-Juicer's does)."""
        fmt = self.export_type or Path(self.export_path).suffix.lstrip(".").lower()
        return "jsonl" if fmt == "json" else fmt

    @property
    def resolved_work_dir(self) -> Path:
        """``work_dir``, or the export folder when it is not set (Data-Juicer's default)."""
        return Path(self.work_dir) if self.work_dir else Path(self.export_path).resolve().parent

    def fingerprint(self) -> str:
        """A hash of everything that decides the output (not np, paths or tracing)."""
        body = {
            "text_keys": self.text_keys,
            "keep_stats": self.keep_stats_in_res_ds,
            "keep_hashes": self.keep_hashes_in_res_ds,
            "skip_op_error": self.skip_op_error,
            "process": [spec.as_yaml_item() for spec in self.process],
        }
        return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]

    def to_mapping(self) -> dict[str, Any]:
        """The recipe as a plain mapping in the YAML's structure (defaults left out)."""
        out = self.model_dump(exclude_defaults=True, exclude={"process", "ignored"}, mode="json")
        out["process"] = [spec.as_yaml_item() for spec in self.process]
        return out

    def to_yaml(self) -> str:
        """The recipe as YAML text that :func:`load_recipe` reads back to an equal recipe."""
        return yaml.safe_dump(self.to_mapping(), sort_keys=False, allow_unicode=True)


_GLOBAL_TO_OP = {
    "image_key": "image_key",
    "audio_key": "audio_key",
    "video_key": "video_key",
    "image_special_token": "image_special_token",
    "audio_special_token": "audio_special_token",
    "video_special_token": "video_special_token",
    "eoc_special_token": "eoc_special_token",
    "skip_op_error": "skip_op_error",
}


def recipe_from_mapping(raw: Any, *, source: str = "recipe", base_dir: Path | None = None) -> Recipe:
    """Validate a recipe given as a mapping (already parsed YAML/JSON).

    Args:
        raw: the parsed recipe.
        source: where it came from, for error messages.
        base_dir: accepted for symmetry with :func:`load_recipe`; paths stay as written
            (relative paths are relative to the current directory, as in Data-Juicer).

    Raises:
        RecipeError: a subclass naming the bad key, op or parameter.
    """
    del base_dir
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        msg = f"{source}: a recipe must be a mapping of keys to values, got {type(raw).__name__}"
        raise RecipeSyntaxError(msg)
    data = dict(raw)
    ignored = {k: data.pop(k) for k in list(data) if k in IGNORED_DJ_KEYS}
    for key in ignored:
        warnings.warn(f"{source}: key {key!r} is ignored: {IGNORED_DJ_KEYS[key]}", RecipeWarning, stacklevel=2)
    known = set(Recipe.model_fields) - {"ignored"}
    for key in data:
        if key not in known:
            near = closest(str(key), known)
            hint = f" Did you mean {', '.join(near)}?" if near else ""
            msg = f"{source}: unknown global key {key!r}.{hint}"
            raise GlobalKeyError(msg)
    process_raw = data.pop("process", None) or []
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        msg = f"{source}: global key {key!r} = {err.get('input')!r} is invalid: {err['msg']}"
        raise GlobalKeyError(msg) from None
    recipe.ignored = ignored
    recipe.process = _validate_process(process_raw, recipe, source)
    return recipe


def _validate_process(process_raw: Any, recipe: Recipe, source: str) -> list[OpSpec]:
    if not isinstance(process_raw, list):
        msg = f"{source}: 'process' must be a list of ops, got {type(process_raw).__name__}"
        raise RecipeSyntaxError(msg)
    inherited = {"text_key": recipe.text_key}
    inherited.update({op_key: getattr(recipe, g) for g, op_key in _GLOBAL_TO_OP.items()})
    specs = []
    for i, item in enumerate(process_raw):
        where = f"{source}: process[{i}]"
        if isinstance(item, str):
            item = {item: None}
        if not isinstance(item, dict) or len(item) != 1:
            msg = f"{where}: each op must be a mapping with one key, the op name, e.g. `- text_length_filter: {{min_len: 10}}`"
            raise RecipeSyntaxError(msg)
        name, args = next(iter(item.items()))
        if args is not None and not isinstance(args, dict):
            msg = f"{where}: the parameters of {name!r} must be a mapping, got {type(args).__name__}"
            raise RecipeSyntaxError(msg)
        cls = get_op_class(str(name), where=where)
        merged = {k: v for k, v in inherited.items() if k in cls.Params.model_fields}
        merged.update({k: v for k, v in (args or {}).items() if v is not None or k not in merged})
        params = cls.validate_params(merged, where=where)
        explicit = frozenset(k for k, v in (args or {}).items() if v is not None)
        specs.append(OpSpec(name=cls.name, params=params, index=i, op_class=cls, explicit=explicit))
    return specs


def parse_overrides(args: list[str]) -> dict[str, Any]:
    """Turn ``["--np", "4", "--export_path", "x"]`` (or ``--np=4``) into ``{"np": 4, ...}``.

    Values are parsed as YAML scalars, so ``4`` is an int and ``true`` a bool.
    """
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or arg == "--":
            msg = f"unexpected argument {arg!r}: overrides look like `--np 4` or `--export_path=out.jsonl`"
            raise GlobalKeyError(msg)
        key, eq, value = arg[2:].partition("=")
        if not eq:
            if i + 1 >= len(args) or args[i + 1].startswith("--"):
                msg = f"override --{key} needs a value, e.g. `--{key} VALUE`"
                raise GlobalKeyError(msg)
            value = args[i + 1]
            i += 1
        key = key.replace("-", "_")
        try:
            out[key] = yaml.safe_load(value) if value.strip() else value
        except yaml.YAMLError:
            out[key] = value
        if key in {"dataset_path", "export_path", "work_dir", "project_name", "ray_address"}:
            out[key] = value  # paths stay strings even when they look like numbers
        i += 1
    return out


def load_recipe(path: str | Path, overrides: dict[str, Any] | None = None) -> Recipe:
    """Read a YAML (or JSON) recipe file, apply ``overrides``, validate it.

    Raises:
        RecipeSyntaxError: the file is missing or is not valid YAML.
        RecipeError: a subclass naming the bad key, op or parameter.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"recipe file {str(path)!r} does not exist"
        raise RecipeSyntaxError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"recipe file {str(path)!r} cannot be read: {exc}"
        raise RecipeSyntaxError(msg) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        msg = f"recipe {str(path)!r} is not valid YAML{where}: {problem}"
        raise RecipeSyntaxError(msg) from None
    if overrides:
        if raw is None:
            raw = {}
        if isinstance(raw, dict):
            raw = {**raw, **overrides}
    return recipe_from_mapping(raw, source=str(path), base_dir=path.parent)

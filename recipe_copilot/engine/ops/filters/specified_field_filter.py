"""specified_field_filter: keep samples whose field value is one of the target values."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from recipe_copilot.engine.ops.base import FilterParams
from recipe_copilot.engine.ops.common.fields import FieldValueFilter
from recipe_copilot.engine.sample import SampleBatch


class SpecifiedFieldFilter(FieldValueFilter):
    """Keep samples whose ``field_key`` value is in ``target_value``.

    A list (or tuple) value is kept only when every item is a target (an empty list is
    kept). A missing field reads as ``None``. The value is copied into the stats under the
    key ``field_key`` itself, and a stat already there is used instead of the field, as
    Data-Juicer does. No ``target_value`` keeps everything.

    Example:
        ``- specified_field_filter: {field_key: meta.lang, target_value: [en]}`` keeps
        ``{"meta": {"lang": "en"}}`` and drops ``{"meta": {"lang": "fr"}}``.
    """

    class Params(FilterParams):
        field_key: str = Field("", description="Field to test; dots reach into nested dicts (meta.lang).")
        target_value: list = Field([], description="Values to keep; empty keeps every sample.")

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        targets = self.params.target_value
        if not targets:
            return [True] * len(batch)
        try:
            lookup: Any = frozenset(targets)
        except TypeError:  # unhashable targets: compare one by one
            lookup = targets
        flip = self.params.reversed_range
        return [_all_in(v, lookup, targets) != flip for v in self.values(batch)]


def _all_in(value: Any, lookup: Any, targets: list) -> bool:
    items = value if isinstance(value, list | tuple) else (value,)
    for item in items:
        try:
            found = item in lookup
        except TypeError:  # an unhashable item against a set of targets
            found = item in targets
        if not found:
            return False
    return True

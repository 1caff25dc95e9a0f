"""tags_specified_field_selector: keep the samples whose field value is one of the target tags."""

from __future__ import annotations

import numbers

import numpy as np
from pydantic import Field, field_validator

from recipe_copilot.engine.ops.base import OpParams, Selector
from recipe_copilot.engine.ops.common.expression import field_column
from recipe_copilot.engine.sample import SampleBatch

#: the value types Data-Juicer accepts here (any other number is checked the slow way)
_SCALARS = frozenset({str, int, float, bool, type(None)})


class TagsSpecifiedFieldSelector(Selector):
    """Keep the samples whose ``field_key`` value is one of ``target_tags`` (case-sensitive).

    The value must be a single string, number or None (a list of tags is an error, as in
    Data-Juicer). ``target_tags`` is required. With no ``field_key``, or fewer than two
    samples, every sample stays.

    Example:
        ``- tags_specified_field_selector: {field_key: meta.topic, target_tags: [sports]}``
        keeps ``{"meta": {"topic": "sports"}}`` and drops ``{"meta": {"topic": "news"}}``.
    """

    class Params(OpParams):
        field_key: str = Field("", description="Field holding the tag; dots reach into nested dicts (meta.topic).")
        target_tags: list[str] | None = Field(None, validate_default=True, description="Tags to keep (required).")

        @field_validator("target_tags")
        @classmethod
        def _required(cls, value: list[str] | None) -> list[str] | None:
            if value is None:
                msg = "target_tags is required: give the list of tags to keep"
                raise ValueError(msg)
            return value

    cost = 0.1

    def keys_batch(self, batch: SampleBatch) -> list:
        if not self.params.field_key:
            return [None] * len(batch)
        return list(field_column(batch, self.params.field_key))

    def output_order(self, keys: list | np.ndarray) -> np.ndarray:
        """The rows Data-Juicer outputs, in its order (input order here)."""
        n, p = len(keys), self.params
        if n <= 1 or not p.field_key:
            return np.arange(n)
        tags = set(p.target_tags or ())
        rows = []
        for i, value in enumerate(keys):
            if type(value) not in _SCALARS and not isinstance(value, numbers.Number):
                msg = f"{self.name}: sample {i} has {type(value).__name__} in {p.field_key!r}, expected str, number or None"
                raise TypeError(msg)
            if value in tags:
                rows.append(i)
        return np.asarray(rows, dtype=np.int64)

"""tags_specified_field_selector: keep the samples whose field value is one of the target tags."""

from __future__ import annotations

import numpy as np
from pydantic import Field, field_validator

from recipe_copilot.engine.ops.base import OpParams
from recipe_copilot.engine.ops.common.fields import FieldSelector


class TagsSpecifiedFieldSelector(FieldSelector):
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

    def output_order(self, keys: list | np.ndarray) -> np.ndarray:
        """The rows Data-Juicer outputs, in its order (input order here)."""
        n, p = len(keys), self.params
        if n <= 1 or not p.field_key:
            return np.arange(n)
        self.check_scalars(keys)
        tags = set(p.target_tags or ())
        return np.asarray([i for i, value in enumerate(keys) if value in tags], dtype=np.int64)

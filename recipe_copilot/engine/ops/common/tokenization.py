"""The ``tokenization`` option of Data-Juicer's word-based filters, which needs a model we cannot fetch.

Data-Juicer splits words with a sentencepiece model (``<lang>.sp.model``) or, for
alphanumeric_filter, a Hugging Face tokenizer, downloaded at run time. This engine runs
offline, so ``tokenization: true`` is refused when the recipe is validated, with the way out.
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from recipe_copilot.engine.ops.base import FilterParams

__all__ = ["WordSplitParams", "refuse_tokenization"]


def refuse_tokenization(enabled: bool, model: str) -> bool:
    """Return ``enabled`` if false; raise ValueError (a params validation error) if true.

    Args:
        enabled: the op's ``tokenization`` value.
        model: what Data-Juicer would download, for the message.
    """
    if enabled:
        msg = (
            f"tokenization=true needs {model}, which Data-Juicer downloads at run time and this "
            "engine cannot (it runs offline); set tokenization: false to split words on whitespace"
        )
        raise ValueError(msg)
    return enabled


class WordSplitParams(FilterParams):
    """``lang`` and ``tokenization``, the first parameters of Data-Juicer's word-based filters.

    Subclass it for an op's ``Params``; ``tokenization: true`` is refused (see above).
    """

    lang: str = Field("en", description="Language of the samples (picks the tokenizer model).")
    tokenization: bool = Field(False, description="Split words with a sentencepiece model (needs a model; refused).")

    @field_validator("tokenization")
    @classmethod
    def _offline(cls, value: bool, info: ValidationInfo) -> bool:
        return refuse_tokenization(value, f"the sentencepiece model '{info.data.get('lang', 'en')}.sp.model'")

"""Helpers of the VLM tagging ops: an image file as a data URL, and Data-Juicer's tag-answer parsing."""

from __future__ import annotations

import ast
import base64
import io
import json
from typing import Any

from PIL import Image

from recipe_copilot.engine.ops.common.media import MediaError

__all__ = ["SYSTEM_PROMPT", "USER_TEMPLATE", "image_data_url", "parse_tags"]

#: markers Data-Juicer deletes from an answer before reading it as JSON
_NOISE = ("```json", "```", "JSON:", "Response:")
MAX_TAGS = 10
MAX_TAG_CHARS = 30


# image_tagging_vlm_mapper's defaults in our wording of Data-Juicer's: same rules, same {"tags": [...]} answer
SYSTEM_PROMPT = """You label images with descriptive tags. Rules:
1. Each tag is a short English noun phrase or gerund.
2. Write tags in lowercase and join the words of a tag with hyphens.
3. Cover objects, actions, colours, materials, style, mood and setting.
4. Put the most prominent and distinctive elements first.
5. Give between 5 and 10 tags, the most relevant ones.
6. Reply with this JSON and nothing else: {"tags": ["tag1", "tag2", ...]}

Examples of valid replies:
{"tags": ["city-street", "rainy-night", "neon-signs", "reflections", "walking-pedestrian"]}
{"tags": ["golden-retriever", "green-lawn", "playing-fetch", "sunny-day", "tennis-ball"]}
"""
USER_TEMPLATE = """Tag the image, using its accompanying text too when there is one.
Text: {text}
Use the text only where it matches what the image shows; if it is empty or unrelated, tag the image alone.
"""


def image_data_url(path: str) -> str:
    """``data:<mime>;base64,<the file's bytes>`` (the mime type from the file's format).

    Raises:
        MediaError: the file cannot be read or is not an image.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
        with Image.open(io.BytesIO(data)) as img:
            mime = Image.MIME.get(img.format or "", "image/jpeg")
    except (OSError, Image.UnidentifiedImageError) as exc:
        msg = f"cannot open image {path!r}: {type(exc).__name__}: {exc}"
        raise MediaError(msg) from exc
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _as_object(text: str) -> Any:
    """JSON, else JSON with single quotes made double, else a Python literal (Data-Juicer's order)."""
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError:
        text = text.replace("'", '"')
    try:
        return json.loads(text, strict=False)
    except Exception:  # any failure: the next reading
        return ast.literal_eval(text)


def parse_tags(raw: Any) -> list[str]:
    """The tags of an answer like ``{"tags": ["red-apple", ...]}``; ``[]`` when none can be read.

    ``tags`` (else ``tag``) may be a list or a comma-separated string; string entries are
    lower-cased, spaces become hyphens, each is cut to 30 characters; duplicates are dropped
    and at most 10 are kept. Data-Juicer keeps them in set order (random per process); we keep
    the order of first appearance.
    """
    try:
        text = raw.strip()
        for noise in _NOISE:
            text = text.replace(noise, "")
        result = _as_object(text)
        if not isinstance(result, dict):
            return []
        tags = result.get("tags", result.get("tag", []))
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.split(",")]
        valid = [t.lower().replace(" ", "-")[:MAX_TAG_CHARS] for t in tags if isinstance(t, str)]
    except Exception:  # an unreadable answer gives no tags, as in Data-Juicer
        return []
    return list(dict.fromkeys(valid))[:MAX_TAGS]

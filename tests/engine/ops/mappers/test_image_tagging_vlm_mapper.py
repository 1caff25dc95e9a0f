"""image_tagging_vlm_mapper against a local fake OpenAI server: images as data URLs, DJ's tag parsing, meta."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from PIL import Image

from recipe_copilot.copilot.llm.fake_server import FakeError, FakeOpenAIServer
from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "image_tagging_vlm_mapper"
META = "__dj__meta__"


def picture(path: Path, color: tuple[int, int, int], fmt: str = "PNG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 3), color).save(path, fmt)
    return path


def run(server: FakeOpenAIServer, rows: list[dict], workdir: Path | None = None, **params: object):
    mp = {"base_url": server.base_url, "concurrency": 1, **params.pop("model_params", {})}  # type: ignore[dict-item]
    return run_rows(rows, [{OP: {"is_api_model": True, "model_params": mp, **params}}], workdir=workdir)


def image_part(request_messages: list[dict]) -> tuple[str, bytes]:
    """(mime, decoded bytes) of the single image_url part of the user message."""
    parts = request_messages[1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url"]
    head, _, b64 = parts[1]["image_url"]["url"].partition(";base64,")
    return head.removeprefix("data:"), base64.b64decode(b64)


def test_relative_images_are_sent_as_data_urls_and_tags_go_to_meta(tmp_path: Path) -> None:
    png = picture(tmp_path / "imgs" / "red.png", (255, 0, 0))
    jpg = picture(tmp_path / "imgs" / "blue.jpg", (0, 0, 255), "JPEG")
    rows = [{"text": "a red square", "images": ["imgs/red.png", "imgs/blue.jpg"]}]
    script = ['{"tags": ["Red Square", "plain colour"]}', '```json\n{"tags": ["blue"]}\n```']
    with FakeOpenAIServer(script) as server:
        out = run(server, rows, workdir=tmp_path)
        sent = [r.messages for r in server.chat_requests]
    assert out.rows[0][META] == {"image_tags": [["red-square", "plain-colour"], ["blue"]]}
    assert image_part(sent[0]) == ("image/png", png.read_bytes())
    assert image_part(sent[1]) == ("image/jpeg", jpg.read_bytes())
    assert "Text: a red square\n" in sent[0][1]["content"][0]["text"]
    assert sent[0][0]["role"] == "system" and '{"tags": [' in sent[0][0]["content"]
    assert out.rows[0]["images"] == [str(png), str(jpg)]  # the reader resolved them against the dataset


def test_tag_parsing_follows_data_juicer() -> None:
    answers = {
        "single quotes": ("Response: {'tags': ['Oak Tree', 'leaf']}", ["oak-tree", "leaf"]),
        "key tag as string": ('{"tag": " Sunny Day , sky,sunny day"}', ["sunny-day", "sky"]),
        "dedup, cut, non-str": ('{"tags": ["a", "A", 3, null, "' + "x" * 40 + '"]}', ["a", "x" * 30]),
        "at most ten": (json.dumps({"tags": [f"t{i}" for i in range(12)]}), [f"t{i}" for i in range(10)]),
        "not a dict": ('["a", "b"]', []),
        "no json": ("I see a cat.", []),
        "tags not iterable": ('{"tags": 5}', []),
    }
    from recipe_copilot.engine.ops.common.llm_tags import parse_tags

    for name, (raw, expected) in answers.items():
        assert parse_tags(raw) == expected, name
    assert parse_tags(None) == []


def test_one_request_per_distinct_image_and_no_parse_retry(tmp_path: Path) -> None:
    img = str(picture(tmp_path / "a.png", (0, 255, 0)))
    rows = [{"text": "t", "images": [img, img]}, {"text": "no images", "images": []}, {"text": "none"}]
    with FakeOpenAIServer(["no json here", '{"tags": ["late"]}']) as server:
        out = run(server, rows, try_num=3)
        assert len(server.chat_requests) == 1  # DJ's API mode asks once; try_num only repeats a raising call
    assert [r[META]["image_tags"] for r in out.rows] == [[[]], [[]], [[]]]


def test_http_retries_then_cache_replays_without_requests(tmp_path: Path) -> None:
    img = str(picture(tmp_path / "a.png", (9, 9, 9)))
    rows = [{"text": "t", "images": [img]}]
    with FakeOpenAIServer([FakeError(500), '{"tags": ["grey"]}']) as server:
        first = run(server, rows, model_params={"max_retries": 1})
        assert len(server.chat_requests) == 2
        second = run(server, rows, model_params={"max_retries": 1})
        assert len(server.chat_requests) == 2  # the second run was answered from the cache
    assert first.rows[0][META] == second.rows[0][META] == {"image_tags": [["grey"]]}


def test_existing_tags_are_kept_and_custom_field(tmp_path: Path) -> None:
    img = str(picture(tmp_path / "a.png", (1, 2, 3)))
    rows = [{"images": [img], META: {"labels": [["old"]]}}, {"images": [img], META: {"other": 1}}]
    with FakeOpenAIServer(['{"tags": ["new"]}']) as server:
        out = run(server, rows, tag_field_name="labels")
        assert len(server.chat_requests) == 1
    assert [r[META] for r in out.rows] == [{"labels": [["old"]]}, {"other": 1, "labels": [["new"]]}]


def test_missing_image_is_quarantined_before_any_request(tmp_path: Path) -> None:
    good = str(picture(tmp_path / "a.png", (5, 5, 5)))
    gone = str(tmp_path / "gone.png")
    rows = [{"text": "ok", "images": [good]}, {"text": "bad", "images": [good, gone]}]
    with FakeOpenAIServer(['{"tags": ["ok"]}']) as server:
        out = run(server, rows)
        assert len(server.chat_requests) == 1
    assert [r["text"] for r in out.rows] == ["ok"] and out.rows[0][META] == {"image_tags": [["ok"]]}
    assert len(out.errors) == 1 and f"cannot open image '{gone}': file not found" in out.errors[0]["error"]


def test_local_model_default_is_refused() -> None:
    with pytest.raises(ParamError, match=r"is_api_model=false.*OpenAI-compatible endpoint.*is_api_model: true"):
        run_rows([{"images": []}], [{OP: {"model_params": {"base_url": "http://127.0.0.1:9/v1"}}}])

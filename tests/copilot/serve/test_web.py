"""The Gradio web chat in a real browser: the real Gradio server on a free local port, the free agent
against the fake OpenAI server, Debian's chromium driven by Playwright."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from recipe_copilot.copilot.llm import FakeOpenAIServer, FakeReply, FakeToolCall
from recipe_copilot.copilot.serve import ServeError
from recipe_copilot.copilot.serve.web import launch, serve
from recipe_copilot.tools import call_tool
from recipe_copilot.tools.drafts import op_items

TIMEOUT_MS = 30_000
ANSWER = "Drops documents under 20 words, then exact duplicates."
RECIPE = {"dataset_path": "data/web.jsonl", "export_path": "outputs/web/web.jsonl", "np": 1,
          "process": [{"words_num_filter": {"min_num": 20}}, {"document_deduplicator": {}}]}


def call(name: str, arguments: dict) -> FakeReply:
    return FakeReply(tool_calls=[FakeToolCall(name, arguments)])


def draft_turn() -> list:
    """inspect -> edit_recipe -> validate -> dry_run -> answer (a run then awaits consent)."""
    return [call("inspect_dataset", {"path": "data/web.jsonl", "n": 1}),
            call("edit_recipe", {"start_from": {"recipe": RECIPE}}),
            call("validate_recipe", {"source": {}}),
            call("dry_run", {"n": 300}),
            ANSWER]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, with nothing talking to the network on its own."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def web(make_service):
    """``web(script)``: the web chat over an agent-mode service scripted by ``script``; (service, llm server, url)."""
    with ExitStack() as stack:

        def start(script: list):
            llm = stack.enter_context(FakeOpenAIServer(script))
            service = make_service(llm.chat_model(), mode="agent")
            port = free_port()
            app = launch(service, host="127.0.0.1", port=port)
            stack.callback(app.close, verbose=False)
            return service, llm, f"http://127.0.0.1:{port}/"

        yield start


def open_page(browser: Browser, url: str, requests: list[str] | None = None) -> Page:
    """A new tab (its own browser context) on the web chat; every URL it asks for goes to ``requests``."""
    page = browser.new_context(viewport={"width": 1600, "height": 1100}).new_page()
    if requests is not None:
        page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    expect(page.locator("#send")).to_be_visible(timeout=TIMEOUT_MS)
    return page


def send(page: Page, text: str, dataset: str = "") -> None:
    page.locator("#dataset").get_by_role("textbox").fill(dataset)
    page.locator("#message").get_by_role("textbox").fill(text)
    page.locator("#send").click()


def shown_session(page: Page) -> str:
    expect(page.locator("#session-id")).to_contain_text("s-", timeout=TIMEOUT_MS)
    return re.search(r"s-[\w-]+", page.locator("#session-id").inner_text()).group(0)


def table_rows(page: Page, elem_id: str) -> list[list[str]]:
    """The body rows of a Gradio dataframe, as the grid shows them (ARIA rows of grid cells)."""
    rows = page.locator(f"#{elem_id} [role=row]:has([role=gridcell])")
    return [[c.strip() for c in rows.nth(i).locator("[role=gridcell]").all_inner_texts()] for i in range(rows.count())]


def test_a_turn_streams_into_the_chat_the_recipe_and_the_dry_run(web, browser, tmp_path: Path):
    service, _llm, url = web(draft_turn())
    requests: list[str] = []
    page = open_page(browser, url, requests)
    send(page, "drop short docs and duplicates", "data/web.jsonl")
    expect(page.locator("#chat")).to_contain_text(ANSWER, timeout=TIMEOUT_MS)
    chat = page.locator("#chat").inner_text()
    assert "inspect_dataset" in chat and "dry_run" in chat and "Traceback" not in chat  # the tool status lines

    sid = shown_session(page)
    assert sid in [s.id for s in service.store.list()]
    names = [n for n, _ in op_items(service.draft(sid).recipe)]
    assert names == ["words_num_filter", "document_deduplicator"]
    for name in names:
        expect(page.locator("#recipe")).to_contain_text(name)

    expected = call_tool(service.ctx, "dry_run", {"source": {"draft_id": sid}, "n": 300})  # same rows, same counts
    rows = [r[:4] for r in table_rows(page, "dry-table") if len(r) >= 4]
    assert rows == [[str(o.index + 1), o.name, str(o.rows_in), str(o.rows_out)] for o in expected.ops]
    expect(page.locator("#dry-summary")).to_contain_text(f"Dry run: {expected.rows_in:,} rows in, {expected.rows_out:,} out")
    expect(page.locator("#dry-plot canvas, #dry-plot svg").first).to_be_visible()
    verdicts = {r[0] for r in table_rows(page, "samples") if r}
    assert {"dropped", "duplicate", "kept"} <= verdicts
    expect(page.locator("#run")).to_be_enabled()  # the answer awaits consent

    page.locator("#profile").click()
    expect(page.locator("#profile-summary")).to_contain_text("rows profiled", timeout=TIMEOUT_MS)
    expect(page.locator("#profile-plot canvas, #profile-plot svg").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "web.png"), full_page=True)  # for a person to look at
    assert requests and [u for u in requests if not u.startswith((url, "data:", "blob:"))] == []  # no analytics, no CDN


def test_the_run_button_gives_consent_and_follows_the_run_to_its_end(web, browser, workspace: Path):
    service, llm, url = web([*draft_turn(), call("run_recipe", {}), "Started the full run."])
    page = open_page(browser, url)
    expect(page.locator("#run")).to_be_disabled()
    send(page, "drop short docs and duplicates", "data/web.jsonl")
    expect(page.locator("#run")).to_be_enabled(timeout=TIMEOUT_MS)
    sid = shown_session(page)
    assert not service.store.runs(sid)  # nothing ran before consent

    page.locator("#run").click()
    expect(page.locator("#chat")).to_contain_text("Started the full run.", timeout=TIMEOUT_MS)
    expect(page.locator("#run-progress")).to_contain_text("rows out:", timeout=TIMEOUT_MS)
    assert "has confirmed a full run" in llm.chat_requests[-1].messages[0]["content"]
    (entry,) = service.store.runs(sid)
    state = service.ctx.runs.get(entry.run_id)
    assert state.status == "ok" and entry.status == "ok" and state.rows_out > 0
    progress = page.locator("#run-progress").inner_text()
    assert entry.run_id in progress and f"rows out: {state.rows_out:,}" in progress
    assert list((workspace / "outputs" / "web").glob("*.jsonl"))
    assert {r[0] for r in table_rows(page, "samples") if r} == {"kept (run output)"}
    expect(page.locator("#run")).to_be_disabled()


def test_each_tab_is_its_own_session_and_errors_read_as_messages(web, browser):
    from recipe_copilot.copilot.llm import FakeError

    service, _llm, url = web(["Which dataset should I look at?", FakeError(401, "bad key", "invalid_request_error")])
    first, second = open_page(browser, url), open_page(browser, url)
    send(first, "clean my data")
    expect(first.locator("#chat")).to_contain_text("Which dataset", timeout=TIMEOUT_MS)
    send(second, "clean my data")
    expect(second.locator("#chat")).to_contain_text("Something went wrong", timeout=TIMEOUT_MS)
    a, b = shown_session(first), shown_session(second)
    assert a != b and {a, b} <= {s.id for s in service.store.list()}
    error = second.locator("#chat").inner_text()
    assert "(401): bad key" in error and "COPILOT_LLM_API_KEY" in error  # the message and its hint
    assert "Traceback" not in error and "Which dataset" not in error
    assert "Something went wrong" not in first.locator("#chat").inner_text()

    first.get_by_role("button", name="New session").click()
    expect(first.locator("#session-id")).to_contain_text("new")
    expect(first.locator("#chat")).not_to_contain_text("Which dataset")


def test_a_port_in_use_is_a_serve_error_with_the_fix(make_service):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=f"port {port} on 127.0.0.1 is already in use.*--port"):
            serve(make_service(lambda: None, mode="agent"), host="127.0.0.1", port=port)

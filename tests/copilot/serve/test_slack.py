"""The Slack bot: the real bolt app on a real local HTTP server, its Web API calls going to the fake Slack server,
its events signed and POSTed as Slack does, the agent scripted by the fake OpenAI server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import yaml

from recipe_copilot.copilot.llm import FakeOpenAIServer, FakeReply, FakeToolCall
from recipe_copilot.copilot.llm.fake_server import FakeError
from recipe_copilot.copilot.serve import ServeError
from recipe_copilot.copilot.serve.fake_slack import FakeSlackServer, event_callback, post_event, url_verification
from recipe_copilot.copilot.serve.slack import ThreadMap, create_app, make_server, serve

SECRET = "test-signing-secret"
WORKING = ":hourglass_flowing_sand: working..."
RECIPE = {"dataset_path": "data/web.jsonl", "export_path": "outputs/web/web.jsonl", "np": 1,
          "process": [{"words_num_filter": {"min_num": 20}}, {"document_deduplicator": {}}]}


def call(name: str, arguments: dict) -> FakeReply:
    return FakeReply(tool_calls=[FakeToolCall(name, arguments)])


def recipe_turn(answer: str = "Drops documents under 20 words, then exact duplicates.") -> list:
    return [call("inspect_dataset", {"path": "data/web.jsonl", "n": 1}),
            call("edit_recipe", {"start_from": {"recipe": RECIPE}}),
            call("validate_recipe", {"source": {}}),
            call("dry_run", {"n": 300}),
            answer]


@contextmanager
def bot_server(service, slack: FakeSlackServer) -> Iterator[str]:
    """The bot on a free localhost port, in a thread; yields its request URL."""
    app = create_app(service, bot_token=slack.bot_token, signing_secret=SECRET, api_url=slack.api_url)
    server = make_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        yield server


def mention(text: str, ts: str, *, thread_ts: str | None = None, channel: str = "C1", **extra) -> dict:
    event = {"type": "app_mention", "user": "UALICE", "text": f"<@UCOPILOT> {text}", "channel": channel, "ts": ts,
             **extra}
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def send(url: str, event: dict, **kwargs) -> None:
    status, body = post_event(url, event_callback(event), signing_secret=SECRET, **kwargs)
    assert status == 200, body


def answers(slack: FakeSlackServer, thread_ts: str, n: int = 1) -> list:
    """Wait for ``n`` finished bot messages in the thread (no longer "working...")."""
    return slack.wait_for(lambda s: (done := [m for m in s.messages(thread_ts=thread_ts) if m.text != WORKING])
                          and len(done) >= n and done, what=f"{n} answer(s) in thread {thread_ts}")


def test_url_verification_is_answered_and_a_bad_signature_is_refused(make_service, slack):
    with FakeOpenAIServer(["Hello, I build data recipes."]) as llm:
        service = make_service(llm.chat_model(), mode="agent")
        with bot_server(service, slack) as url:
            status, body = post_event(url, url_verification("abc123"), signing_secret=SECRET)
            assert status == 200 and json.loads(body)["challenge"] == "abc123"
            forged = post_event(url, event_callback(mention("hi", "1700000001.000100")), signing_secret="wrong")
            stale = post_event(url, event_callback(mention("hi", "1700000002.000100")), signing_secret=SECRET,
                               timestamp=1_600_000_000)
            assert forged[0] == 401 and stale[0] == 401
            send(url, mention("hi", "1700000003.000100"))
            answers(slack, "1700000003.000100")
        # the refused requests were never dispatched: the only thread answered is the signed one, the model asked once
        assert {m.thread_ts for m in slack.messages()} == {"1700000003.000100"}
        assert len(llm.chat_requests) == 1
    assert slack.calls_to("auth.test") and all(c.authorised for c in slack.calls)


def test_a_mention_gets_a_threaded_answer_with_the_dry_run_and_the_recipe_file(make_service, slack):
    with FakeOpenAIServer(recipe_turn()) as llm:
        service = make_service(llm.chat_model(), mode="agent")
        with bot_server(service, slack) as url:
            send(url, mention("drop short docs and duplicates in data/web.jsonl", "1700000010.000100"))
            [answer] = answers(slack, "1700000010.000100")
            [upload] = slack.wait_for(lambda s: s.uploads(), what="the recipe upload")
        first_user_message = llm.chat_requests[0].messages[1]
    assert answer.channel == "C1" and answer.history[0] == WORKING
    assert answer.text.startswith("Drops documents under 20 words")
    assert "*dry run*: 300 rows in" in answer.text
    assert "• `words_num_filter`: 300 →" in answer.text and "• `document_deduplicator`:" in answer.text
    lines = answer.text.splitlines()
    dropped = lines[lines.index(next(x for x in lines if x.startswith("• `words_num_filter`"))) + 1]
    assert dropped.startswith("    _dropped, e.g._ `") and dropped.endswith("`")
    shown = dropped.split("`")[1]
    assert len(shown) <= 90 and len(shown.rstrip("…").split()) < 20  # a document words_num_filter drops
    assert any(x.startswith("    _duplicate, e.g._ `") for x in lines)
    assert "Reply *run it* (or *yes*) in this thread" in answer.text
    assert (upload.channel, upload.thread_ts) == ("C1", "1700000010.000100")
    assert yaml.safe_load(upload.content)["process"] == RECIPE["process"]
    assert first_user_message == {"role": "user", "content": "drop short docs and duplicates in data/web.jsonl"}
    sid = upload.filename.removesuffix(".yaml")
    assert service.store.get(sid).state["slack"] == {"channel": "C1", "thread_ts": "1700000010.000100",
                                                     "awaiting_run": True}


def test_a_thread_keeps_its_session_across_a_restart_and_another_thread_gets_another(make_service, slack, tmp_path):
    script = ["Which dataset should I clean?", "Noted: data/web.jsonl.", "Hello in a DM."]
    with FakeOpenAIServer(script) as llm:
        with bot_server(make_service(llm.chat_model(), mode="agent"), slack) as url:
            send(url, mention("clean my data", "1700000020.000100"))
            answers(slack, "1700000020.000100")
        service = make_service(llm.chat_model(), mode="agent")  # a restarted bot: new service, app and server
        with bot_server(service, slack) as url:
            send(url, mention("the web one", "1700000021.000100", thread_ts="1700000020.000100"))
            second = answers(slack, "1700000020.000100", 2)[1]
            send(url, {"type": "message", "channel_type": "im", "user": "UALICE", "text": "hi there",
                       "channel": "D1", "ts": "1700000022.000100"})
            [dm] = answers(slack, "1700000022.000100")
        sent = [r.messages[1:] for r in llm.chat_requests]
    assert second.text == "Noted: data/web.jsonl." and dm.text == "Hello in a DM."
    assert [(m["role"], m["content"]) for m in sent[1]] == [
        ("user", "clean my data"), ("assistant", "Which dataset should I clean?"), ("user", "the web one")]
    assert [(m["role"], m["content"]) for m in sent[2]] == [("user", "hi there")]
    threads = ThreadMap(tmp_path / "slack_threads.sqlite3")
    first_sid, dm_sid = threads.get("C1", "1700000020.000100"), threads.get("D1", "1700000022.000100")
    assert first_sid and dm_sid and first_sid != dm_sid
    assert [m.content for m in service.store.messages(first_sid) if m.role == "user"] == ["clean my data",
                                                                                          "the web one"]


def test_a_shared_recipe_file_starts_the_session(make_service, slack, workspace):
    shared = {**RECIPE, "process": [{"text_length_filter": {"min_len": 50}}]}
    with FakeOpenAIServer(["I loaded your recipe: one text_length_filter."]) as llm:
        service = make_service(llm.chat_model(), mode="agent")
        with bot_server(service, slack) as url:
            file = slack.add_file("Short Docs.yaml", yaml.safe_dump(shared))
            send(url, {"type": "message", "subtype": "file_share", "channel_type": "im", "user": "UALICE",
                       "text": "start from this", "channel": "D2", "ts": "1700000030.000100", "files": [file]})
            [answer] = answers(slack, "1700000030.000100")
            [upload] = slack.wait_for(lambda s: s.uploads(), what="the recipe upload")
    saved = workspace / "recipes" / "slack" / f"Short_Docs-{file['id']}.yaml"
    assert yaml.safe_load(saved.read_text()) == shared
    assert answer.text.startswith("I loaded your recipe")
    sid = upload.filename.removesuffix(".yaml")
    assert service.draft(sid).recipe["process"] == shared["process"]
    assert yaml.safe_load(upload.content)["process"] == shared["process"]
    assert service.store.messages(sid)[0].meta["recipe"] == str(saved)


def test_errors_become_a_thread_message_with_the_hint(make_service, slack):
    with FakeOpenAIServer([FakeError(503, "model is loading")]) as llm:
        service = make_service(llm.chat_model(), mode="agent")
        with bot_server(service, slack) as url:
            not_a_recipe = slack.add_file("notes.txt", "hello", filetype="text")
            send(url, mention("use this", "1700000040.000100", files=[not_a_recipe]))
            send(url, mention("clean my data", "1700000041.000100"))
            [refused] = answers(slack, "1700000040.000100")
            [failed] = answers(slack, "1700000041.000100")
    assert refused.text == ":warning: 'notes.txt' is not a recipe\n_Share a Data-Juicer recipe as a .yaml file._"
    assert failed.text.startswith(":warning: ") and "(503)" in failed.text and "model is loading" in failed.text
    assert "\n_check the server's logs_" in failed.text


def test_consent_in_the_thread_runs_the_recipe_and_a_run_notice_follows(make_service, slack, workspace):
    script = [*recipe_turn(), call("run_recipe", {}), "Started the full run."]
    with FakeOpenAIServer(script) as llm:
        service = make_service(llm.chat_model(), mode="agent")
        with bot_server(service, slack) as url:
            send(url, mention("drop short docs and duplicates", "1700000050.000100"))
            answers(slack, "1700000050.000100")
            send(url, mention("run it", "1700000051.000100", thread_ts="1700000050.000100"))
            notice = slack.wait_for(lambda s: [m for m in s.messages(thread_ts="1700000050.000100")
                                               if "finished" in m.text], what="the run notice")[0]
            sid = slack.uploads()[0].filename.removesuffix(".yaml")
            [run] = service.store.runs(sid)
            state = service.ctx.runs.get(run.run_id)
    record = json.loads((workspace / state.record_path).read_text())
    assert state.status == "ok" and record["rows_out"] == state.rows_out > 0
    assert notice.text.startswith(f":white_check_mark: run `{run.run_id}` finished: status *ok*")
    assert f"{record['rows_in']:,} rows in, {record['rows_out']:,} out" in notice.text
    assert "outputs/web/web.jsonl" in notice.text and (workspace / "outputs" / "web").is_dir()
    assert service.store.runs(sid)[0].status == "ok"
    assert service.store.get(sid).state["slack"]["awaiting_run"] is False


def test_retries_and_the_bots_own_messages_are_not_answered(make_service, slack):
    with FakeOpenAIServer(["First answer.", "Second answer."]) as llm:
        service = make_service(llm.chat_model(), mode="agent")
        with bot_server(service, slack) as url:
            event = mention("hello", "1700000060.000100")
            send(url, event)
            answers(slack, "1700000060.000100")
            send(url, event, retry_num=1)  # http_timeout: the first delivery is being answered
            send(url, event, retry_num=2, retry_reason="http_error")  # same event id: answered already
            send(url, {"type": "message", "channel_type": "im", "user": "UCOPILOT", "bot_id": "BCOPILOT",
                       "text": "my own words", "channel": "D3", "ts": "1700000061.000100"})
            send(url, mention("and again", "1700000062.000100", thread_ts="1700000060.000100"))
            answers(slack, "1700000060.000100", 2)
        thread = [m.text for m in slack.messages(thread_ts="1700000060.000100")]
    assert thread == ["First answer.", "Second answer."]
    assert len(llm.chat_requests) == 2 and not slack.messages(channel="D3")


def test_serve_refuses_a_port_in_use_and_create_app_a_bad_token(make_service, slack):
    service = make_service(object(), mode="agent")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=rf"port {port} on 127.0.0.1 is already in use.*--port"):
            serve(service, host="127.0.0.1", port=port, bot_token=slack.bot_token, signing_secret=SECRET,
                  api_url=slack.api_url)
    with pytest.raises(ServeError, match=r"invalid_auth.*SLACK_BOT_TOKEN"):
        create_app(service, bot_token="xoxb-wrong", signing_secret=SECRET, api_url=slack.api_url)


def test_copilot_serve_slack_as_a_user_starts_it(workspace, tmp_path, slack):
    """The real command, configured by its environment variables, answers a mention and stops on Ctrl+C."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from recipe_copilot.copilot.serve import bind

    with bind("127.0.0.1", 0) as probe:
        port = probe.getsockname()[1]
    with FakeOpenAIServer(["I build data recipes; which dataset?"]) as llm:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COPILOT_", "OPENAI_", "SLACK_"))}
        env.update(COPILOT_WORKSPACE=str(workspace), COPILOT_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path),
                   COPILOT_LLM_BASE_URL=llm.base_url, COPILOT_LLM_MODEL=llm.model, SLACK_BOT_TOKEN=slack.bot_token,
                   SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.api_url)
        bot = subprocess.Popen([sys.executable, "-m", "recipe_copilot", "serve", "slack", "--host", "127.0.0.1",
                                "--port", str(port)], cwd=workspace, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        try:
            url = f"http://127.0.0.1:{port}/slack/events"
            deadline = time.monotonic() + 60
            while True:
                assert bot.poll() is None, bot.stdout.read()
                try:
                    status, body = post_event(url, url_verification("ready"), signing_secret=SECRET)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the bot did not start"
                    time.sleep(0.2)
            assert status == 200 and json.loads(body)["challenge"] == "ready"
            send(url, mention("hello", "1700000090.000100"))
            [answer] = answers(slack, "1700000090.000100")
        finally:
            bot.send_signal(signal.SIGINT)
            out, _ = bot.communicate(timeout=30)
    assert answer.text.startswith("I build data recipes")
    assert bot.returncode == 0 and "Traceback" not in out and f"127.0.0.1:{port}/slack/events" in out

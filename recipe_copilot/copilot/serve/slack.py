"""The Slack bot: one Slack thread is one copilot session, answered in the thread (slack-bolt, HTTP events).

A mention of the bot (``app_mention``) or a direct message (``message.im``) starts or continues
the session of its thread; the map from (channel, thread_ts) to the session id lives in
``slack_threads.sqlite3`` beside the session store, so a restarted bot keeps its threads. The
bot posts "working..." at once, runs the turn, and updates that message with the answer and one
dry-run line per op; a changed recipe is uploaded to the thread as YAML. A ``.yaml`` recipe shared
in the message is saved to ``recipes/slack/`` in the workspace and the session starts from it.
When a full run awaits consent, "run it" / "yes" in the thread runs the turn with ``confirm=True``
and a notice follows in the thread when the background run ends.

Example:
    >>> app = create_app(CopilotService(), bot_token="xoxb-...", signing_secret="...")  # doctest: +SKIP
    >>> make_server(app, host="127.0.0.1", port=3000).serve_forever()  # doctest: +SKIP
"""

from __future__ import annotations

import html
import logging
import re
import sqlite3
import threading
import urllib.request
from collections import OrderedDict
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import yaml
from pydantic import BaseModel, ConfigDict, Field
from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from recipe_copilot.copilot.agent import CopilotService
from recipe_copilot.copilot.events import DryRunDone, ErrorEvent, FinalAnswer, RecipeUpdated
from recipe_copilot.copilot.serve import ServeError, listen_error, one_line
from recipe_copilot.tools.runmanager import RunState

__all__ = ["SlackFile", "SlackMessage", "ThreadMap", "create_app", "make_server", "serve"]

log = logging.getLogger(__name__)
#: characters of a dry-run example shown in a thread
_EXAMPLE_CHARS = 90

_CONSENT = re.compile(r"^(yes|y|yep|ok|okay|sure|go|go ahead|run|run it|do it|confirm(ed)?)[.! ]*$", re.IGNORECASE)
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_MAX_RECIPE_BYTES = 1_000_000
_MAX_TEXT = 39_000  # Slack cuts messages at 40,000 characters
_CONSENT_HINT = ("A full run is ready. Reply *run it* (or *yes*) in this thread to run it on the whole dataset; "
                 "I'll post here when it ends.")


class SlackFile(BaseModel):
    """A file attached to a Slack message (the fields the bot reads)."""

    model_config = ConfigDict(extra="ignore")
    id: str
    name: str = ""
    filetype: str = ""
    size: int = 0
    url_private: str = ""
    url_private_download: str = ""


class SlackMessage(BaseModel):
    """An ``app_mention`` or ``message`` event (the fields the bot reads)."""

    model_config = ConfigDict(extra="ignore")
    type: str
    channel: str
    ts: str
    user: str | None = None
    text: str = ""
    thread_ts: str | None = None
    bot_id: str | None = None
    subtype: str | None = None
    channel_type: str | None = None
    files: list[SlackFile] = Field(default_factory=list)


class _Refused(ValueError):
    """A message the bot cannot act on; the message and the hint go to the thread."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


class ThreadMap:
    """(channel, thread_ts) -> session id, in a small SQLite table (``":memory:"`` keeps it in memory).

    Example:
        >>> threads = ThreadMap(":memory:")
        >>> threads.set("C1", "1700000000.000100", "s-0123456789")
        >>> threads.get("C1", "1700000000.000100")
        's-0123456789'
    """

    def __init__(self, path: str | Path) -> None:
        """Open (and create) the table."""
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        with self._lock, self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS slack_threads (channel TEXT NOT NULL, thread_ts TEXT NOT NULL,"
                             " session_id TEXT NOT NULL, PRIMARY KEY (channel, thread_ts))")

    def get(self, channel: str, thread_ts: str) -> str | None:
        """The session of a thread, or None."""
        with self._lock:
            row = self._db.execute("SELECT session_id FROM slack_threads WHERE channel = ? AND thread_ts = ?",
                                   (channel, thread_ts)).fetchone()
        return None if row is None else str(row[0])

    def set(self, channel: str, thread_ts: str, session_id: str) -> None:
        """Bind a thread to a session."""
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO slack_threads VALUES (?, ?, ?)", (channel, thread_ts, session_id))


class _Bot:
    """The event handler: turns a Slack message into a copilot turn answered in its thread."""

    def __init__(self, service: CopilotService, bot_token: str) -> None:
        self.service = service
        self.token = bot_token
        store_path = service.store.path
        self.threads = ThreadMap(store_path if store_path == ":memory:" else Path(store_path).with_name(
            "slack_threads.sqlite3"))
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def on_event(self, body: dict[str, Any], request: BoltRequest, client: WebClient, context: BoltContext) -> None:
        """Answer an ``app_mention`` or ``message`` event (bolt has acked it already)."""
        msg = SlackMessage.model_validate(body["event"])
        reason = (request.headers.get("x-slack-retry-reason") or [""])[0]
        if reason == "http_timeout" or not self._first_delivery(str(body.get("event_id") or f"{msg.channel}:{msg.ts}")):
            return  # the first delivery is being answered
        if self._ignored(msg, context.bot_user_id):
            return
        thread = (msg.channel, msg.thread_ts or msg.ts)
        with self._guard:
            lock = self._locks.setdefault(thread, threading.Lock())
        with lock:
            self._answer(client, msg, thread)

    def _first_delivery(self, key: str) -> bool:
        with self._guard:
            if key in self._seen:
                return False
            self._seen[key] = None
            while len(self._seen) > 2000:
                self._seen.popitem(last=False)
        return True

    def _ignored(self, msg: SlackMessage, bot_user_id: str | None) -> bool:
        """Bots (this one included), edits and joins; channel messages outside our threads or mentioning us."""
        if msg.bot_id or msg.user in (None, bot_user_id) or msg.subtype not in (None, "file_share"):
            return True
        if msg.type == "message" and msg.channel_type != "im":  # only with message.channels subscribed
            return (f"<@{bot_user_id}>" in msg.text or msg.thread_ts is None
                    or self.threads.get(msg.channel, msg.thread_ts) is None)
        return False

    def _answer(self, client: WebClient, msg: SlackMessage, thread: tuple[str, str]) -> None:
        channel, thread_ts = thread
        working = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=":hourglass_flowing_sand: working...")
        upload: tuple[str, str] | None = None
        try:
            text, upload = self._turn(client, msg, thread)
        except _Refused as exc:
            text = _error_text(str(exc), exc.hint)
        except Exception as exc:  # a defect must not kill the bot: say so in the thread, keep the traceback in the log
            log.exception("answering %s in %s failed", thread_ts, channel)
            text = _error_text(f"{type(exc).__name__}: {exc}", "This is a bug in recipe-copilot; the bot's log has "
                               "the traceback.")
        client.chat_update(channel=channel, ts=working["ts"], text=text[:_MAX_TEXT])
        if upload is not None:
            try:
                client.files_upload_v2(channel=channel, thread_ts=thread_ts, filename=upload[0], title=upload[0],
                                       content=upload[1])
            except SlackApiError as exc:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=_error_text(
                    f"could not upload the recipe: {exc.response.get('error')}",
                    "Add the files:write scope to the Slack app and reinstall it."))

    def _turn(self, client: WebClient, msg: SlackMessage, thread: tuple[str, str]) -> tuple[str, tuple[str, str] | None]:
        """Run the copilot turn; returns the answer text and the (filename, YAML) to upload, if the recipe changed."""
        store = self.service.store
        sid = self.threads.get(*thread)
        sid = sid if sid and store.exists(sid) else None
        recipe = self._download(msg.files[0]) if msg.files else None
        text = html.unescape(_MENTION.sub("", msg.text)).strip()
        if recipe is not None:
            text = text or f"Start from the recipe {self.service.workspace_path(recipe)}."
        if not text:
            problem = "the message has no request"
            raise _Refused(problem, "Say what the recipe should do, e.g. \"drop short documents "
                           "and exact duplicates in data/web.jsonl\", or share a .yaml recipe.")
        awaiting = bool(sid and store.get(sid).state.get("slack", {}).get("awaiting_run"))
        confirm = awaiting and _CONSENT.match(text) is not None
        before = {r.run_id for r in store.runs(sid)} if sid else set()
        updated: RecipeUpdated | None = None
        dry: DryRunDone | None = None
        final: FinalAnswer | None = None
        error: ErrorEvent | None = None
        for event in self.service.ask(sid, text, recipe=recipe, confirm=confirm):
            if sid is None and event.session_id:
                sid = event.session_id
                self.threads.set(*thread, sid)
            if isinstance(event, RecipeUpdated):
                updated = event
            elif isinstance(event, DryRunDone):
                dry = event
            elif isinstance(event, FinalAnswer):
                final = event
            elif isinstance(event, ErrorEvent):
                error = event
        if sid is not None:
            store.update(sid, state={"slack": {"channel": thread[0], "thread_ts": thread[1],
                                               "awaiting_run": bool(final and final.needs_confirmation)}})
            for run in store.runs(sid):
                if run.run_id not in before:
                    self._watch(client, thread, run.run_id)
        answer = _answer_text(final, error, dry, updated)
        return answer, (f"{sid}.yaml", updated.yaml) if updated is not None and sid else None

    def _download(self, file: SlackFile) -> Path:
        """Save a shared recipe under ``recipes/slack/`` in the workspace; returns its path."""
        if not (file.name.lower().endswith((".yaml", ".yml")) or file.filetype == "yaml"):
            problem = f"{file.name!r} is not a recipe"
            raise _Refused(problem, "Share a Data-Juicer recipe as a .yaml file.")
        if file.size > _MAX_RECIPE_BYTES:
            problem = f"{file.name!r} is {file.size:,} bytes, too big for a recipe"
            raise _Refused(problem, f"Share a recipe under {_MAX_RECIPE_BYTES:,} bytes.")
        url = file.url_private_download or file.url_private
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                kind, data = response.headers.get_content_type(), response.read(_MAX_RECIPE_BYTES + 1)
        except OSError as exc:  # URLError, HTTPError, timeouts
            problem = f"could not download {file.name!r} from Slack: {exc}"
            raise _Refused(problem, "Share the file again.") from exc
        if kind == "text/html":
            problem = f"Slack answered a sign-in page instead of {file.name!r}"
            raise _Refused(problem, "Add the files:read scope to the Slack app and reinstall it.")
        try:
            mapping = yaml.safe_load(data)
        except yaml.YAMLError as exc:
            problem = f"{file.name!r} is not valid YAML: {exc}"
            raise _Refused(problem, "Fix the file and share it again.") from exc
        if not isinstance(mapping, dict) or "process" not in mapping:
            problem = f"{file.name!r} is not a recipe (no `process` list)"
            raise _Refused(problem, "Share a Data-Juicer recipe YAML.")
        root = Path(self.service.ctx.workspace.root).resolve()
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(file.name).stem).strip("_") or "recipe"
        path = (root / "recipes" / "slack" / f"{stem}-{re.sub(r'[^A-Za-z0-9]', '', file.id)}.yaml").resolve()
        if not path.is_relative_to(root):  # the name is cleaned above; this guards the guard
            problem = f"{file.name!r} would be saved outside the workspace"
            raise _Refused(problem, "Rename the file and share it again.")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def _watch(self, client: WebClient, thread: tuple[str, str], run_id: str) -> None:
        """Post a notice in the thread when the background run ``run_id`` ends."""

        def wait() -> None:
            try:
                text = _run_notice(self.service.ctx.runs.wait(run_id))
            except Exception as exc:  # the thread must hear of it either way
                log.exception("following run %s failed", run_id)
                text = _error_text(f"lost track of run {run_id}: {exc}", "Ask me for its run_status in this thread.")
            client.chat_postMessage(channel=thread[0], thread_ts=thread[1], text=text)

        threading.Thread(target=wait, name=f"slack-watch-{run_id}", daemon=True).start()


def _error_text(message: str, hint: str) -> str:
    return f":warning: {message}" + (f"\n_{hint}_" if hint else "")


def _answer_text(final: FinalAnswer | None, error: ErrorEvent | None, dry: DryRunDone | None,
                 updated: RecipeUpdated | None) -> str:
    """The thread message of one turn: the answer, the dry run per op, the recipe file, the consent hint."""
    parts = [_error_text(error.message, error.hint)] if error is not None else []
    if final is not None and final.text:
        parts.append(final.text)
    if dry is not None:
        parts.append(f"*dry run*: {dry.rows_in:,} rows in, {dry.rows_out:,} out ({dry.kept_ratio:.0%} kept)")
        for op in dry.ops:
            parts.append(f"• `{op.name}`: {op.rows_in:,} → {op.rows_out:,} ({op.kept_ratio:.0%} kept)")
            example = next((e for e in dry.examples if e.op == op.name and e.verdict != "kept"), None)
            if example is not None:  # one sample shows what the op does better than a count
                shown = one_line(example.text.replace("`", "'"), _EXAMPLE_CHARS)  # a backtick would end the span
                parts.append(f"    _{example.verdict}, e.g._ `{shown}`")
    if updated is not None:
        parts.append(f"The recipe (version {updated.version}) is attached below as YAML.")
    if final is not None and final.needs_confirmation:
        parts.append(_CONSENT_HINT)
    return "\n".join(parts) or "(no answer)"


def _run_notice(state: RunState) -> str:
    """The thread message when a background run ends."""
    if state.status == "ok":
        quarantined = f", {state.errors:,} quarantined" if state.errors else ""
        return (f":white_check_mark: run `{state.run_id}` finished: status *ok*, {state.rows_in:,} rows in, "
                f"{state.rows_out:,} out{quarantined} in {state.elapsed:.1f}s; output: {', '.join(state.outputs)}")
    if state.error is not None:
        return _error_text(f"run `{state.run_id}` {state.status}: {state.error.message}", state.error.hint)
    return _error_text(f"run `{state.run_id}` {state.status}", state.notes[-1] if state.notes else "")


def create_app(service: CopilotService, *, bot_token: str, signing_secret: str, api_url: str | None = None) -> App:
    """The bolt app answering mentions and DMs with ``service`` (checks the token with ``auth.test``).

    Args:
        service: the copilot service.
        bot_token: the app's bot token (``xoxb-...``).
        signing_secret: the app's signing secret (requests with a bad signature get 401).
        api_url: the Slack Web API base URL (default ``https://slack.com/api/``).

    Raises:
        ServeError: Slack did not accept the token, or could not be reached.
    """
    client = WebClient(token=bot_token, base_url=(api_url or "https://slack.com/api/").rstrip("/") + "/")
    try:
        app = App(client=client, signing_secret=signing_secret)
    except (BoltError, SlackApiError, OSError) as exc:
        msg = (f"the Slack Web API at {client.base_url} did not accept the bot token: {exc}; check SLACK_BOT_TOKEN "
               "(the app's xoxb- Bot User OAuth Token) and that the app is installed in the workspace")
        raise ServeError(msg) from exc
    bot = _Bot(service, bot_token)
    app.event("app_mention")(bot.on_event)
    app.event("message")(bot.on_event)
    return app


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def make_server(app: App | None, *, host: str, port: int) -> WSGIServer:
    """A threaded HTTP server serving ``app`` at ``/slack/events`` (``port=0``: a free one; call serve_forever).

    Raises:
        ServeError: the address cannot be bound (the port is in use...).
    """
    try:
        server = _Server((host, port), _Quiet)
    except OSError as exc:
        raise listen_error(host, port, exc) from None
    if app is not None:
        server.set_app(SlackRequestHandler(app))
    return server


def serve(service: CopilotService, *, host: str, port: int, bot_token: str, signing_secret: str,
          api_url: str | None = None) -> None:
    """Serve the Slack bot at ``http://host:port/slack/events`` until Ctrl-C.

    Raises:
        ServeError: the port is in use, or Slack refused the token.
    """
    server = make_server(None, host=host, port=port)
    try:
        server.set_app(SlackRequestHandler(create_app(service, bot_token=bot_token, signing_secret=signing_secret,
                                                      api_url=api_url)))
        print(f"copilot Slack bot: Slack's request URL is http://{host}:{server.server_port}/slack/events "
              "(behind your public https address); Ctrl-C stops", flush=True)
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

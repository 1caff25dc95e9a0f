"""A local stand-in for the Slack Web API on 127.0.0.1, for tests and demos of the Slack bot that must not reach Slack.

It speaks the part of the Web API the bot uses: ``auth.test``, ``chat.postMessage``,
``chat.update``, the file upload of ``files_upload_v2`` (``files.getUploadURLExternal``, the
upload URL it hands out, ``files.completeUploadExternal``) and user files at their
``url_private`` (bearer token checked; without it Slack answers a sign-in page, and so does
this server). Every call is recorded, so a test can assert on the messages the bot posted and
the files it uploaded. :func:`post_event` plays Slack's side of the Events API: it signs a
request (v0 HMAC-SHA256 with the signing secret) and POSTs it to the bot.

Only the standard library is used: ``http.server`` in a background thread.

Example:
    >>> with FakeSlackServer() as slack:  # doctest: +SKIP
    ...     WebClient(token=slack.bot_token, base_url=slack.api_url).chat_postMessage(channel="C1", text="hi")
    ...     slack.messages()[0].text
    'hi'
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote

__all__ = [
    "FakeSlackServer",
    "PostedMessage",
    "SlackCall",
    "UploadedFile",
    "event_callback",
    "post_event",
    "sign",
    "url_verification",
]

T = TypeVar("T")

_SIGN_IN_PAGE = b"<!DOCTYPE html><html><head><title>Sign in to Slack</title></head><body>Sign in</body></html>"


@dataclass
class SlackCall:
    """A Web API call the server received.

    Args:
        method: the API method, e.g. ``chat.postMessage``.
        params: the arguments (query, form or JSON body merged).
        authorised: whether the bearer token was the bot token.
    """

    method: str
    params: dict[str, Any]
    authorised: bool


@dataclass
class PostedMessage:
    """A message the bot posted, with its current text (after any ``chat.update``).

    Args:
        channel: the channel id.
        ts: the message's timestamp id.
        text: the current text.
        thread_ts: the thread it was posted in (None: top level).
        history: every text it had, oldest first.
    """

    channel: str
    ts: str
    text: str
    thread_ts: str | None = None
    history: list[str] = field(default_factory=list)


@dataclass
class UploadedFile:
    """A file the bot uploaded through ``files_upload_v2``.

    Args:
        file_id: the id ``files.getUploadURLExternal`` gave.
        filename: its name.
        content: the bytes POSTed to the upload URL.
        title: its title (set on completion).
        channel: where it was shared (set on completion).
        thread_ts: the thread it was shared in.
        completed: whether ``files.completeUploadExternal`` shared it.
    """

    file_id: str
    filename: str
    content: bytes = b""
    title: str = ""
    channel: str | None = None
    thread_ts: str | None = None
    completed: bool = False


class FakeSlackServer:
    """A fake Slack Web API in a background thread, on a free local port.

    Args:
        bot_token: the token the bot must send (``Authorization: Bearer ...``).
        bot_user_id: the bot's user id (``auth.test``).
        bot_id: the bot's bot id (``auth.test``).
        team_id: the workspace id.
        host: the address to bind (keep the loopback default in tests).

    Attributes:
        calls: every Web API call, in order.
    """

    def __init__(self, *, bot_token: str = "xoxb-fake-token", bot_user_id: str = "UCOPILOT",
                 bot_id: str = "BCOPILOT", team_id: str = "TFAKE", host: str = "127.0.0.1") -> None:
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.calls: list[SlackCall] = []
        self._messages: list[PostedMessage] = []
        self._uploads: dict[str, UploadedFile] = {}
        self._user_files: dict[str, tuple[str, bytes]] = {}
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        self._host = host
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeSlackServer:
        """Bind a free port and serve in a daemon thread; returns self."""
        if self._httpd is None:
            handler = type("_BoundHandler", (_Handler,), {"owner": self})
            self._httpd = ThreadingHTTPServer((self._host, 0), handler)
            self._httpd.daemon_threads = True
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="fake-slack-server", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (safe to call twice)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd = self._thread = None

    def __enter__(self) -> FakeSlackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``.

        Raises:
            RuntimeError: the server is not started.
        """
        if self._httpd is None:
            msg = "the fake Slack server is not started; use `with FakeSlackServer() as slack:` or call start()"
            raise RuntimeError(msg)
        return f"http://{self._host}:{self._httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        """The Web API base URL a ``WebClient`` takes (``base_url=``), ending in ``/api/``."""
        return f"{self.base_url}/api/"

    # -- what tests use ----------------------------------------------------------------------------

    def add_file(self, name: str, content: str | bytes, *, filetype: str = "yaml") -> dict[str, Any]:
        """Store a file as if a user had shared it; returns its Slack file object (for an event's ``files``).

        Args:
            name: the file name, e.g. ``my_recipe.yaml``.
            content: its content.
            filetype: Slack's file type.
        """
        data = content.encode() if isinstance(content, str) else content
        file_id = f"F{next(self._ids):08d}"
        with self._changed:
            self._user_files[file_id] = (name, data)
        url = f"{self.base_url}/files-pri/{self.team_id}-{file_id}/{quote(name)}"
        return {"id": file_id, "name": name, "title": name, "filetype": filetype, "mimetype": "text/plain",
                "size": len(data), "url_private": url, "url_private_download": f"{url}?download=1"}

    def messages(self, channel: str | None = None, thread_ts: str | None = None) -> list[PostedMessage]:
        """The messages posted, oldest first (only a channel's, and only a thread's, when given)."""
        with self._changed:
            return [m for m in self._messages if (channel is None or m.channel == channel)
                    and (thread_ts is None or m.thread_ts == thread_ts)]

    def uploads(self, *, completed: bool = True) -> list[UploadedFile]:
        """The uploaded files, oldest first (only those shared by ``files.completeUploadExternal`` by default)."""
        with self._changed:
            return [u for u in self._uploads.values() if u.completed or not completed]

    def calls_to(self, method: str) -> list[SlackCall]:
        """The calls of one API method, e.g. ``chat.postMessage``."""
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, check: Callable[[FakeSlackServer], T], *, timeout: float = 20.0, what: str = "") -> T:
        """Wait until ``check(self)`` gives something truthy after a recorded call, and return it.

        Args:
            check: a function of this server, e.g. ``lambda s: s.messages(thread_ts=ts)``.
            timeout: seconds to wait.
            what: what is awaited, for the error message.

        Raises:
            AssertionError: ``timeout`` passed first (the message lists the calls received).
        """
        deadline = time.monotonic() + timeout
        while True:
            result = check(self)
            if result:
                return result
            left = deadline - time.monotonic()
            if left <= 0:
                seen = [(c.method, {k: str(v)[:80] for k, v in c.params.items()}) for c in self.calls]
                msg = f"timed out after {timeout}s waiting for {what or check}; Slack calls so far: {seen}"
                raise AssertionError(msg)
            with self._changed:
                self._changed.wait(min(left, 0.5))

    # -- the API -------------------------------------------------------------------------------------

    def _api(self, method: str, params: dict[str, Any], authorised: bool) -> dict[str, Any]:
        """Answer one Web API call (under the lock) and record it."""
        self.calls.append(SlackCall(method, params, authorised))
        if not authorised:
            return {"ok": False, "error": "invalid_auth"}
        handler = _METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method", "req_method": method}
        return handler(self, params)

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"{self.base_url}/", "team": "Fake", "user": "copilot", "team_id": self.team_id,
                "user_id": self.bot_user_id, "bot_id": self.bot_id, "is_enterprise_install": False}

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        n = next(self._ids)
        text = str(params.get("text") or "")
        message = PostedMessage(channel=str(params["channel"]), ts=f"{1_700_000_000 + n}.{n:06d}", text=text,
                                thread_ts=params.get("thread_ts") or None, history=[text])
        self._messages.append(message)
        return {"ok": True, "channel": message.channel, "ts": message.ts,
                "message": {"type": "message", "text": text, "user": self.bot_user_id, "bot_id": self.bot_id,
                            "ts": message.ts, "thread_ts": message.thread_ts}}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        found = [m for m in self._messages if m.channel == params.get("channel") and m.ts == params.get("ts")]
        if not found:
            return {"ok": False, "error": "message_not_found"}
        found[0].text = str(params.get("text") or "")
        found[0].history.append(found[0].text)
        return {"ok": True, "channel": found[0].channel, "ts": found[0].ts, "text": found[0].text}

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("filename") or not str(params.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):08d}"
        self._uploads[file_id] = UploadedFile(file_id=file_id, filename=str(params["filename"]))
        return {"ok": True, "upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            files = json.loads(params.get("files") or "[]")
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        shared = []
        for item in files:
            upload = self._uploads.get(item.get("id", ""))
            if upload is None or not upload.content:
                return {"ok": False, "error": "file_upload_not_found"}
            upload.title = item.get("title") or upload.filename
            upload.channel, upload.thread_ts = params.get("channel_id"), params.get("thread_ts")
            upload.completed = True
            shared.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
        return {"ok": True, "files": shared}


_METHODS: dict[str, Callable[[FakeSlackServer, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": FakeSlackServer._auth_test,
    "chat.postMessage": FakeSlackServer._post_message,
    "chat.update": FakeSlackServer._update,
    "files.getUploadURLExternal": FakeSlackServer._upload_url,
    "files.completeUploadExternal": FakeSlackServer._complete_upload,
}


class _Handler(BaseHTTPRequestHandler):
    """Serves one request of a :class:`FakeSlackServer` (bound to it through ``owner``)."""

    owner: FakeSlackServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave as written, not held back for the peer's delayed ACK

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if not path.startswith("/files-pri/"):
            self._send(404, b"not found", "text/plain")
            return
        file_id = path.split("/")[2].split("-", 1)[-1]
        owner = self.owner
        with owner._changed:
            found = owner._user_files.get(file_id)
        if found is None:
            self._send(404, b"file_not_found", "text/plain")
        elif self.headers.get("Authorization") != f"Bearer {owner.bot_token}":
            self._send(200, _SIGN_IN_PAGE, "text/html; charset=utf-8")  # as Slack does
        else:
            self._send(200, found[1], "application/octet-stream")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        owner = self.owner
        if path.startswith("/upload/v1/"):
            with owner._changed:
                upload = owner._uploads.get(path.rsplit("/", 1)[-1])
                if upload is not None:
                    upload.content = raw
                owner._changed.notify_all()
            self._send(200 if upload else 404, b"OK" if upload else b"not found", "text/plain")
            return
        if not path.startswith("/api/"):
            self._send(404, b"not found", "text/plain")
            return
        params: dict[str, Any] = dict(parse_qsl(query))
        if "json" in (self.headers.get("Content-Type") or ""):
            body = json.loads(raw or b"{}")
            params.update(body if isinstance(body, dict) else {})
        else:
            params.update(parse_qsl(raw.decode()))
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ") or params.pop("token", "")
        with owner._changed:
            answer = owner._api(path.removeprefix("/api/"), params, token == owner.bot_token)
            owner._changed.notify_all()
        self._send(200, json.dumps(answer).encode(), "application/json; charset=utf-8")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


# -- Slack's side of the Events API ------------------------------------------------------------------


def sign(signing_secret: str, timestamp: str, body: str) -> str:
    """The ``X-Slack-Signature`` of a request: ``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``.

    Example:
        >>> sign("secret", "1700000000", "{}")[:3]
        'v0='
    """
    digest = hmac.new(signing_secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def event_callback(event: dict[str, Any], *, event_id: str | None = None, team_id: str = "TFAKE",
                   api_app_id: str = "AFAKE") -> dict[str, Any]:
    """The Events API envelope Slack POSTs for one event (``type: event_callback``).

    Args:
        event: the inner event, e.g. ``{"type": "app_mention", "user": "U1", "text": "<@UCOPILOT> hi",
            "channel": "C1", "ts": "1.0"}``.
        event_id: its id (default: one made from the event's ts); a retry carries the same id.
        team_id: the workspace id.
        api_app_id: the app id.
    """
    ts = str(event.get("ts") or event.get("event_ts") or time.time())
    event = {"event_ts": ts, **event}
    return {"token": "unused", "team_id": team_id, "api_app_id": api_app_id, "event": event,
            "type": "event_callback", "event_id": event_id or f"Ev{ts.replace('.', '')}",
            "event_time": int(float(ts)), "authorizations": [{"team_id": team_id, "user_id": "UCOPILOT",
                                                              "is_bot": True, "is_enterprise_install": False}]}


def url_verification(challenge: str = "challenge-token") -> dict[str, Any]:
    """The payload Slack sends when a request URL is set: the app must answer ``challenge``."""
    return {"token": "unused", "challenge": challenge, "type": "url_verification"}


def post_event(url: str, payload: dict[str, Any], *, signing_secret: str, retry_num: int | None = None,
               retry_reason: str = "http_timeout", timestamp: int | None = None) -> tuple[int, str]:
    """POST a signed Events API request to the bot at ``url``, as Slack does; returns (status, body).

    Args:
        url: the bot's request URL, e.g. ``http://127.0.0.1:3000/slack/events``.
        payload: the JSON payload (:func:`event_callback`, :func:`url_verification`).
        signing_secret: the secret to sign with (a wrong one makes a badly signed request).
        retry_num: set ``X-Slack-Retry-Num`` (and ``X-Slack-Retry-Reason``), as Slack's retries do.
        retry_reason: the retry reason header.
        timestamp: the request timestamp (default: now; Slack apps refuse ones over 5 minutes old).
    """
    body = json.dumps(payload)
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": sign(signing_secret, stamp, body)}
    if retry_num is not None:
        headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason})
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()

"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests and demos that must not reach the network.

It speaks the parts of the OpenAI protocol that chat clients use: ``POST /v1/chat/completions``
(plain JSON, or server-sent events when ``"stream": true``, with content and tool-call deltas)
and ``GET /v1/models``. Each request takes the next step of a script, or asks a function of the
request, and the server records every request so a test can assert what the client sent.

Only the standard library is used: ``http.server`` in a background thread.

Example:
    >>> from langchain_openai import ChatOpenAI  # doctest: +SKIP
    >>> script = [FakeReply(tool_calls=[FakeToolCall("search_ops", {"query": "dedup"})]), "Use the MinHash op."]
    >>> with FakeOpenAIServer(script) as server:  # doctest: +SKIP
    ...     llm = ChatOpenAI(base_url=server.base_url, api_key="x", model=server.model)
    ...     llm.invoke("which op removes near-duplicates?").tool_calls[0]["name"]
    'search_ops'
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "FakeError",
    "FakeOpenAIServer",
    "FakeReply",
    "FakeToolCall",
    "RecordedRequest",
    "ScriptStep",
]


@dataclass(frozen=True)
class FakeToolCall:
    """One tool call in a scripted reply.

    Args:
        name: the tool's name.
        arguments: the arguments; a dict is sent as JSON, a str is sent as it is (so a test can
            send malformed JSON).
        id: the call id; default ``call_<n>``, numbered by the server.
    """

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def arguments_json(self) -> str:
        """The arguments as the wire carries them: a JSON string."""
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass(frozen=True)
class FakeReply:
    """One scripted assistant message.

    Args:
        content: the text (None when the reply is only tool calls).
        tool_calls: tool calls the assistant makes.
        finish_reason: default ``"tool_calls"`` when there are tool calls, else ``"stop"``.
        chunk_size: characters per streamed delta, for content and for tool-call arguments.
        model: the model name in the response (default: the one the request asked for).
    """

    content: str | None = None
    tool_calls: Sequence[FakeToolCall] = ()
    finish_reason: str | None = None
    chunk_size: int = 8
    model: str | None = None

    @classmethod
    def json(cls, value: Any, **kwargs: Any) -> FakeReply:
        """A reply whose content is ``value`` as JSON (a dict, a list, or a pydantic model).

        Args:
            value: what to encode; pydantic models are dumped with ``model_dump(mode="json")``.
            **kwargs: the other fields of :class:`FakeReply`.
        """
        if hasattr(value, "model_dump"):
            value = value.model_dump(mode="json")
        return cls(content=json.dumps(value), **kwargs)


@dataclass(frozen=True)
class FakeError:
    """A scripted error response, in OpenAI's error format.

    Args:
        status: the HTTP status (e.g. 400, 401, 404, 429, 500).
        message: the error message.
        type: OpenAI's error ``type`` field.
    """

    status: int = 500
    message: str = "scripted failure"
    type: str = "server_error"


@dataclass
class RecordedRequest:
    """A request the server received.

    Args:
        method: ``GET`` or ``POST``.
        path: the request path, e.g. ``/v1/chat/completions``.
        headers: the headers, names lower-cased.
        body: the decoded JSON body (None for a GET or a body that is not JSON).
    """

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages the client sent (empty when none)."""
        return list((self.body or {}).get("messages", []))

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tool schemas the client sent (empty when none)."""
        return list((self.body or {}).get("tools", []))

    @property
    def tool_names(self) -> list[str]:
        """The names of the tools the client offered."""
        return [t.get("function", {}).get("name", "") for t in self.tools]

    @property
    def stream(self) -> bool:
        """Whether the client asked for a streamed response."""
        return bool((self.body or {}).get("stream"))


#: What the script may hold: text, a reply, an error, or a function of the request giving one of those.
ScriptStep = str | FakeReply | FakeError | Callable[[RecordedRequest], "str | FakeReply | FakeError"]


class FakeOpenAIServer:
    """A scripted OpenAI-compatible chat server in a background thread, on a free local port.

    Args:
        script: the replies, one per chat request in order, or one function called for every
            request. A step is text, a :class:`FakeReply`, a :class:`FakeError`, or a function of
            the :class:`RecordedRequest` returning one of those. When a list runs out, the server
            answers 500 with a message saying so.
        model: the model name listed by ``GET /v1/models``.
        api_key: when set, requests without ``Authorization: Bearer <api_key>`` get 401.
        host: the address to bind (keep the loopback default in tests).
        latency: seconds each chat reply waits before it is sent, as a busy real server would
            (0 answers at once). Requests are served on their own threads, so concurrent
            requests wait concurrently (benchmarks of concurrent clients rely on this).

    Attributes:
        requests: every request received, in order (``GET /v1/models`` included).

    Example:
        >>> with FakeOpenAIServer(["hello"]) as server:  # doctest: +SKIP
        ...     ChatOpenAI(base_url=server.base_url, api_key="x", model="m").invoke("hi").content
        'hello'
    """

    def __init__(
        self,
        script: Sequence[ScriptStep] | Callable[[RecordedRequest], str | FakeReply | FakeError],
        *,
        model: str = "fake-model",
        api_key: str | None = None,
        host: str = "127.0.0.1",
        latency: float = 0.0,
    ) -> None:
        self.model = model
        self.latency = max(0.0, float(latency))
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self._script = script
        self._position = 0
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._host = host
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeOpenAIServer:
        """Bind a free port and serve in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"server_owner": self})
        self._httpd = ThreadingHTTPServer((self._host, 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (safe to call twice)."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what tests use ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on.

        Raises:
            RuntimeError: the server is not started.
        """
        if self._httpd is None:
            msg = "the fake server is not started; use `with FakeOpenAIServer(...) as server:` or call start()"
            raise RuntimeError(msg)
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """The base URL a client takes, e.g. ``http://127.0.0.1:54321/v1``."""
        return f"http://{self._host}:{self.port}/v1"

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The ``POST /v1/chat/completions`` requests received, in order."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/chat/completions")]

    @property
    def remaining(self) -> int | None:
        """Steps of a list script not used yet (None for a function script)."""
        if callable(self._script):
            return None
        return len(self._script) - self._position

    def chat_model(self, **kwargs: Any) -> Any:
        """A ``langchain_openai.ChatOpenAI`` that talks to this server (keyword arguments override).

        Args:
            **kwargs: ``ChatOpenAI`` options, e.g. ``streaming=True`` or ``temperature=0``.
        """
        from langchain_openai import ChatOpenAI

        options: dict[str, Any] = {"base_url": self.base_url, "api_key": self.api_key or "fake-key",
                                   "model": self.model, "max_retries": 0, "timeout": 10}
        options.update(kwargs)
        return ChatOpenAI(**options)

    # -- internals used by the handler ---------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_step(self, request: RecordedRequest) -> FakeReply | FakeError:
        """The reply to ``request``: the next script step, resolved to a reply or an error."""
        with self._lock:
            if callable(self._script):
                step: Any = self._script
            elif self._position < len(self._script):
                step = self._script[self._position]
                self._position += 1
            else:
                used = len(self._script)
                return FakeError(500, f"fake server script exhausted: all {used} scripted replies were used")
        if callable(step):
            step = step(request)
        if isinstance(step, str):
            return FakeReply(content=step)
        if isinstance(step, FakeReply | FakeError):
            return step
        return FakeError(500, f"fake server script step is not a reply: {step!r}")

    def _next_id(self) -> int:
        with self._lock:
            return next(self._ids)


class _Handler(BaseHTTPRequestHandler):
    """Serves one request of a :class:`FakeOpenAIServer` (bound to it through ``server_owner``)."""

    server_owner: FakeOpenAIServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave as written, not held back for the peer's delayed ACK

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    # -- routing -----------------------------------------------------------------------------------

    def do_GET(self) -> None:
        request = self._read_request(with_body=False)
        if not self._authorised():
            return
        if request.path.rstrip("/").endswith("/models"):
            owner = self.server_owner
            self._send_json(200, {"object": "list",
                                  "data": [{"id": owner.model, "object": "model", "created": 0, "owned_by": "fake"}]})
        else:
            self._send_error(FakeError(404, f"no route for GET {request.path}", "invalid_request_error"))

    def do_POST(self) -> None:
        request = self._read_request(with_body=True)
        if not self._authorised():
            return
        if not request.path.rstrip("/").endswith("/chat/completions"):
            self._send_error(FakeError(404, f"no route for POST {request.path}", "invalid_request_error"))
            return
        if request.body is None:
            self._send_error(FakeError(400, "the request body is not a JSON object", "invalid_request_error"))
            return
        step = self.server_owner._next_step(request)
        if self.server_owner.latency:
            time.sleep(self.server_owner.latency)
        if isinstance(step, FakeError):
            self._send_error(step)
        elif request.stream:
            self._send_stream(request, step)
        else:
            self._send_json(200, self._completion(request, step))

    # -- request ------------------------------------------------------------------------------------

    def _read_request(self, *, with_body: bool) -> RecordedRequest:
        body: dict[str, Any] | None = None
        if with_body:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                decoded = json.loads(raw) if raw else None
            except ValueError:
                decoded = None
            body = decoded if isinstance(decoded, dict) else None
        request = RecordedRequest(
            method=self.command,
            path=self.path.split("?", 1)[0],
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.server_owner._record(request)
        return request

    def _authorised(self) -> bool:
        expected = self.server_owner.api_key
        if expected is None or self.headers.get("Authorization") == f"Bearer {expected}":
            return True
        self._send_error(FakeError(401, "Incorrect API key provided", "invalid_request_error"))
        return False

    # -- responses ------------------------------------------------------------------------------------

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, error: FakeError) -> None:
        self._send_json(error.status, {"error": {"message": error.message, "type": error.type, "param": None,
                                                 "code": None}})

    def _completion(self, request: RecordedRequest, reply: FakeReply) -> dict[str, Any]:
        """A non-streamed ``chat.completion`` object."""
        owner = self.server_owner
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        calls = self._calls(reply)
        if calls:
            message["tool_calls"] = [
                {"id": call_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments_json()}}
                for call_id, call in calls
            ]
        return {
            "id": f"chatcmpl-fake-{owner._next_id()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self._model_name(request, reply),
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": self._finish(reply)}],
            "usage": _usage(request, reply),
        }

    def _send_stream(self, request: RecordedRequest, reply: FakeReply) -> None:
        """Server-sent events: a role delta, content deltas, tool-call deltas, the finish, usage, ``[DONE]``."""
        owner = self.server_owner
        base = {"id": f"chatcmpl-fake-{owner._next_id()}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": self._model_name(request, reply)}

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        self._event(chunk({"role": "assistant", "content": ""}))
        for piece in _pieces(reply.content or "", reply.chunk_size):
            self._event(chunk({"content": piece}))
        for index, (call_id, call) in enumerate(self._calls(reply)):
            self._event(chunk({"tool_calls": [{"index": index, "id": call_id, "type": "function",
                                               "function": {"name": call.name, "arguments": ""}}]}))
            for piece in _pieces(call.arguments_json(), reply.chunk_size):
                self._event(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
        self._event(chunk({}, self._finish(reply)))
        if (request.body or {}).get("stream_options", {}).get("include_usage"):
            self._event({**base, "choices": [], "usage": _usage(request, reply)})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()

    def _calls(self, reply: FakeReply) -> list[tuple[str, FakeToolCall]]:
        return [(call.id or f"call_{self.server_owner._next_id()}", call) for call in reply.tool_calls]

    def _finish(self, reply: FakeReply) -> str:
        return reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")

    def _model_name(self, request: RecordedRequest, reply: FakeReply) -> str:
        return reply.model or str((request.body or {}).get("model") or self.server_owner.model)


def _pieces(text: str, size: int) -> Iterator[str]:
    """``text`` cut into pieces of ``size`` characters (none for an empty text)."""
    size = max(1, size)
    for start in range(0, len(text), size):
        yield text[start:start + size]


def _usage(request: RecordedRequest, reply: FakeReply) -> dict[str, int]:
    """Token counts, approximated by whitespace-separated words (stable, for tests)."""
    prompt = sum(len(str(m.get("content") or "").split()) for m in request.messages)
    completion = len((reply.content or "").split()) + sum(len(c.arguments_json().split()) for c in reply.tool_calls)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

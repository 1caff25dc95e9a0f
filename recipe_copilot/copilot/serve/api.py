"""The HTTP API front door: sessions and streamed turns, recipes, runs, ops, and an OpenAI-compatible chat endpoint.

A thin FastAPI layer over :class:`~recipe_copilot.copilot.agent.CopilotService`: a message
becomes one turn whose typed events (:mod:`recipe_copilot.copilot.events`) go back as
Server-Sent Events or one JSON body; runs, run states and op docs go through the typed tools
(:func:`~recipe_copilot.tools.call_tool`), so a tool's error comes back as a 4xx with its code,
message and hint. ``/v1/chat/completions`` lets any OpenAI client use the copilot as a model.
With a token, every route except ``/health`` and the OpenAPI docs needs ``Authorization: Bearer``.

Example:
    >>> app = create_app(CopilotService(), token="s3cret")  # doctest: +SKIP
    >>> serve(CopilotService(), host="127.0.0.1", port=8000, token=None)  # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from recipe_copilot import __version__
from recipe_copilot.copilot.events import ErrorEvent, Event
from recipe_copilot.copilot.serve import ServeError, bind
from recipe_copilot.copilot.sessions import Message, RunEntry, SessionInfo, SessionNotFoundError
from recipe_copilot.tools import call_tool
from recipe_copilot.tools.drafts import recipe_yaml
from recipe_copilot.tools.errors import ToolError, ToolFailure
from recipe_copilot.tools.reports import ExplainRunResult
from recipe_copilot.tools.runs import RunStateResult
from recipe_copilot.tools.search import GetOpResult, SearchOpsResult, op_info

if TYPE_CHECKING:
    from recipe_copilot.copilot.agent import CopilotService

__all__ = ["ApiError", "create_app", "serve"]

#: how often a run's progress stream looks at the run (seconds)
_PROGRESS_EVERY_S = 0.5

MODEL_ID = "recipe-copilot"
SESSION_HEADER = "X-Copilot-Session"
_STATUS = {"bad_request": 400, "unauthorized": 401, "path_outside_workspace": 403, "not_found": 404,
           "unknown_session": 404, "unknown_draft": 404, "unknown_run": 404, "unknown_op": 404, "no_recipe": 404,
           "needs_confirmation": 409, "run_busy": 409, "run_state": 409, "knowledge_unavailable": 503}
_OPENAI_TYPES = {401: "authentication_error", 404: "not_found_error", 503: "service_unavailable"}
Credentials = Annotated[HTTPAuthorizationCredentials | None,
                        Depends(HTTPBearer(auto_error=False, description="The server's token (COPILOT_API_TOKEN)."))]


class ApiError(Exception):
    """An error answered as ``{"error": {code, message, hint, type}}`` with an HTTP status (by code, default 422)."""

    def __init__(self, message: str, *, code: str, hint: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint
        self.status = status or _STATUS.get(code, 422)

    @classmethod
    def of(cls, error: ToolError) -> ApiError:
        """The API error for a tool's typed error."""
        return cls(error.message, code=error.code, hint=error.hint)

    def response(self) -> JSONResponse:
        """The JSON response (also OpenAI's error shape: ``error.message`` and ``error.type``)."""
        body = ErrorBody(code=self.code, message=self.message, hint=self.hint,
                         type=_OPENAI_TYPES.get(self.status, "invalid_request_error"))
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return JSONResponse(ErrorResponse(error=body).model_dump(), status_code=self.status, headers=headers)


# ------------------------------------------------------------------------------------ models
class ErrorBody(BaseModel):
    """What went wrong: a stable code, the message naming the bad value, and what to do."""

    code: str
    message: str
    hint: str = ""
    type: str = Field("invalid_request_error", description="OpenAI's error type, for OpenAI clients.")


class ErrorResponse(BaseModel):
    """Every error's body."""

    error: ErrorBody


_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 422)}


class SessionCreate(BaseModel):
    """A new session."""

    dataset: str | None = Field(None, description="The dataset (file, folder or glob), relative to the workspace.")
    title: str = Field("", max_length=200)


class SessionDetail(SessionInfo):
    """A session with its messages."""

    messages: list[Message] = Field(default_factory=list)
    has_recipe: bool = False


class MessageRequest(BaseModel):
    """One user message: a turn of the session."""

    message: str = Field(min_length=1, description="The user's words.")
    data: str | None = Field(None, description="A dataset to work on, relative to the workspace (remembered).")
    recipe: str | None = Field(None, description="A recipe YAML in the workspace to start the draft from.")
    confirm: bool = Field(False, description="The user consents to a full run in this turn.")
    stream: bool = Field(False, description="Answer with Server-Sent Events (also: Accept: text/event-stream).")


class TurnResponse(BaseModel):
    """Every event of a turn, and its outcome."""

    session_id: str
    events: list[Event]
    answer: str = Field("", description="The FinalAnswer's text.")
    citations: list[str] = Field(default_factory=list)
    needs_confirmation: bool = False
    error: ToolError | None = Field(None, description="Set when the turn ended with an ErrorEvent.")


class RecipeView(BaseModel):
    """A session's current recipe."""

    session_id: str
    version: int
    recipe: dict[str, Any]
    yaml: str


class RunStart(BaseModel):
    """Start a full run of the session's recipe; refused (409 needs_confirmation) without ``confirm``."""

    confirm: bool = Field(False, description="The user consents to the run.")
    max_samples: int | None = Field(None, ge=1, description="Only process the first N input samples.")


class ChatMessage(BaseModel):
    """An OpenAI chat message (text parts of list content are joined)."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text."""
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """The OpenAI ``/v1/chat/completions`` body (sampling options are accepted and ignored)."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    user: str | None = Field(None, description="A session id to continue (or the X-Copilot-Session header).")


# ------------------------------------------------------------------------------------ helpers
def _tool(service: CopilotService, name: str, args: dict[str, Any]) -> Any:
    """Call a tool; its typed error becomes an :class:`ApiError`."""
    result = call_tool(service.ctx, name, args)
    if not result.ok:
        raise ApiError.of(result.error)  # type: ignore[arg-type]
    return result


def _session(service: CopilotService, sid: str) -> SessionInfo:
    try:
        return service.store.get(sid)
    except SessionNotFoundError:
        msg = f"no session {sid!r}"
        hint = "List them with GET /api/sessions or start one with POST /api/sessions."
        raise ApiError(msg, code="unknown_session", hint=hint) from None


def _sse(events: Generator[Any, None, None], encode: Callable[[Any], list[str]], tail: str = "") -> StreamingResponse:
    """Stream a blocking iterator as SSE, one ``data:`` line per encoded item; the iterator is closed at the end."""

    async def body() -> AsyncIterator[str]:
        end = object()
        try:
            while (item := await run_in_threadpool(next, events, end)) is not end:
                for data in encode(item):
                    yield f"data: {data}\n\n"
            if tail:
                yield f"data: {tail}\n\n"
        finally:
            await run_in_threadpool(events.close)

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _outcome(events: list[Any]) -> tuple[str, Any]:
    """The answer text (FinalAnswer, or the error's message and hint) and the last event."""
    last = events[-1] if events else ErrorEvent(message="the turn ended without an answer")
    if isinstance(last, ErrorEvent):
        return f"{last.message}\n{last.hint}".strip(), last
    return getattr(last, "text", ""), last


# ------------------------------------------------------------------------------------ the app
def create_app(service: CopilotService, *, token: str | None = None) -> FastAPI:
    """The FastAPI app over ``service``.

    Args:
        service: the copilot service (sessions, tools, agent).
        token: the bearer token clients must send; None leaves the API open (loopback only, see :func:`serve`).

    Returns:
        The app; ``/health``, ``/docs`` and ``/openapi.json`` never need the token.

    Example:
        >>> uvicorn.run(create_app(service, token="s3cret"), port=8000)  # doctest: +SKIP
    """
    app = FastAPI(title="recipe-copilot API", version=__version__,
                  description="Sessions, streamed turns, recipes, runs and ops of recipe-copilot; "
                              "an OpenAI-compatible /v1/chat/completions.")
    expected = token.encode() if token else None

    def authorise(creds: Credentials) -> None:
        given = creds.credentials.encode() if creds is not None else b""
        if expected is not None and not secrets.compare_digest(given, expected):
            msg = "wrong bearer token" if creds is not None else "missing bearer token"
            hint = "Send `Authorization: Bearer <token>` with the server's token (COPILOT_API_TOKEN or --token)."
            raise ApiError(msg, code="unauthorized", hint=hint)

    deps = [Depends(authorise)] if expected is not None else []
    api = APIRouter(prefix="/api", dependencies=deps, responses=_ERRORS)
    v1 = APIRouter(prefix="/v1", dependencies=deps, tags=["openai"], responses=_ERRORS)

    @app.exception_handler(ApiError)
    @app.exception_handler(ToolFailure)
    async def _error(_: Request, exc: ApiError | ToolFailure) -> JSONResponse:
        return (exc if isinstance(exc, ApiError) else ApiError.of(exc.to_error())).response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        status = 400 if request.url.path.startswith("/v1/") else 422
        return ApiError(f"invalid request: {problems}", code="bad_request", hint="See the schema at /docs.",
                        status=status).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return ApiError(str(exc.detail), code="http_error", hint="See the routes at /docs.",
                        status=exc.status_code).response()

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness: always open, no token needed."""
        return {"status": "ok", "version": __version__, "mode": service.mode}

    # -- sessions and turns ------------------------------------------------------------------
    @api.post("/sessions", response_model=SessionInfo, status_code=201, tags=["sessions"])
    def create_session(body: SessionCreate) -> SessionInfo:
        """Start a session, optionally on a dataset of the workspace."""
        dataset = None
        if body.dataset:
            dataset = service.ctx.workspace.relative(service.ctx.workspace.resolve_pattern(body.dataset, must_exist=True))
        return service.store.create(dataset=dataset, title=body.title)

    @api.get("/sessions", response_model=list[SessionInfo], tags=["sessions"])
    def list_sessions(limit: int = Query(50, ge=1, le=1000)) -> list[SessionInfo]:
        """The most recently updated sessions, newest first."""
        return service.store.list(limit)

    @api.get("/sessions/{sid}", response_model=SessionDetail, tags=["sessions"])
    def get_session(sid: str) -> SessionDetail:
        """A session with its messages."""
        info = _session(service, sid)
        return SessionDetail(**info.model_dump(), messages=service.store.messages(sid),
                             has_recipe=service.draft(sid) is not None)

    @api.post("/sessions/{sid}/messages", response_model=TurnResponse, tags=["sessions"],
              responses={200: {"content": {"text/event-stream": {}},
                               "description": "The turn; as SSE, one `data: <event json>` per event."}})
    def post_message(sid: str, body: MessageRequest, request: Request) -> Any:
        """Send a message: one turn, its events streamed (SSE) or in one JSON body."""
        _session(service, sid)
        ws = service.ctx.workspace
        data = ws.resolve_pattern(body.data, must_exist=True) if body.data else None
        recipe = str(ws.resolve(body.recipe, must_exist=True, what="recipe file")) if body.recipe else None
        events = service.ask(sid, body.message, data=data, recipe=recipe, confirm=body.confirm)
        if body.stream or "text/event-stream" in request.headers.get("accept", ""):
            return _sse(events, lambda e: [e.model_dump_json()])
        done = list(events)
        answer, last = _outcome(done)
        error = ToolError(code="turn_error", message=last.message, hint=last.hint) if last.type == "error" else None
        return TurnResponse(session_id=sid, events=done, answer=answer, error=error,
                            citations=getattr(last, "citations", []),
                            needs_confirmation=getattr(last, "needs_confirmation", False))

    @api.get("/sessions/{sid}/recipe", response_model=RecipeView, tags=["sessions"],
             responses={200: {"content": {"application/yaml": {}}}})
    def get_recipe(sid: str, format: Literal["json", "yaml"] = "json") -> Any:
        """The session's current recipe, as JSON or (``?format=yaml``) as YAML."""
        _session(service, sid)
        draft = service.draft(sid)
        if draft is None:
            msg = f"session {sid!r} has no recipe yet"
            raise ApiError(msg, code="no_recipe", hint="Post a message that asks for one.")
        text = recipe_yaml(draft.recipe)
        if format == "yaml":
            return PlainTextResponse(text, media_type="application/yaml")
        return RecipeView(session_id=sid, version=draft.current, recipe=draft.recipe, yaml=text)

    # -- runs --------------------------------------------------------------------------------
    @api.get("/sessions/{sid}/runs", response_model=list[RunEntry], tags=["runs"])
    def session_runs(sid: str) -> list[RunEntry]:
        """The runs the session started, with their current status."""
        _session(service, sid)
        return service.store.runs(sid)

    @api.post("/sessions/{sid}/runs", response_model=RunStateResult, status_code=202, tags=["runs"])
    def start_run(sid: str, body: RunStart) -> RunStateResult:
        """Start a run of the session's recipe in the background; needs ``confirm: true``."""
        _session(service, sid)
        draft = service.draft(sid)
        if draft is None:
            msg = f"session {sid!r} has no recipe to run"
            raise ApiError(msg, code="no_recipe", hint="Post a message that asks for one.")
        service.ctx.drafts.put(draft)
        result = _tool(service, "run_recipe", {"source": {"draft_id": sid}, "confirmed": body.confirm,
                                                "max_samples": body.max_samples if body.confirm else None})
        service.store.track_run(sid, result.run, service.ctx.runs)
        return result

    @api.get("/runs/{run_id}", response_model=RunStateResult, tags=["runs"])
    def run_state(run_id: str, wait: float = Query(0.0, ge=0, le=60, description="Wait up to N s for the end.")) -> Any:
        """Where a run stands."""
        return _tool(service, "run_status", {"run_id": run_id, "wait_seconds": wait})

    @api.get("/runs/{run_id}/progress", tags=["runs"], response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "Server-Sent Events: the run's state as it changes, until it ends."}})
    def run_progress(run_id: str) -> StreamingResponse:
        """The run's state (`RunStateResult` JSON) each time it changes, the last one when it has ended."""
        first = _tool(service, "run_status", {"run_id": run_id})  # an unknown run is a 404 before any stream

        def states() -> Generator[Any, None, None]:
            result, sent = first, None
            while True:
                shown = result.model_dump_json(exclude={"run": {"started"}})
                if shown != sent:
                    yield result
                    sent = shown
                if result.run.status != "running":
                    return
                result = _tool(service, "run_status", {"run_id": run_id, "wait_seconds": _PROGRESS_EVERY_S})

        return _sse(states(), lambda result: [result.model_dump_json()])

    @api.post("/runs/{run_id}/cancel", response_model=RunStateResult, tags=["runs"])
    def cancel(run_id: str) -> Any:
        """Cancel a running run (it can be resumed later)."""
        return _tool(service, "cancel_run", {"run_id": run_id})

    @api.get("/runs/{run_id}/explanation", response_model=ExplainRunResult, tags=["runs"])
    def explain(run_id: str) -> Any:
        """A run told in words, with the numbers behind them."""
        return _tool(service, "explain_run", {"run": run_id})

    # -- ops ---------------------------------------------------------------------------------
    @api.get("/ops", response_model=SearchOpsResult, tags=["ops"])
    def ops(q: str | None = Query(None, description="A need in words; leave out to list every op."),
            type: Literal["mapper", "filter", "deduplicator", "selector"] | None = None,
            modality: Literal["text", "image", "video", "audio"] | None = None,
            k: int = Query(5, ge=1, le=20)) -> Any:
        """List the ops, or search them for a need (best first)."""
        if q:
            return _tool(service, "search_ops", {"query": q, "type": type, "modality": modality, "k": k})
        from recipe_copilot.engine.docs import list_ops

        return SearchOpsResult(ops=[op_info(doc) for doc in list_ops(kind=type)])

    @api.get("/ops/{name}", response_model=GetOpResult, tags=["ops"])
    def get_op(name: str) -> Any:
        """One op's documentation: parameters with defaults and bounds, its stat."""
        return _tool(service, "get_op", {"name": name})

    # -- OpenAI-compatible -------------------------------------------------------------------
    @v1.get("/models")
    def models() -> dict[str, Any]:
        """The one model this server offers."""
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0,
                                            "owned_by": "recipe-copilot"}]}

    @v1.post("/chat/completions", responses={200: {"content": {"text/event-stream": {}}}})
    def chat_completions(body: ChatCompletionRequest,
                         x_copilot_session: str | None = Header(None, description="The session to continue.")) -> Any:
        """Run the last user message as a turn; a ``chat.completion`` (or SSE ``chat.completion.chunk``s)."""
        users = [m.text() for m in body.messages if m.role == "user"]
        if not users or not users[-1].strip():
            msg = "messages has no user message with text"
            raise ApiError(msg, code="bad_request", hint="End the messages with a user message.", status=400)
        if x_copilot_session:
            sid = _session(service, x_copilot_session).id
        elif body.user and service.store.exists(body.user):
            sid = body.user
        else:
            sid = service.store.create(title=users[-1]).id
        events = service.ask(sid, users[-1])
        cid, created, headers = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), {SESSION_HEADER: sid}

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            return json.dumps({"id": cid, "object": "chat.completion.chunk", "created": created, "model": body.model,
                               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

        if not body.stream:
            answer, _ = _outcome(list(events))
            return JSONResponse({"id": cid, "object": "chat.completion", "created": created, "model": body.model,
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": answer}}],
                                 "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}},
                                headers=headers)
        sent = [chunk({"role": "assistant", "content": ""})]
        streamed: list[str] = []

        def encode(event: Any) -> list[str]:
            out, sent[:] = sent[:], []
            if event.type == "answer_delta":
                streamed.append(event.text)
                out.append(chunk({"content": event.text}))
            elif event.type in ("final_answer", "error"):
                text, so_far = _outcome([event])[0], "".join(streamed)
                rest = text[len(so_far):] if text.startswith(so_far) else ("" if so_far else text)
                out += [chunk({"content": rest})] if rest else []
                out.append(chunk({}, "stop"))
            return out

        response = _sse(events, encode, tail="[DONE]")
        response.headers.update(headers)
        return response

    app.include_router(api)
    app.include_router(v1)
    return app


# ------------------------------------------------------------------------------------ serving
def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(service: CopilotService, *, host: str, port: int, token: str | None) -> None:
    """Serve the API with uvicorn until interrupted (blocking).

    Raises:
        ServeError: a non-loopback host without a token, or the port is in use.

    Example:
        >>> serve(CopilotService(), host="0.0.0.0", port=8000, token=os.environ["COPILOT_API_TOKEN"])  # doctest: +SKIP
    """
    import uvicorn

    if not token and not _is_loopback(host):
        msg = (f"refusing to serve on {host!r} without a token: anyone who can reach it could run recipes; "
               "set COPILOT_API_TOKEN or pass --token (or listen on 127.0.0.1)")
        raise ServeError(msg)
    sock = bind(host, port)
    server = uvicorn.Server(uvicorn.Config(create_app(service, token=token or None), log_level="info"))
    shown = f"[{host}]" if ":" in host else host
    logging.getLogger("uvicorn.error").info(
        "recipe-copilot API on http://%s:%d (docs at /docs; %s)", shown, sock.getsockname()[1],
        "bearer token required" if token else "no token: loopback only")
    with sock:
        server.run(sockets=[sock])

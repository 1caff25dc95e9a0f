"""A local Hugging Face causal LM with :class:`ChatClient`'s ``ask_all``: offline load, chat
template, batched generation on the op's device, and the same SQLite response cache.

``model_params`` are ``from_pretrained`` arguments (as in Data-Juicer: ``dtype``,
``trust_remote_code``, ``revision``, ...) plus two keys of ours: ``batch_size`` (prompts per
``generate`` call, default 8 on CPU and 32 on GPU) and ``cache`` (as for the endpoint client).
``sampling_params`` are ``generate`` arguments; as in Data-Juicer, ``max_new_tokens`` defaults to
the model's generation config, else 512.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import orjson

from recipe_copilot.engine.errors import MissingDependencyError, ParamError
from recipe_copilot.engine.ops.common.accel import torch_device
from recipe_copilot.engine.ops.common.embedding import OFFLINE_ENV
from recipe_copilot.engine.ops.common.llm_api import _MISSING, _Cache, cache_location, local_model_refused
from recipe_copilot.engine.ops.common.spmodel import model_places

__all__ = ["LocalChatClient", "LocalModelMixin", "resolve_model"]

log = logging.getLogger(__name__)

DEFAULT_MAX_NEW_TOKENS = 512  # Data-Juicer's floor when neither the recipe nor the model sets one
_OURS = ("batch_size", "cache", "concurrency", "device")  # model_params keys not given to from_pretrained
_ONE_TEXT = {"num_return_sequences", "return_dict_in_generate"}  # generate() must give one sequence per prompt
_LOCK = threading.Lock()
_LOADED: dict[tuple[str, str, bytes], tuple[Any, Any]] = {}


def resolve_model(name: str) -> str:
    """The folder of ``name``: a path, one of Data-Juicer's model folders, or a hub id already in
    the local Hugging Face cache. Nothing is downloaded; a clear :class:`ParamError` otherwise."""
    folder = next((p for p in model_places(os.path.expanduser(name)) if p.is_dir()), None)
    if folder is not None:
        return str(folder.resolve())
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(name, local_files_only=True)
    except Exception:  # not in the cache, or not a valid hub id
        looked = ", ".join(str(p) for p in model_places(name))
        msg = (f"local model {name!r} not found (looked in {looked} and the Hugging Face cache); models are "
               "never downloaded here: download it first (e.g. `hf download ID`) or give its folder")
        raise ParamError(msg) from None


def _load(path: str, device: str, kwargs: dict) -> tuple[Any, Any]:
    """(tokenizer, model) on ``device``, once per process, folder, device and arguments."""
    key = (path, device, orjson.dumps(kwargs, option=orjson.OPT_SORT_KEYS, default=str))
    with _LOCK:
        if key not in _LOADED:
            os.environ.update(OFFLINE_ENV)
            from transformers import AutoModelForCausalLM, AutoTokenizer

            tok = AutoTokenizer.from_pretrained(path, local_files_only=True, **kwargs)
            tok.padding_side = "left"  # generation continues every row from its last real token
            if tok.pad_token is None:
                tok.pad_token = tok.eos_token or tok.unk_token
            model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, **kwargs)
            _LOADED[key] = (tok, model.to(device).eval())
        return _LOADED[key]


class LocalChatClient:
    """Answers conversations with a local model (see the module docstring for settings)."""

    def __init__(self, model: str, model_params: dict, work_dir: str | None, device: str, needed_by: str) -> None:
        for package in ("torch", "transformers"):
            try:
                __import__(package)
            except ImportError:
                raise MissingDependencyError(package, needed_by=needed_by, extra="knowledge") from None
        mp = dict(model_params)
        self.path, self.device = resolve_model(model), device
        self.batch_size = max(1, int(mp.get("batch_size") or (8 if device == "cpu" else 32)))
        where = cache_location(mp, work_dir)
        self.cache = _Cache(where) if where else None
        self.tokenizer, self.model = _load(self.path, device, {k: v for k, v in mp.items() if k not in _OURS})
        self.sent = 0  # prompts generated (cache hits excluded), for logs and tests

    def generation_kwargs(self, sampling_params: dict) -> dict:
        """``generate`` arguments: Data-Juicer's ``max_new_tokens`` default; OpenAI's ``max_tokens``
        is renamed and ``temperature: 0`` means greedy."""
        kw = dict(sampling_params)
        if "max_tokens" in kw:
            kw.setdefault("max_new_tokens", kw.pop("max_tokens"))
        cfg = self.model.generation_config
        kw.setdefault("max_new_tokens", cfg.max_new_tokens or getattr(cfg, "max_tokens", None) or DEFAULT_MAX_NEW_TOKENS)
        if kw.get("temperature") == 0:
            kw.pop("temperature")
            kw["do_sample"] = False
        unknown = sorted(set(kw) - set(type(cfg)().to_dict()) | set(kw) & _ONE_TEXT)
        if unknown:
            msg = f"sampling_params {unknown} are not supported transformers generate() arguments (is_hf_model: true)"
            raise ParamError(msg)
        return kw

    def prompt(self, messages: list[dict]) -> str:
        """The model's chat template applied (with the assistant turn opened), else ``role: content`` lines."""
        if self.tokenizer.chat_template:
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"

    def generate(self, conversations: list[list[dict]], kwargs: dict) -> list[str]:
        """The decoded new tokens for each conversation; batches of similar length."""
        import torch

        texts = [self.prompt(m) for m in conversations]
        special = not self.tokenizer.chat_template  # a template writes its own special tokens
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = [""] * len(texts)
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            enc = self.tokenizer([texts[i] for i in idx], return_tensors="pt", padding=True,
                                 add_special_tokens=special).to(self.device)
            inputs = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}  # no token_type_ids
            with torch.inference_mode():
                seqs = self.model.generate(**inputs, **{"pad_token_id": self.tokenizer.pad_token_id, **kwargs})
            new = self.tokenizer.batch_decode(seqs[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
            for i, text in zip(idx, new, strict=True):
                out[i] = text
        self.sent += len(texts)
        return out

    def answers(self, conversations: list[list[dict]], kwargs: dict, attempt: int) -> list[str]:
        """:meth:`generate` through the cache (keyed by model folder, messages, arguments, attempt)."""
        keys = [hashlib.sha256(orjson.dumps({"local": self.path, "messages": m, "sampling": kwargs, "attempt": attempt},
                                            option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()
                for m in conversations]
        out = [self.cache.get(k) if self.cache is not None else _MISSING for k in keys]
        todo = [i for i, v in enumerate(out) if v is _MISSING]
        for i, text in zip(todo, self.generate([conversations[i] for i in todo], kwargs) if todo else [], strict=True):
            out[i] = text
            if self.cache is not None:
                self.cache.put(keys[i], text)
        return out

    def ask_all(self, conversations: list[list[dict]], sampling_params: dict, try_num: int,
                parse: Callable[[Any], Any]) -> list[Any]:
        """Like :meth:`ChatClient.ask_all`: up to ``try_num`` answers per conversation until ``parse``
        gives a result (None or an exception: ask again). Greedy decoding would repeat its answer,
        so it is asked once: the result is the same."""
        kwargs = self.generation_kwargs(sampling_params)
        sampling = kwargs.get("do_sample", self.model.generation_config.do_sample)
        results: list[Any] = [None] * len(conversations)
        pending = list(range(len(conversations)))
        for attempt in range(try_num if sampling else 1):
            if not pending:
                break
            outputs = self.answers([conversations[i] for i in pending], kwargs, attempt)
            still = []
            for i, raw in zip(pending, outputs, strict=True):
                try:
                    results[i] = parse(raw)
                except Exception as exc:  # a malformed answer: try again, as Data-Juicer does
                    log.warning("could not parse the local model's answer (try %d/%d): %s", attempt + 1, try_num, exc)
                if results[i] is None:
                    still.append(i)
            pending = still
        return results

    def close(self) -> None:
        """Free the cache file (the model stays loaded for other ops of this process)."""
        if self.cache is not None:
            self.cache.close()


class LocalModelMixin:
    """For ops with Data-Juicer's ``is_hf_model``/``enable_vllm`` (put it first among the bases):
    ``is_hf_model: true`` answers with a :class:`LocalChatClient` on the op's device, in-process
    vLLM is refused. The op runs on ``cuda`` by default only with a local model (an endpoint
    needs no GPU)."""

    default_accelerator = "cuda"  # Data-Juicer's _accelerator for these ops

    @property
    def accelerator(self) -> str:
        p = self.params  # type: ignore[attr-defined]
        return p.accelerator or ("cuda" if p.is_hf_model else "cpu")

    def preflight(self) -> list[str]:
        """A local model that is not on this machine, else the endpoint's check."""
        p = self.params  # type: ignore[attr-defined]
        if not p.is_hf_model:
            return super().preflight()  # type: ignore[misc]
        try:
            resolve_model(p.api_or_hf_model)
        except ParamError as exc:
            return [f"op {self.name!r}: {exc}"]  # type: ignore[attr-defined]
        return []

    def make_client(self, model: str) -> Any:
        p = self.params  # type: ignore[attr-defined]
        local_model_refused(self.name, {"enable_vllm": True} if p.enable_vllm else {},  # type: ignore[attr-defined]
                            "enable_vllm: false, is_hf_model: false")
        if not p.is_hf_model:
            return super().make_client(model)  # type: ignore[misc]
        self.client = LocalChatClient(model, dict(p.model_params or {}), p.work_dir, torch_device(self),  # type: ignore[arg-type]
                                      needed_by=f"op {self.name!r} with is_hf_model: true")  # type: ignore[attr-defined]
        self.client.generation_kwargs(dict(p.sampling_params or {}))  # a bad argument fails here, not per batch
        return self.client

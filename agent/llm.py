"""The only module that imports openai and instructor.

`LLM.structured` sends rendered prompt messages to any OpenAI-compatible server and returns a
validated pydantic object plus the token usage of every attempt. Two retry layers, each owned
once: tenacity retries the transport (timeouts, connection errors, 429 and 5xx, honouring
Retry-After; the openai client's own retries are off so attempts do not multiply), and
instructor re-asks the model when its answer fails validation (bounded by `max_reasks`).

A re-ask is sent as the first request again, its last message followed by what the validators
rejected, instead of instructor's default of a conversation that replays the rejected answer:
with the rejected answer in its context, a 1.5B model copied it word for word in all 22 re-asks
recorded that way (see README, "Re-asks").
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx2
import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import Hooks
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base

from agent.config import Settings, StructuredMode, SummaryMode
from agent.errors import (
    BackendError,
    BackendUnavailable,
    ContextTooLong,
    ExtractionError,
    ModelRefusal,
)
from agent.schema import Usage

log = logging.getLogger("trialbrief.llm")
T = TypeVar("T", bound=BaseModel)

_MODES: dict[str, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json_object_schema": instructor.Mode.JSON,
    "json": instructor.Mode.JSON,
}
_CONTEXT_ERRORS = re.compile(
    r"context[_ ]length|maximum context|context window|exceeds? the context|too many tokens|"
    r"prompt is too long|n_ctx", re.I)
_REFUSAL = re.compile(r"^\s*(?:I'?m sorry|I cannot|I can'?t|I am unable|As an AI)", re.I)
CHARS_PER_TOKEN = 3.5


def resolve_mode(mode: StructuredMode, base_url: str | None, backend: str) -> StructuredMode:
    """The structured-output mode each server supports (see shared NOTES for llama.cpp)."""
    if mode != "auto":
        return mode
    if backend == "llamacpp":
        return "json_object_schema"
    if base_url and ":11434" in base_url:
        return "json"  # Ollama
    return "tools"


def resolve_summary_mode(mode: SummaryMode | None, backend: str) -> SummaryMode:
    """How much of a summary the model writes: a small local model only the lead (its numbers
    and coverage failed the checks in 2.6-2.8 of 7 sections, and every section written costs
    seconds on a CPU), any other the whole draft."""
    if mode is not None:
        return mode
    return "lead" if backend == "llamacpp" else "whole"


@dataclass
class Structured:
    value: BaseModel
    usage: list[Usage]


CALL_DEADLINE = 180.0
"""Seconds one model call may take in all (its transport retries and waits included)."""
LOCAL_CALL_DEADLINE = 900.0
"""The same for the embedded llama.cpp server: a small model on a laptop's CPU is slow (the
1.5B model took 3-5 minutes for an extraction on 2 cores)."""


class stop_when(stop_base):
    """A tenacity stop condition from a predicate (lower-case, like tenacity's own)."""

    def __init__(self, predicate: Callable[[RetryCallState], bool]) -> None:
        self.predicate = predicate

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.predicate(retry_state)


class RateGate:
    """Retry-After shared by every call on one client: when the provider says 'wait 20 s' to
    one worker thread, the others wait too instead of spending their attempts on more 429s."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._not_before = 0.0

    def hold(self, seconds: float) -> float:
        """Hold every call for `seconds`; returns the moment the hold ends."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)
            return self._not_before

    def wait(self, sleep: Callable[[float], None], waited_until: float = 0.0) -> None:
        """Sleep out a hold, unless the caller already slept until its end (its own 429)."""
        with self._lock:
            if self._not_before <= waited_until:
                return
            delay = self._not_before - self._clock()
        if delay > 0:
            sleep(delay)


class LLM:
    """A client for one model server. It holds no state of a call: each `structured` call
    keeps its attempts, usage and rejections in its own `_Call`."""

    def __init__(self, settings: Settings, *, base_url: str | None, model: str, backend: str,
                 http_client: httpx2.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.model = model
        self.base_url = base_url
        self.mode = resolve_mode(settings.structured_mode, base_url, backend)
        self.summary_mode = resolve_summary_mode(settings.summary_mode, backend)
        api_key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, max_retries=0,
            timeout=httpx2.Timeout(settings.request_timeout, connect=10.0),
            http_client=http_client,
        )
        self._sleep = sleep
        self.gate = RateGate()
        self.call_deadline = settings.call_deadline or (
            LOCAL_CALL_DEADLINE if backend == "llamacpp" else CALL_DEADLINE)

    def close(self) -> None:
        self._client.close()

    # -- structured call ------------------------------------------------------------------

    def structured(self, messages: list[dict[str, str]], response_model: type[T], *,
                   context: dict[str, Any], step: str, schema_in_prompt: bool = True,
                   max_tokens: int | None = None, strict: bool = False
                   ) -> tuple[T, list[Usage]]:
        """`schema_in_prompt=False`: where the server constrains the answer to the schema
        (llama.cpp's json_object+schema), the messages go as written, without the pydantic
        schema instructor's JSON mode pastes into the system message (thousands of tokens on
        a small model, and a system message that changes with every schema, which defeats
        the server's prompt cache). `strict=True`: OpenAI's strict structured output (tools or
        json_schema), for a schema made for it (every key required, no extra keys)."""
        self._check_context(messages)
        literal, template_context = _literal_messages(messages)
        plain = not schema_in_prompt and self.mode == "json_object_schema"
        call = _Call(self, step, asked=len(literal), plain=messages if plain else None,
                     strict=strict)
        hooks = Hooks()
        hooks.on("parse:error", call.on_invalid)
        create = instructor.patch(create=call.send, mode=_MODES[self.mode])
        kwargs: dict[str, Any] = {"model": self.model, "temperature": self.settings.temperature,
                                  "max_tokens": min(max_tokens or self.settings.max_output_tokens,
                                                    self.settings.max_output_tokens)}
        if self.settings.seed is not None:
            kwargs["seed"] = self.settings.seed
        if self.mode == "json_object_schema":
            kwargs["extra_body"] = {"response_format": {
                "type": "json_object", "schema": response_model.model_json_schema()}}
        try:
            value = create(messages=literal, response_model=response_model,
                           context={**context, **template_context},
                           max_retries=self.settings.max_reasks, hooks=hooks, **kwargs)
        except InstructorRetryException as exc:
            raise call.with_usage(self._translate(exc, call)) from exc
        except IncompleteOutputException as exc:
            if call.usage:
                call.usage[-1].outcome = "invalid"
            # A re-ask that runs away is no reason to lose the complete answer before it: it
            # goes back to the caller like any answer that never validated.
            raise call.with_usage(ExtractionError(
                f"the model's answer for {step} was cut off at {kwargs['max_tokens']} tokens",
                hint="raise max_output_tokens in the config file",
                attempts=len(call.usage), kept_output=call.best_rejected())) from exc
        except openai.OpenAIError as exc:
            raise call.with_usage(self._translate_api(exc)) from exc
        except BackendError as exc:
            raise call.with_usage(exc) from None
        return value, list(call.usage)

    def start_batch(self, requests: dict[str, dict[str, Any]]) -> str:
        """Upload `requests` (key -> chat-completions body) as a Batch API job; its id."""
        lines = "\n".join(json.dumps({"custom_id": key, "method": "POST",
                                      "url": "/v1/chat/completions", "body": body})
                          for key, body in requests.items())
        try:
            uploaded = self._client.files.create(
                file=("trialbrief-batch.jsonl", lines.encode("utf-8")), purpose="batch")
            batch = self._client.batches.create(
                input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                completion_window="24h", metadata={"client": "trialbrief"})
        except openai.OpenAIError as exc:
            raise self._translate_api(exc) from exc
        log.warning("submitted batch %s: %d requests", batch.id, len(requests))
        return batch.id

    def finish_batch(self, batch_id: str, keys: list[str], *, poll: float = 60.0,
                     max_wait: float = 24 * 3600.0) -> dict[str, dict[str, Any]]:
        """Wait for a batch, then its answers: key -> chat completion, or {'error': ...} for a
        request it did not answer."""
        try:
            batch = self._client.batches.retrieve(batch_id)
            waited = 0.0
            while batch.status not in ("completed", "failed", "expired", "cancelled"):
                if waited >= max_wait:
                    raise BackendError(f"batch {batch_id} is still {batch.status} after "
                                       f"{waited:.0f} s",
                                       hint="run the same command later: it picks the batch up")
                self._sleep(poll)
                waited += poll
                batch = self._client.batches.retrieve(batch_id)
            answers = {key: {"error": f"batch {batch_id} {batch.status} without an answer"}
                       for key in keys}
            for file_id in (batch.error_file_id, batch.output_file_id):
                if file_id:
                    answers.update(_batch_answers(self._client.files.content(file_id).text))
        except openai.OpenAIError as exc:
            raise self._translate_api(exc) from exc
        return answers

    def _check_context(self, messages: list[dict[str, str]]) -> None:
        window = self.settings.context_window
        if window is None:
            return
        estimated = sum(len(m["content"]) for m in messages) / CHARS_PER_TOKEN
        if estimated + self.settings.max_output_tokens + 1500 > window:
            raise ContextTooLong(
                f"the article needs about {estimated:.0f} prompt tokens; with the schema and "
                f"{self.settings.max_output_tokens} output tokens it does not fit the model's "
                f"{window}-token context", hint="use a model with a larger context window, or "
                "pass a shorter article")

    def _translate(self, exc: InstructorRetryException, call: _Call) -> BackendError:
        cause = exc.__cause__
        if isinstance(cause, BackendError):
            return cause
        if isinstance(cause, openai.OpenAIError):
            return self._translate_api(cause)
        last = _content_of(exc.last_completion)
        if last and _REFUSAL.match(last):
            return ModelRefusal(f"the model declined to answer: {last[:120]!r}",
                                hint="try another model; the article itself may trigger a filter")
        return ExtractionError(
            f"the model gave no valid {call.step} after {exc.n_attempts} attempts: "
            f"{_first_line(str(exc))}", hint="try a larger model, or the rules backend",
            attempts=exc.n_attempts, kept_output=call.best_rejected())

    def _translate_api(self, exc: openai.OpenAIError) -> BackendError:
        where = self.base_url or "api.openai.com"
        if isinstance(exc, openai.APITimeoutError):
            return BackendUnavailable(f"the model server at {where} timed out",
                                      hint="check the server or raise request_timeout")
        if isinstance(exc, openai.APIConnectionError):
            return BackendUnavailable(f"cannot reach the model server at {where}",
                                      hint="check OPENAI_BASE_URL and that the server is running")
        if isinstance(exc, openai.AuthenticationError):
            return BackendError("the model server rejected the API key",
                                hint="check OPENAI_API_KEY")
        if isinstance(exc, openai.NotFoundError):
            return BackendError(f"model {self.model!r} not found at {where}",
                                hint="check --model")
        if isinstance(exc, openai.RateLimitError):
            return BackendError(f"still rate-limited by {where} after "
                                f"{self.settings.max_transport_retries} retries",
                                hint="wait and run again, or lower the batch rate")
        message = str(exc)
        if isinstance(exc, openai.APIStatusError) and _CONTEXT_ERRORS.search(message):
            return ContextTooLong(f"the prompt is longer than the model's context: "
                                  f"{_first_line(message)}",
                                  hint="use a model with a larger context window")
        return BackendError(f"the model server answered with an error: {_first_line(message)}",
                            hint="see the server's log")



# -- the OpenAI Batch API -------------------------------------------------------------------
#
# A batch digest runs each article's pipeline in rounds. In a round, every model request that
# has no answer yet is held back (Deferred) and collected; the round's requests go to the
# Batch API together; the next round runs the pipelines again with those answers, so each
# answer passes the same validation, re-asks and checks as a direct call, and a re-ask or the
# summary step becomes a request of the next round.

DEFERRED = "request deferred to the Batch API"


class Deferred(BackendError):
    """A model request held back for the next batch: not a failure."""


@dataclass
class BatchRound:
    answers: dict[str, dict[str, Any]]
    """Request key -> the chat completion the Batch API returned (or {'error': ...})."""
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Request key -> the body of a request this round held back."""


_BATCH: ContextVar[BatchRound | None] = ContextVar("trialbrief_batch_round", default=None)


@contextmanager
def batch_round(batch: BatchRound) -> Iterator[BatchRound]:
    """Model calls made inside answer from `batch` or are collected into it."""
    token = _BATCH.set(batch)
    try:
        yield batch
    finally:
        _BATCH.reset(token)


def batch_body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A chat-completions request body as the SDK would send it (extra_body merged in)."""
    body = {k: v for k, v in kwargs.items() if k not in ("extra_body", "timeout", "extra_headers")}
    body.update(kwargs.get("extra_body") or {})
    plain: dict[str, Any] = json.loads(json.dumps(body, default=_jsonable))
    return plain


def request_key(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    raise TypeError(f"cannot send {type(value).__name__} in a batch request")


class _InstructorNoise(logging.Filter):
    """instructor logs every raised call at ERROR; a deferred request is not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return DEFERRED not in record.getMessage()


for _name in ("instructor.v2.retry", "instructor"):
    logging.getLogger(_name).addFilter(_InstructorNoise())


class _Call:
    """One structured call: its transport attempts, re-asks, usage and rejections."""

    def __init__(self, llm: LLM, step: str, *, asked: int,
                 plain: list[dict[str, str]] | None = None, strict: bool = False) -> None:
        self.llm = llm
        self.settings = llm.settings
        self.step = step
        self.asked = asked
        """How many messages the first request has: more means instructor is re-asking."""
        self.usage: list[Usage] = []
        self.rejections: list[Rejection] = []
        self.last_answer: str | None = None
        self.strict = strict
        self.plain = plain
        """The messages to send as they are, in place of instructor's rendering of them."""
        self.started = 0.0
        self.deadline = 0.0
        self.held_until = 0.0
        """The end of the shared hold this call already slept out (after its own 429)."""

    def send(self, *args: Any, **kwargs: Any) -> Any:
        """One chat completion, with transport retries; records each attempt's usage. A re-ask
        (instructor appended the rejected answer and its errors) is rewritten as described in
        the module docstring and samples at `reask_temperature`."""
        self.deadline = time.monotonic() + self.llm.call_deadline
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_transport_retries + 1)
            | stop_when(self._past_deadline),
            retry=retry_if_exception(_transient), wait=self._wait, sleep=self.llm._sleep,
            before_sleep=self._log_retry, reraise=True,
        )
        if self.plain is not None:
            kwargs = {**kwargs, "messages": [*self.plain, *kwargs["messages"][self.asked:]]}
        if self.strict:
            kwargs = _strict(kwargs)
        if len(kwargs.get("messages", ())) > self.asked:
            kwargs = {**kwargs, "temperature": self.settings.reask_temperature,
                      "messages": _reask(kwargs["messages"][:self.asked], self.rejections)}
        batch = _BATCH.get()
        if batch is not None:
            return self._from_batch(batch, kwargs)
        for attempt in retrying:
            with attempt:
                self.llm.gate.wait(self.llm._sleep, self.held_until)
                self.started = time.monotonic()
                left = max(1.0, self.deadline - self.started)
                response = self.llm._client.chat.completions.create(
                    *args, **kwargs, timeout=min(self.settings.request_timeout, left))
                self._record(response)
                _raise_on_refusal(response)
                return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _from_batch(self, batch: BatchRound, kwargs: dict[str, Any]) -> Any:
        """The answer the Batch API gave to this very request, or the request held back for
        the next batch (Deferred)."""
        body = batch_body(kwargs)
        key = request_key(body)
        answer = batch.answers.get(key)
        if answer is None:
            batch.requests[key] = body
            raise Deferred(f"{self.step} {DEFERRED}")
        if "error" in answer:
            raise BackendError(f"the Batch API gave no answer for {self.step}: "
                               f"{_first_line(str(answer['error']))}",
                               hint="run the batch again, or without --openai-batch")
        self.started = time.monotonic()
        response = ChatCompletion.model_validate(answer)
        self._record(response)
        _raise_on_refusal(response)
        return response

    def _past_deadline(self, state: RetryCallState) -> bool:
        """Stop retrying once the call's deadline has passed: transport retries, Retry-After
        waits and slow answers together never hold one model call longer than it."""
        return time.monotonic() >= self.deadline

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = _retry_after(exc) if exc is not None else None
        delay = asked if asked is not None else min(2.0 ** (state.attempt_number - 1), 30.0)
        left = max(0.0, self.deadline - time.monotonic())
        wait = min(delay, self.settings.max_retry_wait, left)
        if asked is not None:
            self.held_until = self.llm.gate.hold(wait)
            log.warning("the model server asked to wait %.0f s (Retry-After); waiting %.0f s",
                        asked, wait)
        return wait

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        self.usage.append(Usage(step=self.step, attempt=len(self.usage) + 1, outcome="error",
                                seconds=round(time.monotonic() - self.started, 3)))
        log.warning("model call failed (%s); retrying", type(exc).__name__)

    def _record(self, response: Any) -> None:
        self.last_answer = _content_of(response)
        usage = getattr(response, "usage", None)
        self.usage.append(Usage(
            step=self.step, attempt=len(self.usage) + 1,
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            seconds=round(time.monotonic() - self.started, 3),
        ))

    def on_invalid(self, error: Exception, *_: Any, **__: Any) -> None:
        self.rejections.append(Rejection.of(error, self.last_answer))
        for entry in reversed(self.usage):
            if entry.outcome == "ok":
                entry.outcome = "invalid"
                return

    def best_rejected(self) -> str | None:
        """The rejected answer to keep when none passed: the one with the fewest rejected
        items, the earliest on a tie (a re-ask samples at a higher temperature, and a small
        model's second try was often worse than its first)."""
        parsed = [r for r in self.rejections if r.parsed and r.answer is not None]
        return min(parsed, key=lambda r: len(r.complaints)).answer if parsed else None

    def with_usage(self, error: BackendError) -> BackendError:
        error.usage = list(self.usage)
        return error


def _strict(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The request with OpenAI's strict flag on its schema: the server then decodes under the
    schema (as llama.cpp's grammar does) instead of only being asked to follow it."""
    out = dict(kwargs)
    response_format = out.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        spec = response_format["json_schema"]
        out["response_format"] = {**response_format, "json_schema": {
            **spec, "schema": _closed(spec["schema"]), "strict": True}}
    if out.get("tools"):
        out["tools"] = [{**tool, "function": {
            **tool["function"], "parameters": _closed(tool["function"]["parameters"]),
            "strict": True}} for tool in out["tools"]]
    return out


def _closed(schema: Any) -> Any:
    """Every object of a JSON schema with additionalProperties: false (strict mode needs it)."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if out.get("type") == "object":
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else ""


@dataclass
class Rejection:
    """One answer that failed validation: what was rejected, one line each (without pydantic's
    input dump and links), and the answer itself."""

    complaints: list[str]
    answer: str | None
    parsed: bool
    """False for an answer that is not JSON of the schema: never kept."""

    @classmethod
    def of(cls, error: Exception, answer: str | None) -> Rejection:
        if not isinstance(error, ValidationError):
            return cls([f"the answer was not valid JSON for the schema: "
                        f"{_first_line(str(error))}"], answer, parsed=False)
        lines = []
        for item in error.errors(include_url=False, include_input=False):
            where = ".".join(str(part) for part in item["loc"])
            message = str(item["msg"]).removeprefix("Value error, ")
            lines.append(f"{where}: {message}" if where else message)
        parsed = not any(e["type"] == "json_invalid" for e in error.errors())
        return cls(lines, answer, parsed)


def _reask(asked: list[dict[str, Any]], rejections: list[Rejection]) -> list[dict[str, Any]]:
    lines = [line for rejection in rejections for line in rejection.complaints]
    notes = "\n".join(f"- {line}" for line in dict.fromkeys(lines))
    *head, last = asked
    return [*head, {**last, "content": f"{last['content']}\n\nAn earlier answer was rejected. "
                                       f"Do not repeat its mistakes:\n{notes}"}]


def _literal_messages(messages: list[dict[str, str]]
                      ) -> tuple[list[dict[str, str]], dict[str, str]]:
    """instructor renders message contents as Jinja templates when a context is passed. Article
    text may hold '{{' or '{%': send each content as a template variable so it arrives
    unchanged."""
    literal, values = [], {}
    for i, message in enumerate(messages):
        key = f"trialbrief_message_{i}"
        values[key] = message["content"]
        literal.append({"role": message["role"], "content": "{{ " + key + " }}"})
    return literal, values


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, openai.APITimeoutError | openai.APIConnectionError)


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    if response is None:
        return None
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None  # 'Retry-After: soon': the normal backoff
    return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _batch_answers(jsonl: str) -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {}
    for line in jsonl.splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        response = item.get("response") or {}
        if response.get("status_code") == 200 and isinstance(response.get("body"), dict):
            answers[item["custom_id"]] = response["body"]
        else:
            answers[item["custom_id"]] = {"error": item.get("error") or response.get("body")
                                          or "no answer"}
    return answers


def _raise_on_refusal(response: Any) -> None:
    choices = getattr(response, "choices", None) or []
    if not choices:
        return
    choice = choices[0]
    refusal = getattr(choice.message, "refusal", None)
    if refusal:
        raise ModelRefusal(f"the model declined to answer: {refusal[:160]!r}",
                           hint="try another model; the article itself may trigger a filter")
    if getattr(choice, "finish_reason", None) == "content_filter":
        raise ModelRefusal("the server's content filter stopped the answer",
                           hint="try another model or server")


def _content_of(completion: Any) -> str | None:
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    if getattr(message, "content", None):
        return str(message.content)
    calls = getattr(message, "tool_calls", None) or []
    return str(calls[0].function.arguments) if calls else None

"""The embedded LLM: a llama.cpp OpenAI-compatible server on a free loopback port.

The server is started for the run and stopped when the backend closes. Requests go through the
same `LLM` client as any OpenAI-compatible server, in llama.cpp's grammar-constrained
json_object+schema mode (its json_schema mode answers HTTP 500: see shared NOTES).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from agent.backends.base import Backend
from agent.config import Settings, find_local_model
from agent.errors import BackendUnavailable
from agent.llm import LLM
from agent.schema import BackendInfo

log = logging.getLogger("trialbrief.llamacpp")
DEFAULT_CONTEXT = 8192
STARTUP_TIMEOUT = 120.0
SERVER_OPTIONS = ("--flash_attn", "false")
"""Server options that change the model's answers (flash attention changes the arithmetic:
same speed on 2 CPU cores, other tokens now and then). Recorded cassettes name them, so a
change makes them out of date."""
GET_A_MODEL = ("put a GGUF model in ~/.cache/trialbrief/models (on the project's machines: "
               "../shared/tools/local-model qwen1.5b), or pass --model-path / set "
               "TRIALBRIEF_MODEL_PATH; model hubs are not downloaded from at run time")


def _die_with_parent() -> None:
    """On Linux, the server is killed when trialbrief dies, even by SIGKILL: no orphaned
    server keeps two cores busy after an interrupted run. SIGKILL, not SIGTERM: on SIGTERM the
    server first finishes the generation in flight, which can take minutes."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def model_name(path: Path) -> str:
    return path.stem


class LlamaCppServer:
    def __init__(self, model_path: Path, *, n_ctx: int, n_threads: int) -> None:
        self.model_path = model_path
        self.port = free_port()
        self.log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            prefix="trialbrief-llamacpp-", suffix=".log", delete=False)
        command = [sys.executable, "-m", "agent.backends.llama_server", "--model",
                   str(model_path), "--n_ctx", str(n_ctx), "--n_threads", str(n_threads),
                   *SERVER_OPTIONS, "--host", "127.0.0.1", "--port", str(self.port)]
        log.info("starting llama.cpp server on port %d with %s", self.port, model_path.name)
        self.process = subprocess.Popen(command, stdout=self.log_file, stderr=subprocess.STDOUT,
                                        preexec_fn=_die_with_parent)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BackendUnavailable(
                    f"the llama.cpp server exited while loading {self.model_path.name}: "
                    f"{self.log_tail()}", hint="check that the file is a valid GGUF model")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop(keep_log=True)
        raise BackendUnavailable(f"the llama.cpp server did not start within {timeout:.0f} s",
                                 hint=f"see {self.log_file.name}")

    def log_tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(Path(self.log_file.name).read_text(errors="replace")
                              .strip().splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, *, keep_log: bool = False) -> None:
        """Stop the server; its log is removed unless an error message points to it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()
        if not keep_log:
            Path(self.log_file.name).unlink(missing_ok=True)


class LlamaCppBackend(Backend):
    """Two servers of the same model, each kept for the whole run: one drafts records, the
    other (started at the first summary) summaries. llama-cpp-python's server caches one prompt
    prefix; with the two steps taking turns on one server, each request evicted the other
    step's static instructions and every request evaluated them again. The two never run at
    once, so they do not compete for the cores; the model file is mapped once by the kernel."""

    def __init__(self, settings: Settings) -> None:
        if not _llama_cpp_available():
            raise BackendUnavailable(
                "the llamacpp backend needs the optional extra: pip install 'trialbrief[local]'",
                hint="it compiles llama.cpp (about 4 minutes on 2 cores); or use --backend rules")
        path = find_local_model(settings)
        if path is None or not path.is_file():
            where = path or settings.model_dir
            raise BackendUnavailable(f"no local GGUF model found at {where}", hint=GET_A_MODEL)
        self._path = path
        self._n_ctx = settings.context_window or DEFAULT_CONTEXT
        self._settings = settings.with_overrides(context_window=self._n_ctx)
        self.info = BackendInfo(name="llamacpp", model=model_name(path))
        self.server, self.llm = self._start()
        self._summary: tuple[LlamaCppServer, LLM] | None = None
        self._summary_lock = threading.Lock()  # `--jobs N` threads share the backend

    @property
    def servers(self) -> list[LlamaCppServer]:
        """The servers started so far: the record's, then the summary's."""
        return [self.server] + ([self._summary[0]] if self._summary else [])

    def _start(self) -> tuple[LlamaCppServer, LLM]:
        threads = self._settings.n_threads or max(1, os.cpu_count() or 1)
        server = LlamaCppServer(self._path, n_ctx=self._n_ctx, n_threads=threads)
        try:
            server.wait_ready()
        except BaseException:
            server.stop()
            raise
        assert self.info.model is not None
        return server, LLM(self._settings, base_url=server.base_url, model=self.info.model,
                           backend="llamacpp")

    def _summary_model(self) -> LLM:
        with self._summary_lock:
            if self._summary is None:
                self._summary = self._start()
            return self._summary[1]

    def close(self) -> None:
        super().close()
        self.server.stop()
        if self._summary is not None:
            self._summary[1].close()
            self._summary[0].stop()


def _llama_cpp_available() -> bool:
    from agent.backends import llamacpp_installed

    return llamacpp_installed()

"""A real HTTP server on 127.0.0.1, tiny weights files and cards for the zoo tests."""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml

TINY_SPEC = {
    "in_channels": 1,
    "out_channels": 1,
    "generator": {"name": "unet", "depth": 2, "base_channels": 8, "norm": "group", "groups": 4},
}
CONTRACT = {"input_channels": None, "output_channels": ["dapi"], "pixel_size_um": 0.5}


def save_tiny_weights(path: Path, seed: int = 0) -> torch.nn.Module:
    """Write a tiny UNet translator's weights with metadata; return the model (eval mode)."""
    from i2i.model import build_model
    from i2i.weights import save_weights

    torch.manual_seed(seed)
    model = build_model(TINY_SPEC).eval()
    recipe = {"name": "tiny_unet", "description": "A tiny UNet for tests.", "model": TINY_SPEC}
    save_weights(path, model, {"recipe": recipe, "input_contract": CONTRACT, "step": 7})
    return model


def outputs(model: torch.nn.Module) -> torch.Tensor:
    """The model's prediction for a fixed input (B, 1, 16, 16)."""
    x = torch.linspace(0, 1, 256).reshape(1, 1, 16, 16)
    with torch.no_grad():
        return model(x)[0]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def card(name: str, urls: list[str], data: bytes, file_name: str | None = None) -> dict[str, Any]:
    """An available card whose one file is ``data`` served at ``urls``."""
    return {
        "name": name,
        "description": "A tiny test model.",
        "task": "in-silico-painting",
        "organelles": ["dapi"],
        "input": {"modality": ["phase-contrast"], "channels": ["phase"]},
        "pixel_size_um": 0.5,
        "normalization": {"method": "percentile", "percentiles": [2.0, 99.8]},
        "recipe": None,
        "files": [
            {
                "name": file_name or f"{name}.safetensors",
                "urls": urls,
                "sha256": sha256(data),
                "size": len(data),
            }
        ],
        "licence": "CC-BY-4.0",
        "citation": "Nobody, tests.",
        "status": "available",
        "source": "Written by the test.",
    }


def write_manifest(path: Path, cards: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump(cards, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class FileServer:
    """What the server serves, what it was asked, and how many responses to cut short."""

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    truncate: dict[str, int] = field(default_factory=dict)
    cut_after: int = 1000
    port: int = 0

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"


def _handler(state: FileServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.lstrip("/")
            state.requests.append(name)
            data = state.files.get(name)
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if state.truncate.get(name, 0) > 0:
                state.truncate[name] -= 1
                self.wfile.write(data[: state.cut_after])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving() -> Iterator[FileServer]:
    """A threaded HTTP server on 127.0.0.1 (a free port) for the duration of the block."""
    state = FileServer()
    with _running(_handler(state)) as port:
        state.port = port
        yield state


@contextmanager
def _running(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    """A threaded HTTP server on 127.0.0.1 (a free port) with ``handler``; yields its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


Respond = Callable[[http.server.BaseHTTPRequestHandler, str], None]
"""Writes the whole response to one GET of ``name`` (status, headers, body)."""


@dataclass
class ScriptedServer:
    """A server whose responses a test writes; it records each request and what it sent."""

    respond: Respond
    requests: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    port: int = 0

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"


@contextmanager
def serving_script(respond: Respond) -> Iterator[ScriptedServer]:
    """A threaded HTTP server on 127.0.0.1 answering every GET with ``respond``."""
    state = ScriptedServer(respond)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.lstrip("/")
            state.requests.append(name)
            with suppress(BrokenPipeError, ConnectionResetError):  # the client stopped reading
                state.respond(self, name)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with _running(Handler) as port:
        state.port = port
        yield state


def send_body(
    handler: http.server.BaseHTTPRequestHandler,
    chunks: Iterable[bytes],
    length: int | None = None,
    record: Callable[[int], None] | None = None,
    pause: float = 0.0,
) -> None:
    """Answer 200 with ``chunks`` (``Content-Length: length`` when given), ``pause`` s apart;
    ``record(n)`` is told the bytes sent so far after each chunk."""
    handler.send_response(200)
    if length is not None:
        handler.send_header("Content-Length", str(length))
    handler.end_headers()
    sent = 0
    for chunk in chunks:
        handler.wfile.write(chunk)
        sent += len(chunk)
        if record is not None:
            record(sent)
        if pause:
            time.sleep(pause)
    handler.close_connection = True

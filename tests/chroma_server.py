"""A real `chroma run` server on loopback that a test can stop and start again."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChromaServer:
    """`chroma run --path PATH --port PORT`; `start()` waits for its heartbeat."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = Path(path)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 60) -> ChromaServer:
        chroma = Path(sys.executable).with_name("chroma")
        assert chroma.exists(), "the chroma CLI comes with the chromadb package"
        self.process = subprocess.Popen(
            [str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat",
                                       timeout=1)
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("the chroma server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

"""Load bench: many simultaneous chat users on loopback (`python -m evals load`).

Starts the real app (`python app.py`) on a free port over an existing index, lets each of N
users open their own session with `gradio_client` and ask Q questions one after the other,
all users at once, and records per-answer latency, errors, cross-talk (an answer to another
user's question) and the app's peak resident memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from evals.questions import load_questions

REPO = Path(__file__).resolve().parents[1]


@dataclass
class LoadResult:
    users: int
    questions_per_user: int
    concurrency: int
    answers: int = 0
    errors: list[str] = field(default_factory=list)
    cross_talk: int = 0
    latencies_s: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    app_peak_rss_mib: float | None = None
    app_cpu_s: float | None = None  # CPU seconds the app spent during the load
    clients_cpu_s: float | None = None  # and the load generator (50 clients) itself

    @property
    def p50_s(self) -> float:
        return percentile(self.latencies_s, 50)

    @property
    def p95_s(self) -> float:
        return percentile(self.latencies_s, 95)

    def summary(self) -> dict:
        data = asdict(self)
        data.pop("latencies_s")
        return {**data, "p50_s": round(self.p50_s, 3), "p95_s": round(self.p95_s, 3),
                "max_s": round(max(self.latencies_s, default=0.0), 3),
                "answers_per_s": round(self.answers / self.wall_s, 2) if self.wall_s else 0.0}

    def markdown_row(self) -> str:
        rss = f"{self.app_peak_rss_mib:,.0f}" if self.app_peak_rss_mib else "–"
        return (f"| {self.users} | {self.questions_per_user} | {self.concurrency} | "
                f"{self.answers} | {len(self.errors)} | {self.cross_talk} | {self.p50_s:.2f} | "
                f"{self.p95_s:.2f} | {max(self.latencies_s, default=0.0):.2f} | "
                f"{self.wall_s:.1f} | {rss} |")


MARKDOWN_HEADER = ("| users | questions each | concurrency | answers | errors | cross-talk | "
                   "p50 s | p95 s | max s | wall s | app peak RSS MiB |\n"
                   "|---|---|---|---|---|---|---|---|---|---|---|")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mib(pid: int) -> float | None:
    """The process's high-water resident memory (Linux /proc), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_app(env: dict[str, str], port: int, timeout_s: float = 300) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, str(REPO / "app.py"), "--port", str(port)],
                               env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited: {process.stderr.read()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2)
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"the app did not answer on port {port} within {timeout_s:.0f} s")


class HttpUser:
    """A user of the app's HTTP API (POST the question, read the event stream of its answer):
    what a browser does, at a few milliseconds of CPU per question, so that the users' side
    does not eat the cores the app is measured on (gradio_client spends over 100 ms a question
    decoding and checking every streamed message)."""

    def __init__(self, url: str) -> None:
        self.url = url
        with urllib.request.urlopen(f"{url}gradio_api/info", timeout=60) as response:
            endpoint = json.load(response)["named_endpoints"]["/ask"]
        self.defaults = [p.get("parameter_default") for p in endpoint["parameters"]]

    def predict(self, question: str, api_name: str = "/ask") -> tuple:
        body = json.dumps({"data": [question, *self.defaults[1:]]}).encode()
        request = urllib.request.Request(f"{self.url}gradio_api/call{api_name}", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            event_id = json.load(response)["event_id"]
        with urllib.request.urlopen(f"{self.url}gradio_api/call{api_name}/{event_id}",
                                    timeout=600) as stream:
            event = None
            for raw in stream:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    if event == "error":
                        raise RuntimeError(line[5:].strip()[:300])
                    outputs = json.loads(line[5:])
                    # the API also returns the session state that gradio_client hides
                    data = next(o for o in outputs if isinstance(o, dict)
                                and ("question" in o or "error" in o))
                    return None, None, data, None
        raise RuntimeError("the answer's stream ended without a result")


def run_load(url: str, questions: list[str], users: int, per_user: int,
             concurrency: int, pid: int | None = None, client: str = "http") -> LoadResult:
    """Every user at once, each in their own session, asking their questions in turn.
    `client`: "http" (the app's HTTP API, as a browser) or "gradio" (gradio_client)."""
    result = LoadResult(users=users, questions_per_user=per_user, concurrency=concurrency)
    lock = threading.Lock()
    start = threading.Barrier(users)

    def connect():
        if client == "gradio":
            import gradio_client

            return gradio_client.Client(url, verbose=False)
        return HttpUser(url)

    def one_user(user: int) -> None:
        try:
            client_ = connect()
        except Exception as error:  # a connection refused is a result of the bench
            with lock:
                result.errors.append(f"user {user}: {type(error).__name__}: {error}")
            start.abort()
            return
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=600)
        for turn in range(per_user):
            question = questions[(user * per_user + turn) % len(questions)]
            began = time.perf_counter()
            try:
                _chat, _sources, data, _box = client_.predict(question=question, api_name="/ask")
            except Exception as error:
                with lock:
                    result.errors.append(f"user {user}: {type(error).__name__}: {error}")
                continue
            elapsed = time.perf_counter() - began
            with lock:
                if "error" in data:
                    result.errors.append(f"user {user}: {data['error']}")
                    continue
                result.answers += 1
                result.latencies_s.append(elapsed)
                if data.get("question") != question:
                    result.cross_talk += 1

    import resource

    began = time.perf_counter()
    app_cpu = cpu_seconds(pid) if pid else None
    own_cpu = resource.getrusage(resource.RUSAGE_SELF)
    threads = [threading.Thread(target=one_user, args=(u,)) for u in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_s = time.perf_counter() - began
    result.app_peak_rss_mib = peak_rss_mib(pid) if pid else None
    if pid and app_cpu is not None and (now := cpu_seconds(pid)) is not None:
        result.app_cpu_s = round(now - app_cpu, 2)
    used = resource.getrusage(resource.RUSAGE_SELF)
    result.clients_cpu_s = round(used.ru_utime + used.ru_stime - own_cpu.ru_utime
                                 - own_cpu.ru_stime, 2)
    return result


def load_bench(data_dir: Path, users: int, per_user: int, questions_path: Path,
               concurrency: int | None = None, out: Path | None = None,
               client: str = "http") -> LoadResult:
    """Start the app over the index in `data_dir`, load it, stop it; write load.json."""
    questions = [q.question for q in load_questions(questions_path) if q.answerable]
    env = {**os.environ, "UNODC_DATA_DIR": str(data_dir), "UNODC_HOST": "127.0.0.1"}
    env.pop("UNODC_CORPUS_DIR", None)
    env.pop("UNODC_AUTH", None)
    if concurrency:
        env["UNODC_CONCURRENCY"] = str(concurrency)
    from assistant.settings import Settings

    used_concurrency = concurrency or Settings().concurrency
    port = free_port()
    app = start_app(env, port)
    try:
        result = run_load(f"http://127.0.0.1:{port}/", questions, users, per_user,
                          used_concurrency, pid=app.pid, client=client)
    finally:
        app.terminate()
        try:
            app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            app.kill()
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**result.summary(), "latencies_s": result.latencies_s},
                                  indent=2), encoding="utf-8")
    return result

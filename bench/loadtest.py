"""Measures over HTTP against gunicorn on loopback: the API's retrieve vs a bare JSON view (ApacheBench),
and concurrent edits of one plan item."""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 8765


@contextmanager
def gunicorn(workers: int = 2):
    """The app under gunicorn as in production (DEBUG off), with the bench URLconf."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "ERROR",
    }
    command = [sys.executable, "-m", "gunicorn", "aop.wsgi:application", "-w", str(workers)]
    command += ["-b", f"127.0.0.1:{PORT}", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{PORT}"
    finally:
        server.terminate()
        server.wait(10)


def ab(url: str, token: str | None, requests: int = 3000, concurrency: int = 8) -> float:
    """Requests per second from ApacheBench (keep-alive); every request must answer 200."""
    command = ["ab", "-q", "-k", "-n", str(requests), "-c", str(concurrency)]
    if token:
        command += ["-H", f"Authorization: Token {token}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    if failed or non_2xx:
        raise RuntimeError(f"ab saw failures at {url}:\n{out}")
    return float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))


def api_vs_bare(base: str, token: str, objective_id: int, rounds: int = 3):
    """The API's retrieve and the bare view, measured in turn `rounds` times: medians of each, and the median
    of the rounds' ratios (on a shared machine one run of each drifts by ±20%)."""
    url = f"{base}/api/objectives/{objective_id}/"
    ab(url, token, requests=300)  # warm both workers
    ours, bare = [], []
    for _ in range(rounds):
        ours.append(ab(url, token))
        bare.append(ab(f"{base}/bench/bare/{objective_id}/", None))
    ratios = sorted(o / b for o, b in zip(ours, bare, strict=True))
    return (
        "API retrieve (auth + permission), requests/s",
        f"{sorted(ours)[rounds // 2]:,.0f}",
        f"{sorted(bare)[rounds // 2]:,.0f}",
        f"{ratios[rounds // 2]:.0%}",
        "≥ 50% of a bare JSON view",
    )


def concurrent_edits(base: str, token: str, objective_id: int, clients: int = 8, edits: int = 100):
    """Each client reads the item, then saves a new title with the version it read, `edits` times.
    Lost update: a 200 whose write is not in the final history. Refusals must be 409/412."""
    url = f"{base}/api/objectives/{objective_id}/"
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    statuses: list[int] = []
    lock = threading.Lock()

    def call(method: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, {}

    def client(n: int) -> None:
        for i in range(edits):
            _, current = call("GET")
            status, _ = call("PATCH", {"title": f"client {n} edit {i}", "version": current["version"]})
            with lock:
                statuses.append(status)

    _, start = call("GET")
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    _, end = call("GET")
    saved = statuses.count(200)
    refused = sum(1 for s in statuses if s in (409, 412))
    other = len(statuses) - saved - refused
    lost = saved - (end["version"] - start["version"])  # every save must have moved the version on
    return (
        f"concurrent edits ({clients}×{edits}): lost / saved / 409 / other",
        f"{lost} / {saved} / {refused} / {other}",
        f"{seconds:.1f} s",
        "ok" if lost == 0 and other == 0 else "FAILED",
        "0 lost, refusals 409/412, no 500",
    )

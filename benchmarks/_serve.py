"""Running the app under uvicorn in a subprocess for a benchmark, and measuring its CPU.

Shared by the benchmarks that load the HTTP server (catalog.py so far; the others still
carry their own copy)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A port nobody listens on now (other benchmarks may run on the same machine)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (threads included) so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``digiplus.app:create_app`` under uvicorn on ``port`` with ``env`` added to this
    process's environment; returns once ``/healthz`` answers."""
    import httpx

    full_env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **env}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "digiplus.app:create_app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=full_env, cwd=ROOT)  # noqa: S603  (our own interpreter and arguments)
    deadline = time.monotonic() + 120  # a loaded shared machine imports the app slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("uvicorn did not start")

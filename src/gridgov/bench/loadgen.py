"""A small load generator for `gridgov bench intake` (压力测试): raw HTTP/1.1 over asyncio sockets.

Bounded in time and aimed only at this machine: `run_load` refuses any host but 127.0.0.1. Each of
`connections` workers sends one request a connection (gunicorn's sync workers close it after each
answer), waits for the whole answer, and starts again until the deadline. A request is a function
`make(i) -> (method, path, headers, body)`; returning None stops that worker (e.g. no case left).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

HOST = "127.0.0.1"
REQUEST_TIMEOUT_S = 30.0

Request = tuple[str, str, dict[str, str], bytes]


class NotLocal(ValueError):
    """The load generator aims only at 127.0.0.1."""


@dataclass
class Run:
    seconds: float = 0.0  # from the first request sent to the last answer
    latencies_ms: list[float] = field(default_factory=list)  # 2xx answers only
    statuses: Counter = field(default_factory=Counter)  # every answer's status; "connect", "timeout" for failures
    exhausted: bool = False  # a worker had nothing left to send before the deadline
    samples: dict[int, str] = field(default_factory=dict)  # one answer body per non-2xx status, for the report

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if isinstance(s, int) and 200 <= s < 300)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def summary(self) -> dict:
        import numpy as np

        errors = {
            str(s): n for s, n in sorted(self.statuses.items(), key=str) if not (isinstance(s, int) and 200 <= s < 300)
        }
        lat = np.asarray(self.latencies_ms) if self.latencies_ms else np.asarray([0.0])
        return {
            "requests": self.requests,
            "ok": self.ok,
            "errors": sum(errors.values()),
            "errors_by_status": errors,
            "seconds": round(self.seconds, 2),
            "per_s": round(self.ok / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(float(np.percentile(lat, 50)), 1),
            "p99_ms": round(float(np.percentile(lat, 99)), 1),
            "max_ms": round(float(lat.max()), 1),
            "exhausted": self.exhausted,
            **({"error_samples": self.samples} if self.samples else {}),
        }


def _run(coro):  # type: ignore[no-untyped-def]
    """asyncio.run, in a thread of its own when this thread already runs an event loop (e.g. a caller
    driving Playwright's sync API in the same process)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _encode(method: str, path: str, headers: dict[str, str], body: bytes, port: int) -> bytes:
    head = [
        f"{method} {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Connection: close",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _exchange(port: int, raw: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await reader.read()  # the server closes the connection after the answer
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body


async def _worker(port: int, make: Callable[[int], Request | None], counter, deadline: float, run: Run) -> None:
    while time.perf_counter() < deadline:
        i = next(counter)
        request = make(i)
        if request is None:
            run.exhausted = True
            return
        raw = _encode(*request, port=port)
        start = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(_exchange(port, raw), REQUEST_TIMEOUT_S)
        except TimeoutError:
            run.statuses["timeout"] += 1
            continue
        except OSError:
            run.statuses["connect"] += 1
            await asyncio.sleep(0.01)
            continue
        took = (time.perf_counter() - start) * 1000
        run.statuses[status] += 1
        if 200 <= status < 300:
            run.latencies_ms.append(took)
        elif status not in run.samples:
            run.samples[status] = body[:300].decode("utf-8", "replace")


async def _load(port: int, make, connections: int, seconds: float) -> Run:
    from itertools import count

    run, counter = Run(), count()
    start = time.perf_counter()
    await asyncio.gather(*(_worker(port, make, counter, start + seconds, run) for _ in range(connections)))
    run.seconds = time.perf_counter() - start
    return run


def run_load(*, host: str, port: int, make: Callable[[int], Request | None], connections: int, seconds: float) -> Run:
    """`connections` concurrent clients for `seconds` (answers still under way then are awaited)."""
    if host != HOST:
        raise NotLocal(f"the load generator aims only at {HOST}, not {host!r}")
    if not (0 < seconds <= 3600 and 0 < connections <= 1024):
        raise ValueError(f"seconds must be in (0, 3600] and connections in (0, 1024], not {seconds}, {connections}")
    return _run(_load(port, make, connections, seconds))


def request_once(
    *, port: int, method: str, path: str, payload: dict | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict | str]:
    """One request (setting up the run: a token, a readiness probe): status and the parsed JSON answer."""
    body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    status, data = _run(asyncio.wait_for(_exchange(port, _encode(method, path, hdrs, body, port)), REQUEST_TIMEOUT_S))
    try:
        return status, json.loads(data)
    except ValueError:
        return status, data.decode("utf-8", "replace")

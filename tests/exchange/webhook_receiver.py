"""A live HTTP receiver for webhook tests: http.server in a thread on 127.0.0.1, which records every request
and answers what it is told (a script of statuses first, then a status per case number, else 200)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    raw: bytes
    status: int  # what the receiver answered

    @property
    def body(self) -> dict:
        return json.loads(self.raw)

    @property
    def id(self) -> str:
        return self.body["id"]


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)  # the next answers, in order
    per_case: dict[str, int] = field(default_factory=dict)  # case number → answer while set
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, body: dict) -> int:
        with self.lock:
            if self.script:
                return self.script.pop(0)
            return self.per_case.get(body.get("case", {}).get("number", ""), 200)

    def ids(self, number: str | None = None, ok_only: bool = True) -> list[str]:
        """The message ids received (of one case), in order; only those answered 2xx unless told."""
        return [
            r.id
            for r in self.requests
            if (number is None or r.body["case"]["number"] == number) and (not ok_only or r.status < 300)
        ]


def start() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = receiver.answer(json.loads(raw or b"{}"))
            with receiver.lock:
                receiver.requests.append(Received(dict(self.headers.items()), raw, status))
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"no")

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server

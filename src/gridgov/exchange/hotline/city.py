"""A simulated city 12345 platform (模拟市级平台): the other end of the adapter, for tests and the demo.

It hands out work orders after a cursor (GET /api/orders?after=N&limit=M), takes our messages
(POST /api/orders/{number}/{accept|return|progress|reply|close}) and behaves as a strict city would:
a wrong token is 403, an unknown order 404, a message id seen before is answered 200 without being kept
twice, a reply too thin to tell the requester anything is refused (422), and it can be taken down (503)
and brought back. It keeps everything in memory; `messages[number]` is what it received, in order.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

KINDS = ("accept", "return", "progress", "reply", "close")
MIN_REPLY = 10  # characters: shorter replies are refused (答复内容过于简单)
PUSH = re.compile(r"^/api/orders/(?P<number>[^/]+)/(?P<kind>[a-z]+)$")


class CityPlatform:
    """The simulated platform; `start()` serves it on 127.0.0.1 (port 0: any free port) in a thread."""

    def __init__(self, *, token: str = "city-token", port: int = 0) -> None:
        self.token = token
        self.port = port
        self.feed: list[dict[str, Any]] = []  # the orders handed out, in order (a re-send appears again)
        self.orders: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.seen_ids: set[str] = set()
        self.duplicates = 0  # messages received again (same id): answered, not kept
        self.refusals: list[dict[str, Any]] = []
        self.is_down = False
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ---- the test's or the demo's handle --------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "start() the platform first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> CityPlatform:
        platform = self

        class Handler(_Handler):
            city = platform

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="city-12345", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def add_order(self, order: dict[str, Any], *, number_field: str = "gdbh") -> None:
        with self.lock:
            self.orders[str(order[number_field])] = order
            self.feed.append(order)

    def resend(self, number: str) -> None:
        """The city sends an order again (it does so when it has not seen our acceptance in time)."""
        with self.lock:
            self.feed.append(self.orders[number])

    def down(self) -> None:
        self.is_down = True

    def up(self) -> None:
        self.is_down = False

    def kinds(self, number: str) -> list[str]:
        return [m["kind"] for m in self.messages.get(number, [])]

    # ---- what the handler does ------------------------------------------------------------------------
    def page(self, after: int, limit: int) -> dict[str, Any]:
        with self.lock:
            orders = self.feed[after : after + limit]
            return {"orders": orders, "next": str(after + len(orders))}

    def receive(self, number: str, kind: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if number not in self.orders:
                return 404, {"detail": f"工单 {number} 不存在"}
            message_id = str(body.get("id", ""))
            if message_id and message_id in self.seen_ids:
                self.duplicates += 1
                return 200, {"ok": True, "duplicate": True}
            reply = body.get("reply") if kind in ("reply", "close") else None
            if reply is not None and len(str(reply).strip()) < MIN_REPLY:
                refusal = {"number": number, "kind": kind, "id": message_id}
                self.refusals.append(refusal)
                return 422, {"detail": "答复内容过于简单：请写明办理结果或不能办理的原因"}
            if message_id:
                self.seen_ids.add(message_id)
            self.messages.setdefault(number, []).append(body)
            return 200, {"ok": True}


class _Handler(BaseHTTPRequestHandler):
    city: CityPlatform

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and the demo read `messages`
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _refused(self) -> bool:
        if self.city.is_down:
            self._answer(503, {"detail": "平台维护中"})
            return True
        if self.headers.get("Authorization") != f"Bearer {self.city.token}":
            self._answer(403, {"detail": "令牌错误"})
            return True
        return False

    def do_GET(self) -> None:
        if self._refused():
            return
        url = urlparse(self.path)
        if url.path != "/api/orders":
            self._answer(404, {"detail": "无此接口"})
            return
        query = parse_qs(url.query)
        try:
            after = int((query.get("after") or ["0"])[0] or 0)
            limit = max(1, min(500, int((query.get("limit") or ["100"])[0])))
        except ValueError:
            self._answer(400, {"detail": "after/limit 应为整数"})
            return
        self._answer(200, self.city.page(after, limit))

    def do_POST(self) -> None:
        if self._refused():
            return
        match = PUSH.match(urlparse(self.path).path)
        if not match or match["kind"] not in KINDS:
            self._answer(404, {"detail": "无此接口"})
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        except ValueError:
            self._answer(400, {"detail": "请求体不是 JSON"})
            return
        status, answer = self.city.receive(match["number"], match["kind"], body)
        self._answer(status, answer)

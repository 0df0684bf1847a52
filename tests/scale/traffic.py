"""Bounded mixed traffic against a live site, for the soak test (tests/scale/test_faults.py).

Threads of three kinds until `stop` is set: intake (POST /api/v1/cases, one Idempotency-Key per report),
staff (register → dispatch → accept through the API with bearer tokens) and reads. A request that meets a
connection error or a 5xx (a killed worker, a restarting database) is sent again, the same body and the same
key, until it is acknowledged or RETRY_FOR seconds have passed. What was acknowledged is recorded, so the test
can check afterwards that each acknowledged write exists exactly once.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

RETRY_FOR = 90.0  # seconds one request keeps being retried (a database restart takes a few)
TIMEOUT = 30.0
STEPS = (("register", {"complexity": "general"}), ("dispatch", {}), ("accept", {}))


@dataclass
class Figures:
    acknowledged: int = 0  # intake requests answered 201
    replayed: int = 0  # … of which a retry answered with the case of the first attempt
    steps: int = 0  # staff actions acknowledged
    reads: int = 0
    retries: int = 0  # requests sent again after a connection error or a 5xx
    gave_up: int = 0  # requests never acknowledged within RETRY_FOR
    read_errors: int = 0
    refusals: list[str] = field(default_factory=list)  # unexpected 4xx answers: a bug in the test or the product


class Unacknowledged(Exception):
    pass


class Traffic:
    """Traffic against `url` for cases at (lon, lat) titled `prefix` + key; `accounts` maps username → password."""

    def __init__(self, url: str, *, prefix: str, lon: float, lat: float, accounts: dict[str, str]) -> None:
        self.url, self.prefix, self.lon, self.lat, self.accounts = url, prefix, lon, lat, accounts
        self.stop = threading.Event()
        self.figures = Figures()
        self.lock = threading.Lock()
        self.acked: dict[str, str] = {}  # title → case number
        self.acked_steps: dict[str, list[str]] = {}  # case number → staff actions acknowledged, in order
        self.tokens: dict[str, str] = {}
        self.todo: queue.Queue[str] = queue.Queue()
        self.threads: list[threading.Thread] = []

    # --- sending with retries ------------------------------------------------------------------------------
    def send(self, method: str, path: str, *, deadline: float | None = None, **kwargs) -> requests.Response:
        """One request, sent again on a connection error or a 5xx until RETRY_FOR has passed."""
        deadline = deadline or time.monotonic() + RETRY_FOR
        pause = 0.2
        while True:
            try:
                response = requests.request(method, self.url + path, timeout=TIMEOUT, **kwargs)
                if response.status_code < 500:
                    return response
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                with self.lock:
                    self.figures.gave_up += 1
                raise Unacknowledged(f"{method} {path}")
            with self.lock:
                self.figures.retries += 1
            time.sleep(pause)
            pause = min(pause * 2, 2.0)

    def token(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            body = {"username": username, "password": self.accounts[username], "label": "soak"}
            response = self.send("POST", "/api/v1/auth/token", json=body)
            assert response.status_code == 200, response.text
            self.tokens[username] = response.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def refused(self, what: str, response: requests.Response) -> None:
        with self.lock:
            self.figures.refusals.append(f"{what}: {response.status_code} {response.text[:300]}")

    # --- the three kinds of client ---------------------------------------------------------------------------
    def intake(self) -> None:
        while not self.stop.is_set():
            key = uuid.uuid4().hex
            title = f"{self.prefix}{key}"
            body = {"title": title, "description": "路灯不亮（soak）", "lon": self.lon, "lat": self.lat}
            try:
                response = self.send("POST", "/api/v1/cases", json=body, headers={"Idempotency-Key": key})
            except Unacknowledged:
                continue
            if response.status_code != 201:
                self.refused(f"report {key}", response)
                continue
            made = response.json()
            with self.lock:
                self.figures.acknowledged += 1
                self.figures.replayed += bool(made.get("replayed"))
                self.acked[title] = made["number"]
            self.todo.put(made["number"])

    def staff(self, dispatcher: str) -> None:
        while not self.stop.is_set():
            try:
                number = self.todo.get(timeout=0.5)
            except queue.Empty:
                continue
            self.acked_steps.setdefault(number, [])
            for action, body in STEPS:
                if self.stop.is_set():
                    break
                lead = self.lead_of(number, dispatcher) if action == "accept" else None
                who = dispatcher if action != "accept" else handler_for(lead or "")
                if not self.act(number, action, body, who, dispatcher):
                    break

    def act(self, number: str, action: str, body: dict, who: str, dispatcher: str) -> bool:
        """One step; a 409 after a retry is acknowledged when the case's file holds the step (it committed
        before the connection broke). False when the step was not acknowledged."""
        try:
            response = self.send("POST", f"/api/v1/cases/{number}/actions/{action}", json=body, headers=self.token(who))
        except Unacknowledged:
            return False
        if response.status_code == 409 and action in self.actions_of(number, dispatcher):
            response.status_code = 200
        if response.status_code != 200:
            self.refused(f"{action} {number}", response)
            return False
        with self.lock:
            self.figures.steps += 1
            self.acked_steps[number].append(action)
        return True

    def detail(self, number: str, dispatcher: str) -> dict:
        response = self.send("GET", f"/api/v1/cases/{number}", headers=self.token(dispatcher))
        return response.json() if response.status_code == 200 else {}

    def actions_of(self, number: str, dispatcher: str) -> list[str]:
        return [e["action"] for e in self.detail(number, dispatcher).get("events", [])]

    def lead_of(self, number: str, dispatcher: str) -> str:
        return self.detail(number, dispatcher).get("lead_unit") or ""

    def reads(self, dispatcher: str) -> None:
        while not self.stop.is_set():
            with self.lock:
                numbers = list(self.acked.values())[-20:]
            paths = ["/api/v1/cases?limit=20"] + [f"/api/v1/cases/{n}" for n in numbers[-3:]]
            for path in paths:
                try:
                    ok = requests.get(self.url + path, headers=self.token(dispatcher), timeout=TIMEOUT).ok
                except (requests.RequestException, Unacknowledged):
                    ok = False
                with self.lock:
                    self.figures.reads += ok
                    self.figures.read_errors += not ok
            self.stop.wait(0.3)

    # --- running ----------------------------------------------------------------------------------------------
    def start(self, *, intake: int, dispatcher: str) -> None:
        self.token(dispatcher)  # signed in before the faults begin
        targets = [self.intake] * intake + [lambda: self.staff(dispatcher), lambda: self.reads(dispatcher)]
        for i, target in enumerate(targets):
            thread = threading.Thread(target=target, name=f"soak-{i}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self, timeout: float = RETRY_FOR + TIMEOUT + 30) -> None:
        """Stop the clients; each ends its request under way (retries included) first."""
        self.stop.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        stuck = [t.name for t in self.threads if t.is_alive()]
        assert not stuck, f"client threads still running after {timeout:.0f}s: {stuck}"


def handler_for(unit: str) -> str:
    """The demo account that signs for a case led by `unit` (as tests/cases/test_loop_api.py)."""
    if unit.startswith("D"):
        return f"handler-{unit}"
    return f"worker-{unit}" if len(unit) == 15 else f"leader-{unit}"

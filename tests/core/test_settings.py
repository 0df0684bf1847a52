"""Production settings that refuse to be unsafe (docs/deploy.md): no GRIDGOV_SECRET_KEY, no server; the demo
declares its development key; the proxy and HTTPS settings come from the environment; no demo apps."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from gridgov.devenv import DEVELOPMENT_SECRET_KEY, declare_development
from tests.core.settings_util import ROOT, python, run, server_env

# other processes on SQLite files of their own, whatever the run's engine: the SQLite run covers it (`once`)
pytestmark = pytest.mark.once

REFUSAL = "GRIDGOV_SECRET_KEY is not set"
KEY = "k" * 60


@pytest.mark.parametrize(
    "args",
    [
        ["-m", "gridgov.cli", "serve", "--port", "1"],
        ["-m", "gridgov.cli", "check", "--deploy"],
        ["-m", "gridgov.cli", "worker", "--once"],
        ["-c", "import gridgov.wsgi"],
        ["-m", "django", "check"],
    ],
)
def test_without_the_key_nothing_starts(args, tmp_path):
    done = run(args, server_env(GRIDGOV_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    assert done.returncode != 0
    assert REFUSAL in done.stderr and "secrets.token_urlsafe" in done.stderr, done.stderr[-3000:]
    assert not (tmp_path / "db.sqlite3").exists(), "refused before touching the database"


def test_the_console_command_says_it_in_one_line(tmp_path):
    env = server_env(GRIDGOV_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    done = run(["-m", "gridgov.cli", "migrate"], env)
    assert done.returncode == 2
    assert done.stderr.startswith("gridgov: " + REFUSAL) and "Traceback" not in done.stderr, done.stderr


def test_an_empty_key_is_no_key():
    done = run(["-c", "import gridgov.wsgi"], server_env(GRIDGOV_SECRET_KEY="  "))
    assert done.returncode != 0 and REFUSAL in done.stderr


@pytest.mark.parametrize(
    "env,key", [({"GRIDGOV_SECRET_KEY": KEY}, KEY), ({"GRIDGOV_DEBUG": "1"}, DEVELOPMENT_SECRET_KEY)]
)
def test_a_key_or_debug_lets_it_start(env, key):
    done = python("print(settings.SECRET_KEY)", server_env(**env))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == key


def test_the_demo_commands_declare_a_development_environment():
    """`gridgov accounts` (a demo command) runs with nothing set: the development key and the sim app."""
    done = run(["-m", "gridgov.cli", "accounts", "--help"], server_env())
    assert done.returncode == 0, done.stderr[-3000:]
    assert "usage: gridgov accounts" in done.stdout


def test_declare_development_keeps_a_key_that_is_set():
    env = {"GRIDGOV_SECRET_KEY": KEY}
    declare_development(env)
    assert env == {"GRIDGOV_SECRET_KEY": KEY, "GRIDGOV_DEMO_APPS": "1"}
    env = {"GRIDGOV_SECRET_KEY": ""}
    declare_development(env)
    assert env["GRIDGOV_SECRET_KEY"] == DEVELOPMENT_SECRET_KEY


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_with_the_key(tmp_path):
    """`gridgov serve` with a production environment and its key: migrates a fresh database and answers."""
    port = _free_port()
    env = server_env(
        GRIDGOV_SECRET_KEY=KEY,
        GRIDGOV_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GRIDGOV_STATIC_ROOT=str(tmp_path / "static"),
        GRIDGOV_MEDIA_ROOT=str(tmp_path / "media"),
    )
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115  (closed below, after the server stopped)
    server = subprocess.Popen(
        [sys.executable, "-m", "gridgov.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    status = None
    try:
        deadline = time.monotonic() + 240
        while status is None and server.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=10) as answer:
                    status = answer.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                time.sleep(0.5)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its sibling worker: the group started here
            server.wait(timeout=60)
        log.seek(0)
        output = log.read()
        log.close()
    assert status == 200, output[-4000:]
    assert not (tmp_path / "static").exists(), "nothing collected, nothing created"


def test_the_proxy_and_https_settings_come_from_the_environment():
    names = [
        "SECURE_PROXY_SSL_HEADER",
        "USE_X_FORWARDED_HOST",
        "CSRF_TRUSTED_ORIGINS",
        "ALLOWED_HOSTS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
    ]
    code = f"import json; print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    done = python(
        code,
        server_env(
            GRIDGOV_SECRET_KEY=KEY,
            GRIDGOV_HTTPS="1",
            GRIDGOV_PROXY_SSL_HEADER="X-Forwarded-Proto",
            GRIDGOV_USE_X_FORWARDED_HOST="1",
            GRIDGOV_CSRF_TRUSTED_ORIGINS="https://grid.example.cn, https://m.example.cn",
            GRIDGOV_ALLOWED_HOSTS="grid.example.cn,m.example.cn",
            GRIDGOV_HSTS_SECONDS="3600",
            GRIDGOV_HSTS_PRELOAD="0",
            GRIDGOV_SSL_REDIRECT="0",
        ),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout) == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "USE_X_FORWARDED_HOST": True,
        "CSRF_TRUSTED_ORIGINS": ["https://grid.example.cn", "https://m.example.cn"],
        "ALLOWED_HOSTS": ["grid.example.cn", "m.example.cn"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
    }


def test_without_https_nothing_is_forced():
    code = (
        "import json; print(json.dumps([getattr(settings, 'SECURE_PROXY_SSL_HEADER', None), "
        "settings.USE_X_FORWARDED_HOST, settings.CSRF_TRUSTED_ORIGINS, settings.SESSION_COOKIE_SECURE, "
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS]))"
    )
    done = python(code, server_env(GRIDGOV_SECRET_KEY=KEY))
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout) == [None, False, [], False, False, 0]


def test_the_production_apps_leave_out_the_demo_and_the_bench():
    code = "from django.apps import apps; print(apps.is_installed('gridgov.sim'), apps.is_installed('gridgov.bench'))"
    production = python(code, server_env(GRIDGOV_SECRET_KEY=KEY))
    demo = python(code, server_env(GRIDGOV_SECRET_KEY=KEY, GRIDGOV_DEMO_APPS="1"))
    assert (production.stdout.strip(), demo.stdout.strip()) == ("False False", "True True"), production.stderr
    check = run(["-m", "django", "check"], server_env(GRIDGOV_SECRET_KEY=KEY))
    assert check.returncode == 0, check.stdout + check.stderr[-3000:]


def test_the_demo_command_is_a_demo_app():
    """`gridgov demo` lives in the sim app: a production `gridgov` has no such command."""
    done = run(["-m", "gridgov.cli", "help", "demo"], server_env(GRIDGOV_SECRET_KEY=KEY))
    assert done.returncode != 0 and "Unknown command: 'demo'" in done.stderr


def _environment_variables_read_in_src() -> set[str]:
    read = re.compile(r"""(?:environ(?:\.get)?\(|environ\[|_flag\(|_list\(|getenv\()\s*["'](GRIDGOV_[A-Z0-9_]+)""")
    return {m for path in (ROOT / "src" / "gridgov").rglob("*.py") for m in read.findall(path.read_text("utf-8"))}


def test_every_environment_variable_is_in_the_deploy_table():
    doc = (ROOT / "docs" / "deploy.md").read_text("utf-8")
    rows = set(re.findall(r"^\| `(GRIDGOV_[A-Z0-9_]+)`", doc, re.M))
    read = _environment_variables_read_in_src()
    assert {"GRIDGOV_SECRET_KEY", "GRIDGOV_USE_X_FORWARDED_HOST", "GRIDGOV_CSRF_TRUSTED_ORIGINS"} <= read
    assert read - rows == set(), "read by the code, missing from docs/deploy.md's table"


def test_settings_create_nothing_on_disk(tmp_path):
    """Reading the settings and building the WSGI app writes nothing; a static file is still served (from
    the finders) with STATIC_ROOT not there, and WhiteNoise does not warn about it."""
    env = server_env(
        GRIDGOV_SECRET_KEY=KEY,
        GRIDGOV_STATIC_ROOT=str(tmp_path / "static"),
        GRIDGOV_MEDIA_ROOT=str(tmp_path / "media"),
        GRIDGOV_ANCHOR_DIR=str(tmp_path / "anchors"),
        GRIDGOV_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    code = (
        "from django.core.wsgi import get_wsgi_application; from django.test import Client; "
        "get_wsgi_application(); print(Client().get('/static/web/map.css').status_code)"
    )
    done = python(code, env, "-W", "error::UserWarning")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "200"
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == []

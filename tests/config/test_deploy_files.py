"""The production files in deploy/ stay true (docs/deploy.md, "Production on several processes"): the commands
the systemd units run exist and accept their options, the modules they name import, every variable they set is
in docs/deploy.md's table, exactly one unit runs beat, nginx's paths are gridgov's, and nginx and systemd accept
the files where their programs are installed (skipped elsewhere: the tests install nothing)."""

from __future__ import annotations

import importlib
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOC = ROOT / "docs" / "deploy.md"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
NGINX = DEPLOY / "nginx" / "gridgov.conf"
ENV_EXAMPLE = DEPLOY / "gridgov.env.example"
INSTALL = "/srv/gridgov"  # where the units and nginx expect the checkout
SECRETS = {"GRIDGOV_SECRET_KEY", "GRIDGOV_AUDIT_KEY", "GRIDGOV_DATA_KEY", "GRIDGOV_DATA_KEY_OLD", "GRIDGOV_DIGEST_KEY"}


def documented_variables() -> set[str]:
    return set(re.findall(r"^\| `(GRIDGOV_[A-Z0-9_]+)`", DOC.read_text("utf-8"), re.M))


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text("utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, sep, value = line.partition("=")
            assert sep and name == name.strip() and re.fullmatch(r"[A-Z0-9_]+", name), f"not KEY=value: {line!r}"
            values[name] = value
    return values


def unit_lines(path: Path) -> dict[str, list[str]]:
    """A unit's settings, name → values (continued lines joined), comments dropped."""
    text = re.sub(r"\\\n\s*", " ", path.read_text("utf-8"))
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith(("#", ";", "[")):
            name, _, value = line.partition("=")
            settings.setdefault(name.strip(), []).append(value.strip())
    return settings


def exec_start(path: Path, instance: str = "1") -> list[str]:
    """ExecStart as the argv systemd runs (%i the instance, %% a percent sign)."""
    (command,) = unit_lines(path)["ExecStart"]
    return shlex.split(command.replace("%i", instance).replace("%%", "%"))


def gridgov_options(argv: list[str]):
    """The options of a `gridgov <command> …` line, parsed by the command's own parser (an unknown
    command or option fails here)."""
    from django.core.management import get_commands, load_command_class

    name, *args = argv
    commands = get_commands()
    assert name in commands, f"gridgov has no command {name!r}"
    command = load_command_class(commands[name], name)
    return command.create_parser("gridgov", name).parse_args(args)


def test_the_files_exist_and_the_doc_cites_each():
    doc = DOC.read_text("utf-8")
    files = [NGINX, ENV_EXAMPLE, *UNITS]
    assert {p.name for p in UNITS} == {"gridgov-web.service", "gridgov-worker@.service", "gridgov-beat.service"}
    for path in files:
        assert f"../{path.relative_to(ROOT)}" in doc, f"docs/deploy.md does not cite {path.relative_to(ROOT)}"
    for cited in re.findall(r"\]\(\.\./(deploy/[^)]+)\)", doc):
        assert (ROOT / cited).is_file(), f"docs/deploy.md cites {cited}, which is not there"


def test_every_variable_named_is_in_the_table_and_no_secret_is_set():
    documented = documented_variables()
    values = env_example()
    assert set(values) - documented == set(), "deploy/gridgov.env.example sets variables docs/deploy.md lacks"
    assert not set(values) & SECRETS, "the environment example must not hold a key: they go in keys.env"
    assert {"GRIDGOV_DATABASE_URL", "GRIDGOV_REDIS_URL", "GRIDGOV_MEDIA_ACCEL_REDIRECT"} <= set(values)
    assert values["GRIDGOV_DATABASE_URL"].startswith("postgresql://") and values["GRIDGOV_REDIS_URL"].startswith(
        "redis"
    )
    named = set()
    for path in [NGINX, ENV_EXAMPLE, *UNITS]:
        named |= set(re.findall(r"GRIDGOV_[A-Z0-9_]+", path.read_text("utf-8")))
    assert named - documented == set(), "deploy/ names variables docs/deploy.md's table lacks"


def test_the_units_run_commands_that_exist():
    venv_bin = Path(sys.executable).parent
    for unit in UNITS:
        settings = unit_lines(unit)
        assert settings["EnvironmentFile"] == ["/etc/gridgov/gridgov.env", "/etc/gridgov/keys.env"], unit.name
        assert settings["WorkingDirectory"] == [INSTALL], unit.name
        program, *args = exec_start(unit)
        assert program.startswith(f"{INSTALL}/.venv/bin/"), f"{unit.name}: run from the checkout's .venv"
        name = Path(program).name
        assert (venv_bin / name).exists(), f"{unit.name}: {name} is not a program the install provides"
        if name == "gunicorn":
            from gunicorn.config import Config

            config = Config()
            parsed = config.parser().parse_args(args)  # an unknown option exits here
            (app,) = parsed.args
            module, _, attribute = app.partition(":")
            assert callable(getattr(importlib.import_module(module), attribute)), app
            assert parsed.workers and parsed.workers >= 2, "several web workers"
        else:
            assert name == "gridgov", unit.name
            gridgov_options(args)


def test_exactly_one_unit_runs_beat_and_several_workers_can_run():
    from celery import Celery

    from gridgov.celery import app

    assert isinstance(app, Celery)
    beats, workers = [], []
    for unit in UNITS:
        program, *args = exec_start(unit)
        if Path(program).name != "gridgov":
            continue
        assert args[0] == "worker"
        options = gridgov_options(args)
        if options.beat_only:
            beats.append(unit.name)
        else:
            workers.append(unit.name)
            assert options.no_beat, f"{unit.name}: a worker that embeds beat would be a second beat"
    assert beats == ["gridgov-beat.service"]
    assert workers == ["gridgov-worker@.service"]
    # a template: each instance a node name of its own
    names = {gridgov_options(exec_start(DEPLOY / "systemd" / "gridgov-worker@.service", i)[1:]).hostname for i in "12"}
    assert len(names) == 2 and all("@" in n for n in names)


def test_nginx_serves_gridgovs_folders_and_proxies_to_gunicorn():
    conf = NGINX.read_text("utf-8")
    values = env_example()
    accel = values["GRIDGOV_MEDIA_ACCEL_REDIRECT"]
    block = re.search(r"location %s \{(.*?)\}" % re.escape(accel), conf, re.S)
    assert block, f"no `location {accel}` for GRIDGOV_MEDIA_ACCEL_REDIRECT"
    assert re.search(r"^\s*internal;", block.group(1), re.M), "the photos' location must be internal"
    assert f"alias {values['GRIDGOV_MEDIA_ROOT'].rstrip('/')}/;" in block.group(1)
    static = re.search(r"location /static/ \{(.*?)\}", conf, re.S)
    assert static and f"alias {values['GRIDGOV_STATIC_ROOT'].rstrip('/')}/;" in static.group(1)
    web = exec_start(DEPLOY / "systemd" / "gridgov-web.service")
    bind = web[web.index("--bind") + 1]
    assert re.search(r"upstream gridgov \{\s*server %s;" % re.escape(bind), conf)
    assert "proxy_pass http://gridgov;" in conf
    # the headers the settings of the example read
    assert f"proxy_set_header {values['GRIDGOV_CLIENT_IP_HEADER']} $remote_addr;" in conf
    assert f"proxy_set_header {values['GRIDGOV_PROXY_SSL_HEADER']} $scheme;" in conf
    # no location serves the media folder in the open
    assert conf.count(values["GRIDGOV_MEDIA_ROOT"].rstrip("/") + "/;") == 1


def _nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None)


def test_nginx_accepts_the_configuration(tmp_path):
    nginx = _nginx()
    if nginx is None:
        pytest.skip("nginx is not installed")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (a throwaway certificate for nginx -t)")
    certificate = ["-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t", *certificate],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = NGINX.read_text("utf-8")
    site = site.replace("/etc/ssl/gridgov/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/ssl/gridgov/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site, "utf-8")
    temp = "\n".join(
        f"  {kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n{temp}\n  include {tmp_path / 'site.conf'};\n}}\n",
        "utf-8",
    )
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    venv_bin = str(Path(sys.executable).parent) + "/"
    paths = []
    for unit in UNITS:
        name = unit.name.replace("@.service", "@1.service")  # an instance of the template
        text = unit.read_text("utf-8").replace(f"{INSTALL}/.venv/bin/", venv_bin)
        (tmp_path / name).write_text(text, "utf-8")
        paths.append(str(tmp_path / name))
    done = subprocess.run([analyze, "verify", "--man=no", *paths], capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and "Failed to" in done.stderr and "bus" in done.stderr.lower():
        pytest.skip(f"systemd-analyze cannot run here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def _postgresql_section() -> str:
    doc = DOC.read_text("utf-8")
    return doc[doc.index("### PostgreSQL") : doc.index("### Redis")]


@pytest.mark.django_db
def test_the_postgresql_settings_and_statements_apply():
    """The server settings named in docs/deploy.md exist in this PostgreSQL, and its autovacuum statements run on
    the tables as migrated (in a transaction the test rolls back)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's settings: the PostgreSQL run")
    section = _postgresql_section()
    (ini,) = re.findall(r"```ini\n(.*?)```", section, re.S)
    names = {line.split("=")[0].strip() for line in ini.splitlines() if "=" in line.split("#")[0]}
    (sql,) = re.findall(r"```sql\n(.*?)```", section, re.S)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_settings")
        known = {name for (name,) in cursor.fetchall()}
        assert names and names <= known, f"not PostgreSQL settings: {sorted(names - known)}"
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            cursor.execute(statement)  # the test's transaction is rolled back

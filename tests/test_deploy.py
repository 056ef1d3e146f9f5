"""The production deployment in deploy/: the compose file, the Dockerfile and nginx's config
read as data (no docker daemon or compose on the test machines), and the backup and restore
scripts run for real against PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from flask_migrate import upgrade

from eventhub import create_app
from eventhub.database import db
from tests import factories
from tests.ci import missing
from tests.conftest import ensure_test_database, per_worker, postgres_server_url

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def dockerfile():
    # Continuation lines joined: one instruction per line.
    return (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")


def test_compose_has_the_services_and_web_scales(compose):
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "nginx", "migrate"} <= set(services)
    web = services["web"]
    # `--scale web=3`: no fixed name, no host port (only nginx publishes one).
    assert "container_name" not in web
    assert "ports" not in web
    assert [s for s, spec in services.items() if "ports" in spec] == ["nginx"]
    assert web["command"] == ["web"]
    assert services["worker"]["command"] == ["worker"]  # the RQ mail worker
    for name in ("postgres", "redis", "web", "worker", "nginx"):
        assert "test" in services[name]["healthcheck"], name
    assert "/readyz" in " ".join(web["healthcheck"]["test"])
    # Migrations once, before the app starts; the app waits for healthy PostgreSQL and Redis.
    assert services["migrate"]["command"] == ["migrate"]
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert web["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert web["environment"]["UPLOAD_FOLDER"] == "/data/uploads"
    assert "uploads:/data/uploads" in web["volumes"]


def test_compose_commits_no_secret(compose):
    text = (DEPLOY / "compose.yaml").read_text()
    assert "SECRET_KEY" not in text  # from deploy/.env only
    assert "${POSTGRES_PASSWORD:?" in text  # required, never defaulted
    example = (DEPLOY / ".env.example").read_text()
    for line in example.splitlines():
        if re.match(r"(SECRET_KEY|POSTGRES_PASSWORD|MAIL_PASSWORD|METRICS_TOKEN)=", line):
            assert line.endswith("="), line
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(DEPLOY / ".env")], cwd=DEPLOY, check=False
    )
    assert ignored.returncode == 0, "deploy/.env must be ignored by git"


def test_dockerfile(dockerfile):
    instructions = [line.strip() for line in dockerfile.splitlines() if line.strip()
                    and not line.lstrip().startswith("#")]
    stages = [line for line in instructions if line.startswith("FROM ")]
    assert len(stages) >= 3  # front-end modules, build, runtime (+ nginx)
    runtime = dockerfile.split("AS runtime", 1)[1].split("\nFROM ", 1)[0]
    users = re.findall(r"^USER (\S+)", runtime, re.M)
    assert users and not users[-1].startswith(("root", "0")), "the app runs as non-root"
    assert "HEALTHCHECK" in runtime
    assert "gunicorn.conf.py" in runtime + (DEPLOY / "entrypoint.sh").read_text()
    assert "-slim" in dockerfile
    assert "npm ci" in dockerfile and "node_modules" in runtime
    assert "pybabel compile" in dockerfile
    # No secret is added to an image, and ADD (which fetches URLs, unpacks archives) not at all.
    assert not re.search(r"^ADD ", dockerfile, re.M)
    assert not re.search(r"(SECRET_KEY|PASSWORD|TOKEN)\s*=", dockerfile)
    copied = re.findall(r"^COPY (?:--\S+ )*(.+) \S+$", dockerfile, re.M)
    assert not [c for c in copied if ".env" in c or "instance" in c or "secret" in c]
    ignored = (DEPLOY.parent / ".dockerignore").read_text().split()
    assert {".env", "instance", ".git", ".venv", "node_modules"} <= set(ignored)


def test_gunicorn_config():
    import runpy

    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["bind"] == "0.0.0.0:8000"
    assert settings["workers"] >= 1
    assert settings["graceful_timeout"] < settings["timeout"]
    assert settings["preload_app"] is False
    assert callable(settings["child_exit"])  # prometheus multiprocess cleanup
    formatter = settings["logconfig_dict"]["formatters"]["json"]["()"]
    assert formatter == "eventhub.observability.JsonFormatter"


def test_the_served_app_is_frozen_out_of_full_collections(tmp_path):
    # wsgi:app, as gunicorn's workers load it: the built app's objects (over half a million)
    # are frozen, so a full collection walks only what requests leave behind.
    script = "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
           "SECRET_KEY": "test"}
    done = subprocess.run([sys.executable, "-c", script], cwd=DEPLOY.parent, env=env,
                          capture_output=True, text=True, check=True)
    frozen, tracked = map(int, done.stdout.split())
    assert frozen > 100_000
    assert tracked < frozen / 20


def test_nginx_config():
    conf = (DEPLOY / "nginx.conf").read_text()
    assert re.search(r"^\s*gzip on;", conf, re.M)
    assert "application/json" in conf.split("gzip_types", 1)[1].split(";", 1)[0]
    assert 'max-age=31536000, immutable"' in conf
    assert "server web:8000" in conf  # the upstream by service name, every replica
    assert "location = /metrics { return 404; }" in conf
    proxy = (DEPLOY / "eventhub_proxy.conf").read_text()
    assert "X-Request-ID" in proxy and "X-Forwarded-For $remote_addr" in proxy


def test_docker_compose_config_when_available(tmp_path):
    """`docker compose config` (or docker-compose 1.29) validates the file where compose is
    installed, with a .env made from .env.example; where it is not (the docker client alone),
    this is skipped and the tests above stand in."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, check=False)
        if probe.returncode != 0:
            continue
        folder = tmp_path / "deploy"
        folder.mkdir()
        shutil.copy(DEPLOY / "compose.yaml", folder)
        example = (DEPLOY / ".env.example").read_text()
        (folder / ".env").write_text(
            example.replace("\nPOSTGRES_PASSWORD=\n", "\nPOSTGRES_PASSWORD=example\n")
        )
        done = subprocess.run([*command, "-f", "compose.yaml", "config", "--quiet"],
                              cwd=folder, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return
    missing("neither `docker compose` nor `docker-compose` is installed (on Debian: "
            "apt-get install docker-compose)")


# Backup and restore -------------------------------------------------------------------------
def _drop(url: sa.URL) -> None:
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def _scratch(server: sa.URL, name: str) -> str:
    """A scratch database's URL (per xdist worker), dropped if an earlier run left it."""
    url = server.set(database=per_worker(name))
    _drop(url)
    return url.render_as_string(hide_password=False)


def _client_bin(server: sa.URL) -> str | None:
    """A folder with pg_dump, pg_restore and psql at least as new as the server (the machine's,
    else the ones bundled with pgserver, which runs the embedded server)."""
    engine = sa.create_engine(server.set(database="postgres"))
    with engine.connect() as conn:
        major = int(conn.scalar(sa.text("SHOW server_version_num"))) // 10000
    engine.dispose()

    def bundled() -> Path | None:
        try:
            import pgserver
        except Exception:  # noqa: BLE001 - not installed, or cannot start here
            return None
        return Path(pgserver.__file__).parent / "pginstall" / "bin"

    on_path = shutil.which("pg_dump")
    for folder in (Path(on_path).parent if on_path else None, bundled()):
        if folder is None or not (folder / "pg_dump").exists():
            continue
        version = subprocess.run([folder / "pg_dump", "--version"], capture_output=True,
                                 text=True, check=False).stdout
        found = re.search(r"(\d+)\.", version)
        if found and int(found.group(1)) >= major:
            return str(folder)
    return None


@pytest.mark.concurrent("postgresql")
def test_backup_and_restore(tmp_path):
    server = postgres_server_url()
    pg_bin = _client_bin(server)
    if pg_bin is None:
        pytest.skip("no pg_dump as new as the server")
    env = {**os.environ, "PG_BIN": pg_bin}
    source = _scratch(server, "eventhub_backup_test")
    target = _scratch(server, "eventhub_backup_restored_test")
    ensure_test_database(source)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=source)
    with app.app_context():
        upgrade()
        org = factories.OrganizationFactory(name="备份测试空间")
        for _ in range(3):
            factories.EventFactory(organization=org)
        factories.MembershipFactory(organization=org)
        # A value with a newline and a tab: one COPY line per row still.
        factories.EventFactory(organization=org, description="第一行\n第二行\t制表")
        counts = {
            table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in ("organizations", "events", "users", "memberships", "alembic_version")
        }
        db.session.remove()
        db.engine.dispose()
    assert counts["events"] == 4 and counts["organizations"] == 1

    done = subprocess.run(
        [str(DEPLOY / "backup.sh"), source, str(tmp_path)],
        capture_output=True, text=True, check=False, env=env,
    )
    assert done.returncode == 0, done.stderr
    dump = Path(done.stdout.strip())
    assert dump.is_file() and dump.suffix == ".dump"
    assert dump.read_bytes()[:5] == b"PGDMP"  # custom format
    listed = dict(
        line.rsplit(" ", 1) for line in dump.with_suffix(".counts").read_text().splitlines()
    )
    for table, count in counts.items():
        assert int(listed[f"public.{table}"]) == count, table

    done = subprocess.run(
        [str(DEPLOY / "restore.sh"), str(dump), target],
        capture_output=True, text=True, check=False, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "counts verified" in done.stdout
    restored = sa.create_engine(target)
    with restored.connect() as conn:
        for table, count in counts.items():
            query = sa.text(f"SELECT count(*) FROM {table}")  # noqa: S608
            assert conn.scalar(query) == count, table
        assert conn.scalar(sa.text(
            "SELECT count(*) FROM events WHERE description = :d"), {"d": "第一行\n第二行\t制表"}
        ) == 1
    restored.dispose()

    # A database that already has tables is refused, nothing touched.
    again = subprocess.run(
        [str(DEPLOY / "restore.sh"), str(dump), target],
        capture_output=True, text=True, check=False, env=env,
    )
    assert again.returncode == 65
    assert "restore into a fresh database" in again.stderr
    for url in (source, target):
        _drop(sa.engine.make_url(url))

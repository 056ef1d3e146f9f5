"""PostgreSQL restarted while the door scans: a PostgreSQL server of the test's own (the
pgserver wheel's binaries, in a folder of its own: the machine's server is left alone) is
stopped and started again in the middle of a scanning rush. The gates' clients retry each
scan with the same nonce until they get an answer: every ticket is checked in exactly once,
nothing but 503 is answered meanwhile, and the app serves again by itself (pool pre-ping)."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from eventhub.accounts.services import create_token
from eventhub.checkin.models import Scan
from eventhub.database import db
from eventhub.models import Membership, Registration
from eventhub.registrations import services as reg
from tests import factories
from tests.ci import missing

pytestmark = pytest.mark.concurrent("postgresql")

TICKETS = 100
GATES = 6
#: How long PostgreSQL stays down.
DOWN_SECONDS = 1.0


@pytest.fixture
def own_postgres():
    """(URL, restart) of a PostgreSQL server of this test, removed afterwards."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset
        try:
            import pgserver
        except ImportError:
            missing("the pgserver wheel (pip install -e '.[test]')")
    folder = Path(tempfile.mkdtemp(prefix="eventhub-faults-pg-"))
    server = pgserver.get_server(folder / "data", cleanup_mode="delete")
    info = server.get_postmaster_info()
    url = sa.engine.URL.create("postgresql+psycopg", username="postgres",
                               database="eventhub_restart",
                               query={"host": str(info.socket_dir)})
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE eventhub_restart"))
    admin.dispose()

    def restart() -> None:
        """Stop the server (fast: sessions are cut off mid-statement), wait, start it again
        with the options it ran with (its socket folder, no TCP)."""
        run = {"pgdata": server.pgdata, "user": server.system_user, "timeout": 30}
        pgserver.pg_ctl(["-w", "-m", "fast", "stop"], **run)
        time.sleep(DOWN_SECONDS)
        pgserver.pg_ctl(["-w", "-o", '-h ""', "-o", f"-k {info.socket_dir}",
                         "-l", str(server.log), "start"], **run)

    try:
        yield url.render_as_string(hide_password=False), restart
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_restart_while_scanning_checks_in_every_ticket_once(own_postgres, make_app):
    url, restart = own_postgres
    app = make_app(url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": GATES + 2, "max_overflow": 0,
                                                   "pool_timeout": 5})
    with app.app_context():
        db.create_all()
        event = factories.EventFactory(title="重启演练开幕式")
        staff = factories.UserFactory()
        db.session.add(Membership(organization=event.organization, user=staff, role="staff"))
        gate_list = factories.main_list_of(event)
        codes = [
            reg.register(factories.UserFactory(phone=f"1380000{n:04d}"), event,
                         reg.RegistrationInfo(consent=True)).ticket_code
            for n in range(TICKETS)
        ]
        tokens = [create_token(staff, f"gate {g}")[1] for g in range(GATES)]
        path = f"/api/v1/checkin-lists/{gate_list.id}/scans"

    answered = []
    refused: list[int] = []
    lock = threading.Lock()
    halfway = threading.Event()

    def gate(index: int) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[index]}"}
        for code in codes[index::GATES]:
            body = {"code": code, "nonce": f"nonce-{code}", "device": f"gate {index}"}
            deadline = time.monotonic() + 60
            while True:  # the same nonce until an answer
                response = client.post(path, json=body, headers=headers)
                if response.status_code == 200:
                    break
                with lock:
                    refused.append(response.status_code)
                assert response.status_code == 503, response.get_data(as_text=True)
                assert time.monotonic() < deadline, "no answer within a minute"
                time.sleep(0.05)
            with lock:
                answered.append(response.get_json())
                if len(answered) >= TICKETS // 4:
                    halfway.set()

    with ThreadPoolExecutor(max_workers=GATES) as pool:
        gates = [pool.submit(gate, g) for g in range(GATES)]
        assert halfway.wait(60)
        done_before = len(answered)
        restart()
        for future in gates:
            future.result()

    assert done_before < TICKETS  # the restart fell in the middle of the rush
    assert refused and set(refused) == {503}  # the outage was seen, and only as 503
    assert len(answered) == TICKETS
    assert {a["status"] for a in answered} == {"ok"}  # a retried scan gets its own answer
    with app.app_context():
        per_ticket = db.session.execute(
            sa.select(Registration.ticket_code, sa.func.count(Scan.id))
            .join(Scan, Scan.registration_id == Registration.id)
            .where(Scan.status == "ok")
            .group_by(Registration.ticket_code)
        ).all()
        assert len(per_ticket) == TICKETS and {n for _, n in per_ticket} == {1}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == TICKETS
        # Served again by itself: a new request just works.
    client = app.test_client()
    again = client.post(path, json={"code": codes[0], "nonce": "after-restart"},
                        headers={"Authorization": f"Bearer {tokens[0]}"})
    assert again.status_code == 200 and again.get_json()["status"] == "already_checked_in"

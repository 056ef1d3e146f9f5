"""The foundation's small pieces: settings, the SQLite setup, UTC times, the unit of work,
Markdown sanitizing, token storage."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from config import normalize_database_url
from eventhub import create_app
from eventhub.database import UTCDateTime, after_commit, db, transactional
from eventhub.markdown import render_markdown
from eventhub.models import ApiToken, User


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("mysql://root@h/db", "mysql+pymysql://root@h/db?charset=utf8mb4"),
        ("sqlite:///x.db", "sqlite:///x.db"),
        (None, None),
    ],
)
def test_database_urls_are_normalized(given, expected):
    assert normalize_database_url(given) == expected


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    from config import Config

    monkeypatch.setattr(Config, "SECRET_KEY", None)
    # Point the app's instance folder at a fresh directory.
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    key_file = tmp_path / "secret_key"
    assert not key_file.exists()
    first = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/a.db")
    second = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/a.db")
    assert key_file.exists() and len(key_file.read_text().strip()) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_sqlite_files_have_foreign_keys_and_wal(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/fk.db")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        db.engine.dispose()


def test_utc_datetime_stores_utc_and_returns_aware(app):
    shanghai = timezone(timedelta(hours=8))
    user = User(email="tz@example.com", name="时区", created_at=datetime(2026, 5, 18, 9, 30,
                                                                         tzinfo=shanghai))
    db.session.add(user)
    db.session.flush()
    raw = db.session.execute(
        sa.text("SELECT created_at FROM users WHERE id = :id"), {"id": user.id}
    ).scalar()
    assert str(raw).startswith("2026-05-18 01:30")
    db.session.expire(user)
    assert user.created_at == datetime(2026, 5, 18, 1, 30, tzinfo=UTC)
    assert user.created_at.tzinfo is not None
    with pytest.raises(sa.exc.StatementError):
        db.session.execute(sa.select(sa.literal(datetime(2026, 1, 1), UTCDateTime())))


def test_unit_of_work_commits_or_rolls_back_and_runs_callbacks_after_commit(app):
    ran = []

    @transactional
    def make(email, fail=False):
        db.session.add(User(email=email, name="单元"))
        after_commit(lambda: ran.append(email))
        if fail:
            raise RuntimeError("boom")

    @transactional
    def outer():
        make("inner@example.com")
        assert ran == []  # not before the outermost unit commits

    outer()
    assert ran == ["inner@example.com"]
    with pytest.raises(RuntimeError):
        make("failed@example.com", fail=True)
    assert ran == ["inner@example.com"]
    emails = db.session.scalars(sa.select(User.email)).all()
    assert "inner@example.com" in emails and "failed@example.com" not in emails


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src='https://example.com'></iframe>",
        "<style>body{display:none}</style>",
    ],
)
def test_markdown_is_sanitized(dangerous):
    html = str(render_markdown(f"**欢迎** {dangerous}"))
    assert "<strong>欢迎</strong>" in html
    tags = _tags(html)
    assert {name for name, _ in tags} <= {"p", "strong", "a", "img"}
    for _, attrs in tags:
        assert not any(key.startswith("on") for key in attrs)
        assert not any("javascript:" in (value or "") for value in attrs.values())


def _tags(html):
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect().feed(html)
    return found


def test_markdown_keeps_safe_links_with_rel():
    html = str(render_markdown("[官网](https://example.com)"))
    assert 'href="https://example.com"' in html and "noopener" in html


def test_api_tokens_are_stored_as_digests(app):
    from eventhub.accounts.services import create_token, token_digest, user_for_token

    user = User(email="token@example.com", name="令牌")
    db.session.add(user)
    db.session.flush()
    row, token = create_token(user, "脚本")
    stored = db.session.scalars(sa.select(ApiToken.digest)).all()
    assert token not in stored and token_digest(token) in stored
    assert len(token) > 40
    assert user_for_token(token).id == user.id
    assert user_for_token(token + "x") is None


#: JSON documents a column may hold, with what orjson alone would read differently: integers
#: beyond 64 bits (a float), NaN and Infinity (refused); and long digit runs inside strings.
JSON_DOCUMENTS = [
    {"12": 7.5, "13": 10, "14": 0.1, "15": 1e-7, "name": "团队 \u00e9 \"quoted\""},
    [123456789012345678901234567890, -9223372036854775809, 18446744073709551615],
    {"phone": "13912345678901234567890", "n": 9223372036854775807},
    {"x": float("inf"), "y": float("-inf")},
    None,
    [],
]


@pytest.mark.parametrize("document", JSON_DOCUMENTS)
def test_json_columns_are_read_as_the_standard_library_reads_them(document):
    from eventhub.database import json_loads

    text = json.dumps(document)
    for given in (text, text.encode(), bytearray(text.encode())):  # SQLite: text; psycopg: bytes
        got = json_loads(given)
        assert got == json.loads(text)
        assert repr(got) == repr(json.loads(text))  # an int stays an int, a float a float
    nan = json_loads('{"v": NaN}')["v"]
    assert nan != nan


def test_json_columns_are_read_through_json_loads_and_orjson(app, monkeypatch):
    import orjson

    from eventhub import database
    from eventhub.audit import AuditEntry

    read = []
    monkeypatch.setattr(database, "orjson", type("Spy", (), {
        "JSONDecodeError": orjson.JSONDecodeError,
        "loads": staticmethod(lambda text: read.append(text) or orjson.loads(text)),
    }))
    documents = [d for d in JSON_DOCUMENTS if not (isinstance(d, dict) and "x" in d)]
    with app.app_context():
        entries = [AuditEntry(action="test.json", object_type="test", after=d) for d in documents]
        db.session.add_all(entries)
        db.session.commit()
        ids = [e.id for e in entries]
        db.session.expunge_all()
        got = db.session.scalars(
            sa.select(AuditEntry.after).where(AuditEntry.id.in_(ids)).order_by(AuditEntry.id)
        ).all()
    assert [repr(value) for value in got] == [repr(d) for d in documents]
    assert len(read) >= 3  # the documents without long integers took orjson's path

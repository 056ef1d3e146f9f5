"""eventhub: events, registrations, QR check-in and contest judging."""

from __future__ import annotations

import secrets
import weakref
from inspect import iscoroutinefunction
from pathlib import Path
from typing import Any

from flask import Flask, g, request, session
from flask_login import current_user

from config import config_for
from eventhub.text import Request


class EventHub(Flask):
    """Flask, remembering which of its hooks and views are coroutine functions: Flask asks
    ``inspect.iscoroutinefunction`` of each of them on every request (a dozen a call)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Weak keys: a request's own callbacks (``after_this_request``) go with it.
        self._coroutine: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()

    def ensure_sync(self, func: Any) -> Any:
        try:
            coroutine = self._coroutine.get(func)
            if coroutine is None:
                coroutine = self._coroutine[func] = iscoroutinefunction(func)
        except TypeError:  # a callable that cannot be referenced weakly
            return super().ensure_sync(func)
        return self.async_to_sync(func) if coroutine else func


def create_app(config: str | type | None = None, **overrides: Any) -> Flask:
    """Build the application: settings, extensions, blueprints, CLI, error handlers."""
    app = EventHub(
        __name__,
        template_folder="../templates",
        instance_relative_config=True,
    )
    app.request_class = Request
    app.config.from_object(config_for(config) if not isinstance(config, type) else config)
    app.config.update(overrides)
    configure_instance(app)
    register_observability(app)
    register_proxy_fix(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_cli(app)
    register_security_headers(app)
    return app


def configure_instance(app: Flask) -> None:
    from eventhub.database import checks_connections_itself, json_loads

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        key_file = instance / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'eventhub.sqlite3'}"
    # Without a check, a pooled connection the database dropped (a restart, a failover)
    # fails the next request; with one the pool replaces such a connection by itself:
    # PostgreSQL's are checked without a round trip (database.check_connections_on_checkout),
    # others by the pool's pre-ping. JSON columns are read by `database.json_loads`.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_pre_ping": not checks_connections_itself(app.config["SQLALCHEMY_DATABASE_URI"]),
        "json_deserializer": json_loads,
        **(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}),
    }


def register_observability(app: Flask) -> None:
    """Request ids, JSON logs, metrics, /healthz and /readyz (eventhub/observability.py)."""
    from eventhub.observability import init_observability

    init_observability(app)


def register_proxy_fix(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto from as many proxies as configured (none by default)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    x_for, x_proto = app.config["PROXY_FIX_X_FOR"], app.config["PROXY_FIX_X_PROTO"]
    if x_for or x_proto:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    from eventhub import models  # noqa: F401 - one mapper registry for the whole app
    from eventhub.accounts.auth import init_auth
    from eventhub.database import configure_engine, db
    from eventhub.extensions import babel, csrf, limiter, migrate

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: None)
    limiter.init_app(app)
    init_auth(app)


def select_locale() -> str:
    """The user's saved language, else the one chosen in this browser, else the browser's."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale") or request.cookies.get("locale")
    if chosen in languages:
        return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"])
    if best and best.startswith("en"):
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register_blueprints(app: Flask) -> None:
    from eventhub.accounts.views import bp as accounts_bp
    from eventhub.api import init_api
    from eventhub.checkin.dashboard_views import bp as checkin_dashboard_bp
    from eventhub.checkin.views import bp as checkin_bp
    from eventhub.engagement.certificates_views import bp as certificates_bp
    from eventhub.engagement.draws_views import bp as draws_bp
    from eventhub.engagement.investor_views import bp as investors_bp
    from eventhub.engagement.polls_views import bp as polls_bp
    from eventhub.engagement.surveys_views import bp as surveys_bp
    from eventhub.engagement.wall_views import bp as wall_bp
    from eventhub.events.series_views import bp as series_bp
    from eventhub.events.views import bp as events_bp
    from eventhub.ids import IdConverter
    from eventhub.judging.admin_views import bp as contest_admin_bp
    from eventhub.judging.entry_views import bp as judging_entries_bp
    from eventhub.judging.report_views import bp as judging_reports_bp
    from eventhub.judging.roadshow_views import bp as roadshow_bp
    from eventhub.judging.views import bp as judging_bp
    from eventhub.mentors.desk_views import bp as mentor_desk_bp
    from eventhub.mentors.directory_views import bp as mentor_directory_bp
    from eventhub.mentors.pool_views import bp as mentor_pool_bp
    from eventhub.mentors.report_views import bp as mentor_report_bp
    from eventhub.orgs.alliance_views import bp as alliances_bp
    from eventhub.orgs.views import bp as orgs_bp
    from eventhub.registrations.privacy_views import bp as privacy_bp
    from eventhub.registrations.views import bp as registrations_bp
    from eventhub.reports.dashboards import bp as dashboards_bp
    from eventhub.reports.series_views import bp as series_reports_bp
    from eventhub.reports.views import bp as reports_bp

    # Before any blueprint: their rules are compiled against the map's converters. An id in a
    # URL beyond the ids' range names no row (404), on pages (``<int:>``) as in the API.
    app.url_map.converters["int"] = app.url_map.converters["id"] = IdConverter
    app.register_blueprint(accounts_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(registrations_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(checkin_dashboard_bp)
    app.register_blueprint(judging_bp)
    app.register_blueprint(contest_admin_bp)
    app.register_blueprint(judging_entries_bp)
    app.register_blueprint(judging_reports_bp)
    app.register_blueprint(roadshow_bp)
    app.register_blueprint(mentor_directory_bp)
    app.register_blueprint(mentor_pool_bp)
    app.register_blueprint(mentor_desk_bp)
    app.register_blueprint(mentor_report_bp)
    app.register_blueprint(investors_bp)
    app.register_blueprint(wall_bp)
    app.register_blueprint(draws_bp)
    app.register_blueprint(polls_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(series_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(dashboards_bp)
    app.register_blueprint(series_reports_bp)
    app.register_blueprint(alliances_bp)
    init_api(app)


def register_error_handlers(app: Flask) -> None:
    from eventhub.errors import register_error_handlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from eventhub import formatting
    from eventhub.permissions import template_predicates

    app.jinja_env.globals.update(template_predicates())
    formatting.register(app)


def register_cli(app: Flask) -> None:
    from eventhub.cli import eventhub_cli

    app.cli.add_command(eventhub_cli)


def register_security_headers(app: Flask) -> None:
    hsts = app.config["STRICT_TRANSPORT_SECURITY"]

    defaults = {
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
            "script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; object-src 'none'; "
            "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    if hsts:
        defaults["Strict-Transport-Security"] = hsts

    @app.after_request
    def _headers(response: Any) -> Any:
        # Those a view did not set itself; one pass over the response's headers, not one a
        # default (every API call answers through here).
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        headers.extend(
            [(name, value) for name, value in defaults.items() if name.lower() not in present]
        )
        return response

    @app.before_request
    def _request_start() -> None:
        g.auth_via_token = False

"""Alembic environment: the app's own engine and metadata (Flask-Migrate)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty(context, revision, directives):  # noqa: ANN001, ANN202
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty)

    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection, conf_args)
        return
    with db.engine.connect() as connection:
        _migrate(connection, conf_args)


def _migrate(connection, conf_args: dict) -> None:  # noqa: ANN001
    """Run the migrations on ``connection``. On SQLite, foreign keys are off meanwhile: batch
    mode rebuilds a table to alter it (copy, drop, rename), and with them on, dropping the old
    table would cascade to every row that refers to it (a registration's sessions, its scans).
    The pragma only takes effect outside a transaction."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(connection, statement: str) -> None:  # noqa: ANN001
    """Run a pragma on the driver's connection itself, outside any transaction (the app's
    engine begins every SQLAlchemy transaction with BEGIN, where this pragma does nothing)."""
    if connection.in_transaction():
        connection.commit()
    connection.connection.driver_connection.execute(statement)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

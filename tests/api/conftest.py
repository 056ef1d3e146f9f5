"""API test helpers: the error body, a body against the OpenAPI document, table counts and row
snapshots."""

from __future__ import annotations

import sqlalchemy as sa
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

from eventhub.database import db
from eventhub.models import ApiToken


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Assert API.md's error body and return its ``error`` object."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    if "fields" in error:
        assert isinstance(error["fields"], dict)
        assert all(isinstance(v, str) for v in error["fields"].values())
    return error



def schema_errors(document, schema, instance) -> list[str]:
    """Where ``instance`` breaks ``schema`` (its ``$ref``s read in ``document``)."""
    validator = OAS30ReadValidator(
        {"allOf": [schema], "components": document["components"]},
        format_checker=oas30_format_checker,
    )
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(instance)]


def db_counts() -> dict[str, int]:
    """How many rows each table holds (unrevoked tokens separately), in one statement."""
    counts = {t.name: sa.select(sa.func.count()).select_from(t).scalar_subquery()
              for t in db.metadata.sorted_tables}
    counts["live_tokens"] = (
        sa.select(sa.func.count()).select_from(ApiToken)
        .where(ApiToken.revoked_at.is_(None)).scalar_subquery()
    )
    query = sa.select(*(count.label(name) for name, count in counts.items()))
    return dict(db.session.execute(query).mappings().one())


def row_snapshot(obj) -> dict:
    """The current column values of ``obj`` as the database holds them."""
    db.session.expire_all()
    table = type(obj).__table__
    row = db.session.execute(sa.select(table).where(table.c.id == obj.id)).mappings().one()
    return dict(row)

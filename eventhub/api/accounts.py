"""Accounts and API tokens."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from eventhub.accounts import services
from eventhub.api.common import (
    NAME_MAX,
    StrictSchema,
    authenticated,
    doc_errors,
    make_blueprint,
    require_user,
)
from eventhub.extensions import email_or_address, limiter

blp = make_blueprint("api_accounts", "Sign-up, the current user and API tokens.")


class SignUpSchema(StrictSchema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(max=254))
    password = ma.fields.String(required=True, validate=ma.validate.Length(max=128))
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=NAME_MAX))
    phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32))
    locale = ma.fields.String(validate=ma.validate.OneOf(["zh_Hans", "en"]))


class UserSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class MeSchema(UserSchema):
    phone = ma.fields.String(allow_none=True)
    organization = ma.fields.String(allow_none=True)
    job_title = ma.fields.String(allow_none=True)
    locale = ma.fields.String()
    is_admin = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    memberships = ma.fields.Method("_memberships")

    def _memberships(self, user: object) -> list[dict]:
        return [
            {"org_id": m.org_id, "org_name": m.organization.name, "role": m.role.value}
            for m in user.memberships  # type: ignore[attr-defined]
        ]


class TokenRequestSchema(StrictSchema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(max=254))
    password = ma.fields.String(required=True, validate=ma.validate.Length(max=128))
    name = ma.fields.String(validate=ma.validate.Length(max=NAME_MAX), load_default="")


class NewTokenSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    token = ma.fields.String(required=True, metadata={"description": "Shown only once."})


def signup_limit() -> str:
    return current_app.config["SIGNUP_RATE_LIMIT"]


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/accounts", methods=["POST"])
@limiter.limit(signup_limit)
@blp.arguments(SignUpSchema)
@blp.response(201, UserSchema)
@doc_errors(blp, 400, 409, 422, 429)
def create_account(data: dict) -> object:
    """Sign up (the same rules as the sign-up page)."""
    return services.sign_up(services.SignUpInfo(**data))


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
@doc_errors(blp, 401)
@blp.doc(security=[{"bearerAuth": []}])
@authenticated
def me() -> object:
    """The signed-in user."""
    return require_user()


@blp.route("/tokens", methods=["POST"])
@limiter.limit(login_limit, key_func=email_or_address)
@blp.arguments(TokenRequestSchema)
@blp.response(201, NewTokenSchema)
@doc_errors(blp, 400, 401, 422, 429)
def create_token(data: dict) -> dict:
    """Exchange an email and password for an API token."""
    user = services.authenticate(data["email"], data["password"])
    row, token = services.create_token(user, data["name"])
    return {"id": row.id, "token": token}


@blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 401, 404)
@blp.doc(security=[{"bearerAuth": []}])
@authenticated
def delete_token(token_id: int) -> None:
    """Revoke one of your tokens."""
    services.revoke_token(require_user(), token_id)

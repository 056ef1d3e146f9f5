"""Accounts and API tokens."""

from __future__ import annotations

import marshmallow as ma

from eventhub.accounts import services, throttle
from eventhub.api.common import (
    Email,
    PageArgsSchema,
    Phone,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    make_blueprint,
    page_of,
    paginate_list,
    require_user,
    signed_in,
)

blp = make_blueprint("api_accounts", "Sign-up, the current user and API tokens.")

PASSWORD_MAX = 128


class SignUpSchema(StrictSchema):
    email = Email(required=True)
    password = Str(required=True, max_length=PASSWORD_MAX)
    name = Str(required=True)
    phone = Phone(allow_none=True)
    locale = ma.fields.String(validate=ma.validate.OneOf(["zh_Hans", "en"]))


class UserSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class MembershipOfUserSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    org_id = ma.fields.Integer(required=True)
    org_name = ma.fields.String(attribute="organization.name", required=True)
    role = ma.fields.String(required=True)


class MeSchema(UserSchema):
    phone = ma.fields.String(allow_none=True)
    organization = ma.fields.String(allow_none=True)
    job_title = ma.fields.String(allow_none=True)
    locale = ma.fields.String()
    is_admin = ma.fields.Boolean()
    created_at = Time()
    memberships = ma.fields.List(ma.fields.Nested(MembershipOfUserSchema))


class TokenRequestSchema(StrictSchema):
    email = Email(required=True)
    password = Str(required=True, max_length=PASSWORD_MAX)
    name = Str(load_default="")


class NewTokenSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    token = ma.fields.String(required=True, metadata={"description": "Shown only once."})


class TokenSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    prefix = ma.fields.String(
        required=True, metadata={"description": "The token's first characters."}
    )
    created_at = Time(required=True)
    last_used_at = Time(allow_none=True)


TokenPageSchema = page_of(TokenSchema, "TokenPage")


@blp.route("/accounts", methods=["POST"])
@throttle.limit_signup()
@blp.arguments(SignUpSchema)
@blp.response(201, UserSchema)
@doc_errors(blp, 400, 409, 422, 429)
def create_account(data: dict) -> object:
    """Sign up (the same rules as the sign-up page)."""
    return services.sign_up(services.SignUpInfo(**data))


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
@doc_errors(blp, 401)
@signed_in(blp)
def me() -> object:
    """The signed-in user, with their memberships."""
    return require_user()


@blp.route("/tokens", methods=["POST"])
@throttle.limit_login()
@blp.arguments(TokenRequestSchema)
@blp.response(201, NewTokenSchema)
@doc_errors(blp, 400, 401, 422, 429)
def create_token(data: dict) -> dict:
    """Exchange an email and password for an API token (shown only in this answer)."""
    with throttle.login_attempt(data["email"]):
        user = services.authenticate(data["email"], data["password"])
    row, token = services.create_token(user, data["name"])
    return {"id": row.id, "token": token}


@blp.route("/tokens", methods=["GET"])
@blp.response(200, TokenPageSchema)
@doc_errors(blp, 400, 401, 422)
@signed_in(blp)
@blp.arguments(PageArgsSchema, location="query")
def list_tokens(args: dict) -> dict:
    """Your unrevoked tokens, newest first (never the secrets)."""
    return paginate_list(services.list_tokens(require_user()), args["page"], args["per_page"])


@blp.route("/tokens/<id:token_id>", methods=["DELETE"])
@blp.response(204)
@doc_errors(blp, 400, 401, 404)
@signed_in(blp)
def delete_token(token_id: int) -> None:
    """Revoke one of your tokens; it stops working at once."""
    services.revoke_token(require_user(), token_id)

"""Certificates (参会证明, 获奖证书): issuing, revoking, the public verification and the owner's
list (see API.md and `eventhub.engagement.certificates` for who gets one)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for

from eventhub.api.common import (
    IdField,
    Str,
    StrictSchema,
    Time,
    doc_errors,
    event_tz,
    list_of,
    make_blueprint,
    require_user,
    signed_in,
)
from eventhub.api.events import load_event
from eventhub.engagement import certificates as certs
from eventhub.engagement.models import Certificate, CertificateKind
from eventhub.errors import NotFound

blp = make_blueprint(
    "api_certificates",
    "Certificates (参会证明, 获奖证书): issuing, the PDF, the public verification page.",
)


class IssueInSchema(StrictSchema):
    kind = ma.fields.Enum(CertificateKind, required=True, metadata={
        "description": "`attendance`: to every registration checked in at the event that has "
                       "none yet; `award`: to the members with an account of `entry_id`'s team "
                       "(its leader), for `award`."})
    entry_id = IdField(metadata={"description": "`award`: the awarded entry of this contest."})
    award = Str(metadata={"description": "`award`: the award's name, e.g. 一等奖."})
    registration_ids = ma.fields.List(IdField(), validate=ma.validate.Length(min=1, max=5000),
                                      metadata={"description": (
        "`attendance`: issue to these registrations only; one that did not check in is "
        "409 `not_checked_in` (nothing is issued).")})


class IssuedSchema(ma.Schema):
    code = ma.fields.String(required=True)
    registration_id = ma.fields.Integer(metadata={"description": "Attendance certificates."})
    entry_id = ma.fields.Integer(metadata={"description": "Award certificates."})


class IssueOutSchema(ma.Schema):
    issued = ma.fields.List(ma.fields.Nested(IssuedSchema), required=True, metadata={
        "description": "The certificates this call issued (empty: everyone had theirs)."})


class PublicSchema(ma.Schema):
    """What anyone holding the code sees: never the full name."""

    valid = ma.fields.Boolean(required=True, metadata={"description": "false once revoked."})
    kind = ma.fields.Enum(CertificateKind, required=True)
    name = ma.fields.String(required=True, metadata={"description": "Masked: 张**."})
    event = ma.fields.String(required=True, metadata={"description": "The event's title."})
    event_id = ma.fields.Integer()
    organization = ma.fields.String(metadata={"description": "The organizing organization."})
    starts_at = Time(tz_of=event_tz)
    ends_at = Time(tz_of=event_tz)
    award = ma.fields.String(metadata={"description": "Award certificates: 一等奖."})
    issued_at = Time(required=True, tz_of=event_tz)
    revoked_at = Time(tz_of=event_tz, metadata={
        "description": "Revoked certificates only."})
    revoke_reason = ma.fields.String(metadata={"description": "Revoked certificates only."})


class CertificateSchema(ma.Schema):
    """A certificate as its owner or the event's organizers see it (the full name)."""

    code = ma.fields.String(required=True)
    valid = ma.fields.Boolean(required=True)
    kind = ma.fields.Enum(CertificateKind, required=True)
    name = ma.fields.String(required=True)
    event_id = ma.fields.Integer(required=True)
    registration_id = ma.fields.Integer(allow_none=True)
    entry_id = ma.fields.Integer(allow_none=True)
    award = ma.fields.String()
    issued_at = Time(required=True)
    revoked_at = Time(allow_none=True)
    revoke_reason = ma.fields.String()
    pdf_url = ma.fields.String(metadata={"description": "The PDF (owner and organizers)."})
    verify_url = ma.fields.String(metadata={"description": "The public verification page."})


class RevokeInSchema(StrictSchema):
    reason = Str(required=True, max_length=certs.REASON_MAX, metadata={
        "description": "Shown on the public verification page."})


def _public(view: certs.PublicView) -> dict:
    body = {key: getattr(view, key) for key in (
        "valid", "kind", "name", "event", "event_id", "organization", "starts_at", "ends_at",
        "issued_at", "timezone")}
    if view.award is not None:
        body["award"] = view.award
    if view.revoked_at is not None:
        body.update(revoked_at=view.revoked_at, revoke_reason=view.revoke_reason)
    return body


def _full(certificate: Certificate) -> dict:
    return {
        "code": certificate.code, "valid": certificate.valid, "kind": certificate.kind,
        "name": certificate.name, "event_id": certificate.event_id,
        "registration_id": certificate.registration_id, "entry_id": certificate.entry_id,
        "award": certificate.award, "issued_at": certificate.issued_at,
        "revoked_at": certificate.revoked_at, "revoke_reason": certificate.revoke_reason,
        "pdf_url": url_for("engagement_certificates.pdf", code=certificate.code),
        "verify_url": url_for("engagement_certificates.verify", code=certificate.code,
                              _external=True),
    }


def _certificate(code: str) -> Certificate:
    certificate = certs.find(code)
    if certificate is None:
        raise NotFound()
    return certificate


@blp.route("/events/<id:event_id>/certificates", methods=["POST"])
@blp.response(200, IssueOutSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(IssueInSchema)
def issue(data: dict, event_id: int) -> dict:
    """Issue certificates (organizers): `{kind: attendance}` to every registration checked in
    at the event (again: only the new ones), `{kind: award, entry_id, award}` to the entry's
    leader and members with an account. Audited. 409 `not_checked_in` for named
    registrations that did not check in; 409 `no_recipient` for an entry without a leader."""
    event = load_event(event_id)
    kind = data["kind"]
    issued = certs.issue_certificates(
        require_user(), event, kind.value, entry_id=data.get("entry_id"),
        award=data.get("award"), registration_ids=data.get("registration_ids"))
    key = "registration_id" if kind == CertificateKind.attendance else "entry_id"
    return {"issued": [{"code": c.code, key: getattr(c, key)} for c in issued]}


@blp.route("/events/<id:event_id>/certificates", methods=["GET"])
@blp.response(200, list_of(CertificateSchema, "CertificateList"))
@doc_errors(blp, 401, 403, 404)
@signed_in(blp)
def event_list(event_id: int) -> dict:
    """The event's certificates, newest first, with full names (organizers)."""
    event = load_event(event_id)
    return {"items": [_full(c) for c in certs.event_certificates(require_user(), event)]}


@blp.route("/certificates/<code>", methods=["GET"])
@blp.response(200, PublicSchema)
@doc_errors(blp, 404)
def verify(code: str) -> dict:
    """Verify a certificate (public): whether it is valid, its kind, the masked name, the
    event and its dates, the award, when it was issued, and when and why it was revoked.
    Unknown codes are 404."""
    return _public(certs.public_view(code))


@blp.route("/certificates/<code>/revoke", methods=["POST"])
@blp.response(200, CertificateSchema)
@doc_errors(blp, 400, 401, 403, 404, 409, 422)
@signed_in(blp)
@blp.arguments(RevokeInSchema)
def revoke(data: dict, code: str) -> dict:
    """Revoke a certificate (the event's organizers) with the reason its verification shows;
    audited. 409 `already_revoked`."""
    certificate = _certificate(code)
    return _full(certs.revoke_certificate(require_user(), certificate, data["reason"]))


@blp.route("/me/certificates", methods=["GET"])
@blp.response(200, list_of(CertificateSchema, "MyCertificates"))
@doc_errors(blp, 401)
@signed_in(blp)
def mine() -> dict:
    """The caller's own certificates, newest first."""
    return {"items": [_full(c) for c in certs.certificates_of(require_user())]}

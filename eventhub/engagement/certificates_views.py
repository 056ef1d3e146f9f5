"""Certificates (参会证明, 获奖证书): issuing, the PDF, the public verification page.

The pages: the organizers' page of an event (issue attendance certificates, showing how many
new ones that would make; issue an award certificate to an entry's team; the list, each with a
revoke form), 我的证书 (the signed-in person's own, each with its PDF), the PDF itself (owner
and organizers) and the public verification page that the PDF's QR code opens (masked name).
The event page links here through the ``certificate_links`` template global (events know no
engagement)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from eventhub.accounts.models import User
from eventhub.engagement import certificates as certs
from eventhub.engagement.certificates_forms import AttendanceForm, AwardForm, RevokeForm
from eventhub.engagement.models import Certificate, CertificateKind
from eventhub.errors import NotFound
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.judging.entries import entries_of
from eventhub.links import external_url
from eventhub.webforms import domain_errors, form_status, refusal_flashed

bp = Blueprint("engagement_certificates", __name__)

#: How a certificate's kind reads (the ``certificate_kind`` filter).
KIND_LABELS = {CertificateKind.attendance: _l("Certificate of attendance"),
               CertificateKind.award: _l("Award certificate")}


def certificate_kind(value: Any) -> str:
    """The label of a kind (its value when unknown)."""
    try:
        return str(KIND_LABELS[CertificateKind(value)])
    except ValueError:
        return str(value)


bp.record_once(lambda state: state.app.jinja_env.filters.update(
    certificate_kind=certificate_kind, certificate_code=certs.code_groups))


def me() -> User:
    """The signed-in user (the actor the services are given)."""
    return current_user._get_current_object()


@bp.app_template_global("certificate_links")
def certificate_links(event: Event) -> dict[str, Any] | None:
    """What of certificates the viewer may open from the event page (None: nothing):
    ``manage`` (its organizers)."""
    if not current_user.is_authenticated or not certs.can_issue(current_user, event):
        return None
    return {"manage": url_for("engagement_certificates.manage", event_id=event.id)}


@bp.app_template_global("my_certificates_url")
def my_certificates_url() -> str:
    """我的证书, for the account menu and my registrations (registrations know no engagement)."""
    return url_for("engagement_certificates.mine")


def _certificate(code: str) -> Certificate:
    certificate = certs.find(code)
    if certificate is None:
        abort(404)
    return certificate


# The public verification page ---------------------------------------------------------------


@bp.route("/verify/<code>")
def verify(code: str) -> Any:
    try:
        view = certs.public_view(code)
    except NotFound:
        abort(404)
    return render_template("engagement/certificate_verify.html", view=view,
                           dates=certs.event_dates(certs.event_of(certs.find(code))))


# The PDF ------------------------------------------------------------------------------------


@bp.route("/certificates/<code>.pdf")
@login_required
def pdf(code: str) -> Response:
    certificate = _certificate(code)
    verify_url = external_url("engagement_certificates.verify", code=certificate.code)
    data = certs.certificate_pdf(me(), certificate, verify_url)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="certificate-{code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# 我的证书 ------------------------------------------------------------------------------------


@bp.route("/me/certificates")
@login_required
def mine() -> Any:
    certificates = certs.certificates_of(me())
    return render_template("engagement/certificates_mine.html", certificates=certificates,
                           events=certs.events_of(certificates))


# The organizers' page -----------------------------------------------------------------------


def _award_form(event: Event) -> AwardForm:
    """The award form (bound to what was posted), its choices the contest's entries."""
    form = AwardForm()
    form.entry_id.choices = [("", _("Choose a project"))] + [
        (str(e.id), f"{e.title}" + (f" · {e.team_name}" if e.team_name else ""))
        for e in entries_of(event)]
    return form


def _render_manage(event: Event, award_form: AwardForm | None = None, status: int = 200,
                   revoke_forms: dict[int, RevokeForm] | None = None) -> Any:
    certificates = certs.event_certificates(me(), event)
    revoke_forms = revoke_forms or {}
    forms = {c.id: revoke_forms.get(c.id) or RevokeForm(prefix=f"r{c.id}", formdata=None)
             for c in certificates if c.valid}
    return render_template(
        "engagement/certificates_manage.html", event=event, certificates=certificates,
        pending=certs.pending_attendance(event), attendance_form=AttendanceForm(),
        award_form=award_form or _award_form(event),
        revoke_forms=forms, is_contest=event.kind == "contest",
    ), status


@bp.route("/events/<int:event_id>/certificates")
@login_required
def manage(event_id: int) -> Any:
    event = event_for(event_id, certs.can_issue)
    return _render_manage(event)


@bp.route("/events/<int:event_id>/certificates/attendance", methods=["POST"])
@login_required
def issue_attendance(event_id: int) -> Any:
    event = event_for(event_id, certs.can_issue)
    back = redirect(url_for(".manage", event_id=event.id))
    if not AttendanceForm().validate_on_submit():
        flash(_("The form has expired. Please send it again."), "error")
        return back
    with refusal_flashed():
        issued = certs.issue_certificates(me(), event, "attendance")
        if issued:
            flash(ngettext("%(num)d certificate of attendance issued.",
                           "%(num)d certificates of attendance issued.", len(issued)),
                  "success")
        else:
            flash(_("Everyone who checked in already has a certificate."), "info")
    return back


@bp.route("/events/<int:event_id>/certificates/award", methods=["POST"])
@login_required
def issue_award(event_id: int) -> Any:
    event = event_for(event_id, certs.can_issue)
    form = _award_form(event)
    if form.validate_on_submit():
        entry_id = form.entry_id.data or ""
        entry_id = int(entry_id) if entry_id.isdigit() and len(entry_id) < 20 else None
        with domain_errors(form):
            issued = certs.issue_certificates(me(), event, "award", entry_id=entry_id,
                                              award=form.award.data or "")
            if issued:
                flash(ngettext("%(num)d award certificate issued.",
                               "%(num)d award certificates issued.", len(issued)), "success")
            else:
                flash(_("This team already has a certificate of this award."), "info")
            return redirect(url_for(".manage", event_id=event.id))
    return _render_manage(event, award_form=form, status=form_status(form))


@bp.route("/certificates/<code>/revoke", methods=["POST"])
@login_required
def revoke(code: str) -> Any:
    certificate = _certificate(code)
    event = event_for(certificate.event_id, certs.can_issue)
    form = RevokeForm(prefix=f"r{certificate.id}")
    if form.validate_on_submit():
        with domain_errors(form):
            certs.revoke_certificate(me(), certificate, form.reason.data or "")
            flash(_("Certificate %(code)s revoked.", code=certs.code_groups(certificate.code)),
                  "success")
            return redirect(url_for(".manage", event_id=event.id))
    return _render_manage(event, status=form_status(form),
                          revoke_forms={certificate.id: form})


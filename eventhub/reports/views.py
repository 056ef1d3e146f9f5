"""Report pages: an event's figures, the evidence pack, an organization's or alliance's
dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from eventhub import permissions
from eventhub.downloads import private_file
from eventhub.errors import DomainError, ValidationFailed
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.reports import evidence, figures
from eventhub.reports.forms import EvidencePhotoForm
from eventhub.webforms import domain_errors, flash_domain_error, form_status

bp = Blueprint("reports", __name__)


# Template globals for pages below reports (events cannot import reports) ----------------------


@bp.app_template_global("event_figures")
def event_figures(event: Event) -> dict[str, Any] | None:
    """The event page's figures panel: the event's stats (counts only, as the API serves them)
    for those who may read them (organizers of the host and partners, the host's viewers),
    else None."""
    if not permissions.can_read_event_figures(current_user, event):
        return None
    return figures.event_stats(event)


@bp.app_template_global("evidence_link")
def evidence_link(event: Event) -> int | None:
    """The event page's 补贴材料 box: the number of evidence photos, for the host's organizers
    (who make the pack), else None."""
    if not permissions.can_manage_event(current_user, event):
        return None
    return len(evidence.photos_of(event))


# The evidence pack (补贴材料): the host's organizers --------------------------------------------


@bp.route("/events/<int:event_id>/evidence", methods=["GET", "POST"])
@login_required
def evidence_page(event_id: int) -> Any:
    """Upload the event's photos and download its evidence pack."""
    event = event_for(event_id, permissions.can_manage_event)
    form = EvidencePhotoForm()
    if form.validate_on_submit():
        upload = form.photo.data
        with domain_errors(form):
            if not upload or not getattr(upload, "filename", ""):
                raise ValidationFailed(fields={"photo": _("Choose a file.")})
            evidence.add_photo(current_user, event, upload.stream)
            flash(_("The photo is added to the evidence pack."), "success")
            return redirect(url_for("reports.evidence_page", event_id=event.id))
    return render_template("reports/evidence.html", event=event, form=form,
                           photos=evidence.photos_of(event)), form_status(form)


@bp.post("/events/<int:event_id>/evidence/photos/<int:photo_id>/delete")
@login_required
def delete_evidence_photo(event_id: int, photo_id: int) -> Response:
    event = event_for(event_id, permissions.can_manage_event)
    try:
        evidence.remove_photo(current_user, evidence.photo_of(event, photo_id))
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash(_("The photo is removed."), "success")
    return redirect(url_for("reports.evidence_page", event_id=event.id))


@bp.get("/events/<int:event_id>/evidence/photos/<int:photo_id>")
@login_required
def evidence_photo(event_id: int, photo_id: int) -> Response:
    event = event_for(event_id, permissions.can_manage_event)
    photo = evidence.photo_of(event, photo_id)
    path = evidence.photo_path(photo)
    if not path.is_file():
        abort(404)
    data = path.read_bytes()
    return private_file(data, "image/png" if photo.format == "PNG" else "image/jpeg",
                        f"photo-{photo.id}.{evidence.EXTENSIONS[photo.format]}", inline=True)


@bp.get("/events/<int:event_id>/evidence.zip")
@login_required
def evidence_pack(event_id: int) -> Response:
    event = event_for(event_id, permissions.can_manage_event)
    return private_file(evidence.evidence_pack(current_user, event), "application/zip",
                        evidence.pack_name(event))

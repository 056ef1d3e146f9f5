"""Entries of a contest: the team leader's submission form in the entry window, the attachment,
and the organizers' entry list, editing and CSV/XLSX import."""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventhub import permissions, sheets
from eventhub.accounts.models import NAME_MAX
from eventhub.database import db, utcnow
from eventhub.downloads import private_file
from eventhub.errors import DomainError, ValidationFailed
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.ids import parse_id
from eventhub.judging import attachments, entries, entry_import
from eventhub.judging.forms import EntryForm, ImportForm, TrackNameForm, WindowForm
from eventhub.judging.models import Entry, Track
from eventhub.webforms import (
    domain_errors,
    form_status,
    refusal_flashed,
)

bp = Blueprint("judging_entries", __name__)

#: How long an import's report (and its file of rejected rows) stays available.
REPORT_MAX_AGE = 24 * 3600


@bp.app_context_processor
def _contest_entry_state() -> dict:
    def contest_entry_state(event: Any) -> dict[str, bool]:
        """What the event page offers about entries: submitting or seeing one's own entry,
        and the organizers' list."""
        if getattr(event, "kind", None) != "contest":
            return {"open": False, "has_entry": False, "manage": False}
        return {
            "open": entries.entries_open(event),
            "has_entry": entries.entry_of_leader(event, current_user) is not None,
            "manage": permissions.can_manage_event(current_user, event),
        }

    return {"contest_entry_state": contest_entry_state}


# Helpers ----------------------------------------------------------------------------------


def send_attachment(user: Any, entry: Entry) -> Response:
    """The attachment as a download to those who may read it (`entries.open_attachment`),
    under the name ``user`` may see (`entries.attachment_download_name`; RFC 5987 for any
    language), never sniffed, cached only by the reader's own browser."""
    path = entries.open_attachment(user, entry)
    response = send_file(path, mimetype=entry.attachment_type or attachments.PDF_TYPE,
                         as_attachment=True,
                         download_name=entries.attachment_download_name(user, entry),
                         conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.public = False
    return response


def _entry_or_404(entry_id: int) -> Entry:
    entry = db.get_or_404(Entry, entry_id)
    event = db.session.get(Event, entry.event_id)
    if not (permissions.can_view_event(current_user, event)
            or entries.may_read_attachment(current_user, entry)):
        abort(404)
    return entry


def _managed_entry(entry_id: int) -> tuple[Entry, Event]:
    entry = db.get_or_404(Entry, entry_id)
    return entry, event_for(entry.event_id, permissions.can_manage_event)


def _contest(event_id: int, may: Any) -> Event:
    event = event_for(event_id, may)
    if event.kind != "contest":
        abort(404)
    return event


def _save_attachment(entry: Entry, form: EntryForm) -> None:
    """Attach the form's file when one was chosen; the entry is saved whatever happens."""
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        return
    try:
        entries.save_attachment(current_user, entry, upload.stream, upload.filename)
    except ValidationFailed as error:
        flash(_("The entry is saved, but not the file: %(reason)s",
                reason=error.fields.get("file", error.message)), "error")


def _submitted_ok(form: EntryForm) -> bool:
    """The form was sent and every field reads (members too), showing every reason at once."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    if entries.parse_members(form.members.data or "") is None:
        form.members.errors = [*form.members.errors, _("Write one member per line: 张三:CEO")]
        return False
    return valid


# The team leader's entry ------------------------------------------------------------------


@bp.route("/events/<int:event_id>/my-entry", methods=["GET", "POST"])
@login_required
def my_entry(event_id: int) -> Response | tuple[str, int]:
    """Submit the user's project, and change it while the entry window is open; read-only
    after."""
    event = _contest(event_id, permissions.can_view_event)
    entry = entries.entry_of_leader(event, current_user)
    is_open = entries.entries_open(event)
    tracks = entries.tracks_of(event)
    form = EntryForm(tracks, entry)
    if is_open and _submitted_ok(form):
        with domain_errors(form):
            entry, created = entries.save_own_entry(current_user, event, form.changes())
            flash(_("Your entry is submitted.") if created else _("Your entry is saved."),
                  "success")
            _save_attachment(entry, form)
            return redirect(url_for(".my_entry", event_id=event.id))
    elif request.method == "POST" and not is_open:
        flash(_("The entry window is closed. Nothing was saved."), "error")
        return redirect(url_for(".my_entry", event_id=event.id))
    opens, closes = entries.entry_window(event)
    return render_template(
        "judging/entry_form.html", event=event, entry=entry, form=form, tracks=tracks,
        editable=is_open, mine=True, opens=opens, closes=closes, now=utcnow(),
    ), form_status(form)


@bp.route("/entries/<int:entry_id>/attachment")
@login_required
def attachment(entry_id: int) -> Response:
    entry = _entry_or_404(entry_id)
    if not entries.may_read_attachment(current_user, entry):
        abort(403)
    return send_attachment(current_user, entry)


@bp.route("/entries/<int:entry_id>/attachment/delete", methods=["POST"])
@login_required
def delete_attachment(entry_id: int) -> Response:
    entry = _entry_or_404(entry_id)
    with refusal_flashed():
        entries.remove_attachment(current_user, entry)
        flash(_("The attachment is removed."), "success")
    if permissions.can_manage_event(current_user, db.session.get(Event, entry.event_id)):
        return redirect(url_for(".edit", entry_id=entry.id))
    return redirect(url_for(".my_entry", event_id=entry.event_id))


# Organizers -------------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/entries")
@login_required
def manage(event_id: int) -> str:
    """The contest's entries by track, with search, the entry window, tracks and import."""
    event = _contest(event_id, permissions.can_manage_event)
    track_id = request.args.get("track", type=parse_id)
    q = (request.args.get("q") or "").strip()[:NAME_MAX]
    tracks = entries.tracks_of(event)
    shown = entries.search_entries(event, track_id, q)
    window = WindowForm()
    opens, closes = entries.entry_window(event)
    window.entries_open_at.set_local(opens, event.timezone)
    window.entries_close_at.set_local(closes, event.timezone)
    counts = entries.track_counts(event)
    return render_template(
        "judging/entries.html", event=event, tracks=tracks, entries=shown, counts=counts,
        total=sum(counts.values()), track_id=track_id, q=q, window=window,
        is_open=entries.entries_open(event), opens=opens, closes=closes,
        import_form=ImportForm(), track_form=TrackNameForm(),
        names={t.id: t.name for t in tracks},
    )


@bp.route("/events/<int:event_id>/entries/window", methods=["POST"])
@login_required
def set_window(event_id: int) -> Response:
    event = _contest(event_id, permissions.can_manage_event)
    form = WindowForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(url_for(".manage", event_id=event.id))
    try:
        entries.set_entry_window(current_user, event,
                                 form.entries_open_at.aware(event.timezone),
                                 form.entries_close_at.aware(event.timezone))
        flash(_("The entry window is saved."), "success")
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(" ".join(error.fields.values()) or error.message, "error")
    return redirect(url_for(".manage", event_id=event.id) + "#window")


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int) -> Response | tuple[str, int]:
    entry, event = _managed_entry(entry_id)
    tracks = entries.tracks_of(event)
    form = EntryForm(tracks, entry)
    if _submitted_ok(form):
        with domain_errors(form):
            entries.update_entry(current_user, entry, form.changes())
            flash(_("The entry is saved."), "success")
            _save_attachment(entry, form)
            return redirect(url_for(".manage", event_id=event.id))
    return render_template(
        "judging/entry_form.html", event=event, entry=entry, form=form, tracks=tracks,
        editable=True, mine=False, scored=entries.has_scores(entry),
    ), form_status(form)


@bp.route("/entries/<int:entry_id>/delete", methods=["POST"])
@login_required
def delete(entry_id: int) -> Response:
    entry, event = _managed_entry(entry_id)
    with refusal_flashed():
        entries.delete_entry(current_user, entry)
        flash(_("The entry is deleted."), "success")
    return redirect(url_for(".manage", event_id=event.id))


@bp.route("/tracks/<int:track_id>/rename", methods=["POST"])
@login_required
def rename_track(track_id: int) -> Response:
    track = db.get_or_404(Track, track_id)
    event = _contest(track.event_id, permissions.can_manage_event)
    form = TrackNameForm()
    try:
        if not form.validate_on_submit():
            raise ValidationFailed(_("The form has expired. Please send it again."))
        entries.rename_track(current_user, track, form.name.data or "")
        flash(_("The track is renamed."), "success")
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(" ".join(error.fields.values()) or error.message, "error")
    return redirect(url_for(".manage", event_id=event.id) + "#tracks")


@bp.route("/tracks/<int:track_id>/delete", methods=["POST"])
@login_required
def delete_track(track_id: int) -> Response:
    track = db.get_or_404(Track, track_id)
    event = _contest(track.event_id, permissions.can_manage_event)
    with refusal_flashed():
        entries.delete_track(current_user, track)
        flash(_("The track is deleted."), "success")
    return redirect(url_for(".manage", event_id=event.id) + "#tracks")


# Import -----------------------------------------------------------------------------------


def _reports() -> Path:
    folder = attachments.upload_folder().parent / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _report_path(event: Event, token: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        abort(404)
    return _reports() / f"{event.id}-{token}.json"


def _keep_report(event: Event, report: entry_import.ImportReport) -> str:
    """Keep the report for the page after the redirect; forget those older than a day."""
    for old in _reports().glob("*.json"):
        if old.stat().st_mtime < time.time() - REPORT_MAX_AGE:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    body = {"created": len(report.created),
            "rejected": [{"row": r.row, "errors": r.errors, "values": r.values}
                         for r in report.rejected]}
    _report_path(event, token).write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    return token


def _load_report(event: Event, token: str) -> dict[str, Any]:
    path = _report_path(event, token)
    if not path.is_file():
        abort(404)
    return json.loads(path.read_text("utf-8"))


@bp.route("/events/<int:event_id>/entries/import", methods=["POST"])
@login_required
def import_file(event_id: int) -> Response:
    event = _contest(event_id, permissions.can_manage_event)
    form = ImportForm()
    upload = form.file.data if form.validate_on_submit() else None
    if not upload or not getattr(upload, "filename", ""):
        flash(_("Choose a CSV or Excel file to import."), "error")
        return redirect(url_for(".manage", event_id=event.id) + "#import")
    limit = int(current_app.config.get("ENTRY_IMPORT_MAX_BYTES") or 5 * 1024 * 1024)
    try:
        rows = entry_import.read_import_file(upload.filename, upload.stream.read(limit + 1))
        report = entry_import.import_entries(current_user, event, rows)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(" ".join(error.fields.values()) or error.message, "error")
        return redirect(url_for(".manage", event_id=event.id) + "#import")
    token = _keep_report(event, report)
    return redirect(url_for(".import_report", event_id=event.id, token=token))


@bp.route("/events/<int:event_id>/entries/import/<token>")
@login_required
def import_report(event_id: int, token: str) -> str:
    event = _contest(event_id, permissions.can_manage_event)
    report = _load_report(event, token)
    labels = {
        "title": _("Project title"), "track": _("Track"), "track_id": _("Track"),
        "team_name": _("Team name"), "institution": _("School or company"),
        "summary": _("Summary"), "members": _("Team members"),
        "leader_email": _("Leader's email"),
    }
    return render_template("judging/entries_import.html", event=event, report=report,
                           token=token, labels=labels)


@bp.route("/events/<int:event_id>/entries/import/<token>.csv")
@login_required
def import_rejected_csv(event_id: int, token: str) -> Response:
    event = _contest(event_id, permissions.can_manage_event)
    report = _load_report(event, token)
    rows = [entry_import.RejectedRow(r["row"], r["errors"], r["values"])
            for r in report["rejected"]]
    return private_file(entry_import.rejected_csv(rows), "text/csv", "rejected-rows.csv")


@bp.route("/events/<int:event_id>/entries/template.csv")
@login_required
def import_template(event_id: int) -> Response:
    event = _contest(event_id, permissions.can_manage_event)
    tracks = entries.tracks_of(event)
    example = ["智能导诊", tracks[0].name if tracks else "", "康途", "医科大学", "",
               "张三:CEO; 李四:CTO", ""]
    return private_file(sheets.csv_bytes(entry_import.IMPORT_TEMPLATE_HEADERS, [example]),
                        "text/csv", "entries-template.csv")

"""The organizers' contest pages: the hub (tracks, judges, conflicts, rounds) and a round's page
(settings, rubric, entries taking part, assignments, status), each form a POST that redirects
back, its refusals shown beside its fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from eventhub import permissions
from eventhub.database import db
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.formatting import list_separator
from eventhub.judging import assignments, entries, judges, rounds
from eventhub.judging.forms import (
    ROUND_FIELDS,
    RULE_FIELDS,
    AssignForm,
    AutoAssignForm,
    ConflictForm,
    CriterionForm,
    EntriesForm,
    JudgeForm,
    PublishForm,
    ReopenForm,
    RoundForm,
    TrackForm,
    lazy_choices,
)
from eventhub.judging.models import (
    Assignment,
    ConflictOfInterest,
    Criterion,
    Judge,
    Round,
    RoundStatus,
)
from eventhub.judging.results import take_advanced_entries
from eventhub.mentors import services as mentor_services
from eventhub.text import split_tags
from eventhub.webforms import (
    domain_errors,
    refusal_flashed,
)

bp = Blueprint("contest_admin", __name__)


def _me() -> Any:
    return current_user._get_current_object()


# Loading ----------------------------------------------------------------------------------


def _contest(event_id: int) -> Event:
    event = event_for(event_id, permissions.can_manage_event)
    if event.kind != "contest":
        abort(404)
    return event


def _of_event(model: type, object_id: int, event: Event) -> Any:
    """A judge, round or conflict of ``event`` (404 otherwise)."""
    obj = db.session.get(model, object_id)
    if model is ConflictOfInterest and obj is not None:
        owner = db.session.get(Judge, obj.judge_id).event_id
    else:
        owner = getattr(obj, "event_id", None)
    if obj is None or owner != event.id:
        abort(404)
    return obj


def _criterion(round_: Round, criterion_id: int) -> Criterion:
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None or criterion.round_id != round_.id:
        abort(404)
    return criterion


def _act(action: Callable[[], Any], done: str) -> None:
    """Run a button's service call; flash what happened or why it was refused."""
    with refusal_flashed():
        action()
        flash(done, "success")


# The hub ----------------------------------------------------------------------------------


def _judge_choices(event: Event) -> list[SelectChoice]:
    return lazy_choices((j.id, f"{j.display_name} · {j.institution or j.user.email}")
                    for j in judges.judges_of(event))


def _entry_choices(event: Event) -> list[SelectChoice]:
    return lazy_choices((e.id, f"{e.title} · {e.institution}" if e.institution else e.title)
                    for e in entries.entries_of(event))


def _mentor_choices(event: Event) -> list[SelectChoice]:
    """The mentors of the organization's pool to invite as judges: name, title, expertise."""
    pool = db.session.scalars(mentor_services.directory_query(_me(), org_id=event.org_id))
    return [SelectChoice(value="", label=_("Not from the pool: type an email below"))] + [
        SelectChoice(value=m.id, label=" · ".join(
            part for part in (m.name, m.title, list_separator().join(m.expertise or [])) if part
        ))
        for m in pool
    ]


def _hub(event: Event, **forms: FlaskForm) -> tuple[str, int]:
    judge_form = forms.get("judge_form") or JudgeForm(formdata=None)
    judge_form.mentor_id.choices = _mentor_choices(event)
    conflict_form = forms.get("conflict_form") or ConflictForm()
    conflict_form.judge_id.choices = _judge_choices(event)
    conflict_form.entry_id.choices = _entry_choices(event)
    by_id = {e.id: e for e in entries.entries_of(event)}
    contest_judges = judges.judges_of(event)
    status = 422 if any(f.errors or f.form_errors for f in forms.values()) else 200
    return render_template(
        "judging/admin_hub.html",
        event=event,
        tracks=entries.tracks_of(event),
        track_counts=entries.track_counts(event),
        entry_count=len(by_id),
        entries=by_id,
        judges=contest_judges,
        judge_names={j.id: j.display_name for j in contest_judges},
        conflicts=judges.conflicts_of(event),
        automatic=judges.automatic_conflicts(contest_judges, by_id.values()),
        rounds=rounds.rounds_of(event),
        progress=rounds.rounds_progress(event),
        entries_url=url_for("judging_entries.manage", event_id=event.id),
        track_form=forms.get("track_form") or TrackForm(formdata=None),
        judge_form=judge_form,
        conflict_form=conflict_form,
        round_form=forms.get("round_form") or RoundForm(formdata=None, event=event),
    ), status


def _back_to_hub(event: Event, anchor: str) -> Response:
    return redirect(url_for("contest_admin.hub", event_id=event.id, _anchor=anchor))


@bp.route("/events/<int:event_id>/contest")
@login_required
def hub(event_id: int) -> tuple[str, int]:
    return _hub(_contest(event_id))


@bp.route("/events/<int:event_id>/contest/tracks", methods=["POST"])
@login_required
def add_track(event_id: int) -> Response | tuple[str, int]:
    event = _contest(event_id)
    form = TrackForm()
    if form.validate_on_submit():
        with domain_errors(form):
            track = entries.create_track(_me(), event, form.name.data)
            flash(_("Track “%(name)s” added.", name=track.name), "success")
            return _back_to_hub(event, "tracks")
    return _hub(event, track_form=form)


@bp.route("/events/<int:event_id>/contest/judges", methods=["POST"])
@login_required
def invite_judge(event_id: int) -> Response | tuple[str, int]:
    event = _contest(event_id)
    form = JudgeForm()
    if form.validate_on_submit():
        with domain_errors(form):
            judge, created = judges.invite_judge(
                _me(), event, form.email.data, form.name.data or None,
                form.institution.data or None, split_tags(form.expertise.data),
                mentor_id=form.mentor_id.data)
            message = (_("%(name)s is invited; the mail with the sign-in link is on its way.",
                         name=judge.display_name) if created
                       else _("%(name)s is a judge already: the details are updated and a "
                              "new sign-in link is sent (the earlier one no longer works).",
                              name=judge.display_name))
            flash(message, "success")
            return _back_to_hub(event, "judges")
    return _hub(event, judge_form=form)


@bp.route("/events/<int:event_id>/contest/judges/<int:judge_id>", methods=["GET", "POST"])
@login_required
def edit_judge(event_id: int, judge_id: int) -> Response | tuple[str, int]:
    event = _contest(event_id)
    judge = _of_event(Judge, judge_id, event)
    form = JudgeForm(prefix="")
    if not form.is_submitted():
        form.institution.data = judge.institution
        form.expertise.data = ", ".join(judge.expertise or [])
    if form.validate_on_submit():
        with domain_errors(form):
            judges.update_judge(_me(), judge, form.institution.data or "",
                               split_tags(form.expertise.data))
            flash(_("Saved."), "success")
            return _back_to_hub(event, "judges")
    status = 422 if form.errors or form.form_errors else 200
    return render_template("judging/admin_judge.html", event=event, judge=judge,
                           form=form), status


@bp.route("/events/<int:event_id>/contest/judges/<int:judge_id>/remove", methods=["POST"])
@login_required
def remove_judge(event_id: int, judge_id: int) -> Response:
    event = _contest(event_id)
    judge = _of_event(Judge, judge_id, event)
    name = judge.display_name
    _act(lambda: judges.remove_judge(_me(), judge),
         _("%(name)s is no longer a judge of this contest.", name=name))
    return _back_to_hub(event, "judges")


@bp.route("/events/<int:event_id>/contest/conflicts", methods=["POST"])
@login_required
def declare_conflict(event_id: int) -> Response | tuple[str, int]:
    event = _contest(event_id)
    form = ConflictForm()
    if form.validate_on_submit():
        with domain_errors(form):
            created = judges.declare_conflict(
                _me(), event, form.judge_id.data, form.entry_id.data, form.reason.data or "")[1]
            flash(_("The conflict of interest is recorded.") if created
                  else _("This conflict was declared already."), "success")
            return _back_to_hub(event, "conflicts")
    return _hub(event, conflict_form=form)


@bp.route("/events/<int:event_id>/contest/conflicts/<int:conflict_id>/withdraw",
          methods=["POST"])
@login_required
def withdraw_conflict(event_id: int, conflict_id: int) -> Response:
    event = _contest(event_id)
    conflict = _of_event(ConflictOfInterest, conflict_id, event)
    _act(lambda: judges.withdraw_conflict(_me(), conflict), _("The conflict is withdrawn."))
    return _back_to_hub(event, "conflicts")


@bp.route("/events/<int:event_id>/contest/rounds", methods=["POST"])
@login_required
def create_round(event_id: int) -> Response | tuple[str, int]:
    event = _contest(event_id)
    form = RoundForm(event=event)
    if form.validate_on_submit():
        with domain_errors(form, ROUND_FIELDS):
            round_ = rounds.create_round(_me(), event, form.to_info())
            flash(_("Round “%(name)s” created. Now write its rubric.", name=round_.name),
                  "success")
            return redirect(url_for("contest_admin.round_page", event_id=event.id,
                                    round_id=round_.id))
    return _hub(event, round_form=form)


# A round ----------------------------------------------------------------------------------


def _round_page(event: Event, round_: Round, **forms: FlaskForm) -> tuple[str, int]:
    taking_part = rounds.round_entries(round_)
    contest_judges = judges.judges_of(event)
    overview = assignments.assignment_overview(round_)
    earlier = [r for r in rounds.rounds_of(event)
               if (r.position, r.id) < (round_.position, round_.id)]
    chosen = rounds.round_entry_ids(round_)
    entries_form = forms.get("entries_form") or EntriesForm(formdata=None)
    entries_form.from_round_id.choices = lazy_choices((r.id, r.name) for r in earlier)
    entries_form.entry_ids.choices = _entry_choices(event)
    if "entries_form" not in forms:
        entries_form.entry_ids.data = sorted(chosen)
        entries_form.mode.data = "pick" if rounds.has_chosen_entries(round_) else "all"
    assign_form = forms.get("assign_form") or AssignForm(formdata=None)
    assign_form.judge_id.choices = _judge_choices(event)
    conflicts = judges.conflicted_pairs(event.id, contest_judges, taking_part)
    status = 422 if any(f.errors or f.form_errors for f in forms.values()) else 200
    return render_template(
        "judging/admin_round.html",
        event=event,
        round=round_,
        is_draft=round_.status == RoundStatus.draft,
        locked=RoundForm.locked_inputs(round_),
        weight_total=rounds.weight_total(round_),
        taking_part=taking_part,
        judges=contest_judges,
        overview=overview,
        conflicts=conflicts,
        settings_form=forms.get("settings_form")
        or RoundForm(formdata=None, event=event, round_=round_, prefix=""),
        criterion_form=forms.get("criterion_form") or CriterionForm(formdata=None),
        entries_form=entries_form,
        auto_form=forms.get("auto_form") or AutoAssignForm(formdata=None),
        assign_form=assign_form,
        reopen_form=forms.get("reopen_form") or ReopenForm(formdata=None),
        publish_form=forms.get("publish_form") or PublishForm(formdata=None),
        results_url=url_for("judging.results", round_id=round_.id),
        statistics_url=url_for("judging_reports.statistics", round_id=round_.id),
        roadshow_url=url_for("roadshow.control", round_id=round_.id),
    ), status


def _editable(round_: Round, info: rounds.RoundInfo) -> rounds.RoundInfo:
    """The typed settings; those the round's status locks have disabled inputs, which
    browsers do not send, so what was not sent stays as it is (what was sent goes to the
    service, which refuses a change it does not allow)."""
    if round_.status == RoundStatus.draft:
        return info
    sent = set(request.form)
    kept: dict[str, Any] = {}
    if "aggregation" not in sent:
        kept["aggregation"] = round_.aggregation.value
    if not sent & {"rule", "rule_value"}:
        kept.update({name: getattr(round_, name) for name in RULE_FIELDS.values()})
    if "anonymous" not in sent:
        kept["anonymous"] = round_.anonymous
    for name in ("opens_at", "closes_at"):
        if name not in sent:
            kept[name] = getattr(round_, name)
    return replace(info, **kept)


def _load_round(event_id: int, round_id: int) -> tuple[Event, Round]:
    event = _contest(event_id)
    return event, _of_event(Round, round_id, event)


def _back_to_round(round_: Round, anchor: str) -> Response:
    return redirect(url_for("contest_admin.round_page", event_id=round_.event_id,
                            round_id=round_.id, _anchor=anchor))


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>", methods=["GET", "POST"])
@login_required
def round_page(event_id: int, round_id: int) -> Response | tuple[str, int]:
    """The round: its settings (this page's own form), rubric, entries, assignments, status."""
    event, round_ = _load_round(event_id, round_id)
    if request.method == "GET":
        return _round_page(event, round_)
    form = RoundForm(event=event, round_=round_, prefix="")
    if form.validate_on_submit():
        with domain_errors(form, ROUND_FIELDS):
            rounds.update_round(_me(), round_, _editable(round_, form.to_info()))
            flash(_("Saved."), "success")
            return _back_to_round(round_, "settings")
    return _round_page(event, round_, settings_form=form)


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>/criteria", methods=["POST"])
@login_required
def add_criterion(event_id: int, round_id: int) -> Response | tuple[str, int]:
    event, round_ = _load_round(event_id, round_id)
    form = CriterionForm()
    if form.validate_on_submit():
        with domain_errors(form):
            rounds.add_criterion(_me(), round_, form.name.data, form.max_points.data,
                                   form.weight.data, form.description.data or "")
            flash(_("Criterion added."), "success")
            return _back_to_round(round_, "rubric")
    return _round_page(event, round_, criterion_form=form)


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>/criteria/<int:criterion_id>",
          methods=["GET", "POST"])
@login_required
def edit_criterion(event_id: int, round_id: int, criterion_id: int) -> Response | tuple[str, int]:
    event, round_ = _load_round(event_id, round_id)
    criterion = _criterion(round_, criterion_id)
    form = CriterionForm(obj=criterion, prefix="")
    if form.validate_on_submit():
        with domain_errors(form):
            rounds.update_criterion(_me(), criterion, form.name.data, form.max_points.data,
                                   form.weight.data, form.description.data or "")
            flash(_("Saved."), "success")
            return _back_to_round(round_, "rubric")
    status = 422 if form.errors or form.form_errors else 200
    return render_template("judging/admin_criterion.html", event=event, round=round_,
                           criterion=criterion, form=form), status


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>/criteria/<int:criterion_id>"
          "/delete", methods=["POST"])
@login_required
def delete_criterion(event_id: int, round_id: int, criterion_id: int) -> Response:
    round_ = _load_round(event_id, round_id)[1]
    criterion = _criterion(round_, criterion_id)
    name = criterion.name
    _act(lambda: rounds.delete_criterion(_me(), criterion),
         _("Criterion “%(name)s” deleted.", name=name))
    return _back_to_round(round_, "rubric")


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>/entries", methods=["POST"])
@login_required
def set_entries(event_id: int, round_id: int) -> Response | tuple[str, int]:
    event, round_ = _load_round(event_id, round_id)
    form = EntriesForm()
    if form.validate_on_submit():
        with domain_errors(form):
            if form.mode.data == "advanced":
                taking_part = take_advanced_entries(_me(), round_,
                                                          form.from_round_id.data)
            else:
                ids = None if form.mode.data == "all" else (form.entry_ids.data or [])
                taking_part = rounds.set_round_entries(_me(), round_, ids)
            flash(ngettext("%(num)d entry takes part.", "%(num)d entries take part.",
                           len(taking_part)), "success")
            return _back_to_round(round_, "entries")
    return _round_page(event, round_, entries_form=form)


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>/auto-assign", methods=["POST"])
@login_required
def auto_assign(event_id: int, round_id: int) -> Response | tuple[str, int]:
    event, round_ = _load_round(event_id, round_id)
    form = AutoAssignForm()
    if form.validate_on_submit():
        with domain_errors(form, {"auto.judges_per_entry": "judges_per_entry"}):
            result = assignments.auto_assign(_me(), round_, form.judges_per_entry.data)
            low, high = assignments.assignment_overview(round_).load_range
            flash(ngettext(
                "%(num)d assignment made. Each judge now has %(low)d to %(high)d entries.",
                "%(num)d assignments made. Each judge now has %(low)d to %(high)d entries.",
                len(result.created), low=low, high=high,
            ), "success")
            if result.short:
                titles = {e.id: e.title for e in rounds.round_entries(round_)}
                short = "; ".join(_("%(title)s (%(n)d missing)", title=titles.get(e, e), n=n)
                                  for e, n in sorted(result.short.items()))
                flash(_("Short of judges because of conflicts: %(entries)s.", entries=short),
                      "warning")
            return _back_to_round(round_, "assignments")
    return _round_page(event, round_, auto_form=form)


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>/assignments", methods=["POST"])
@login_required
def assign(event_id: int, round_id: int) -> Response | tuple[str, int]:
    event, round_ = _load_round(event_id, round_id)
    form = AssignForm()
    if form.validate_on_submit():
        with refusal_flashed():
            assignments.assign(_me(), round_, form.judge_id.data, form.entry_id.data)
            flash(_("Assigned."), "success")
    else:
        flash(_("Choose a judge."), "error")
    return _back_to_round(round_, f"entry-{form.entry_id.data or ''}")


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>/assignments/<int:assignment_id>"
          "/remove", methods=["POST"])
@login_required
def unassign(event_id: int, round_id: int, assignment_id: int) -> Response:
    round_ = _load_round(event_id, round_id)[1]
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.round_id != round_.id:
        abort(404)
    entry_id = assignment.entry_id
    _act(lambda: assignments.unassign(_me(), assignment), _("The judge is taken off the entry."))
    return _back_to_round(round_, f"entry-{entry_id}")


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>/<any(open, close):action>",
          methods=["POST"])
@login_required
def change_status(event_id: int, round_id: int, action: str) -> Response:
    round_ = _load_round(event_id, round_id)[1]
    if action == "open":
        _act(lambda: rounds.open_round(_me(), round_),
             _("The round is open: judges can score now."))
    else:
        _act(lambda: rounds.close_round(_me(), round_),
             _("The round is closed: scorecards no longer change."))
    return _back_to_round(round_, "status")


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>/reopen", methods=["POST"])
@login_required
def reopen(event_id: int, round_id: int) -> Response | tuple[str, int]:
    event, round_ = _load_round(event_id, round_id)
    form = ReopenForm()
    if form.validate_on_submit():
        with domain_errors(form):
            rounds.open_round(_me(), round_, reason=form.reason.data)
            flash(_("The round is open again."), "success")
            return _back_to_round(round_, "status")
    return _round_page(event, round_, reopen_form=form)


@bp.route("/events/<int:event_id>/contest/rounds/<int:round_id>/publish", methods=["POST"])
@login_required
def publish(event_id: int, round_id: int) -> Response | tuple[str, int]:
    event, round_ = _load_round(event_id, round_id)
    form = PublishForm()
    if form.validate_on_submit():
        with domain_errors(form):
            rounds.publish_round(_me(), round_, form.notice_ends_at.aware(event.timezone))
            flash(_("The results are published."), "success")
            return _back_to_round(round_, "status")
    return _round_page(event, round_, publish_form=form)

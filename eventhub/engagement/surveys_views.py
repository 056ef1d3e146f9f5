"""The satisfaction survey (满意度) pages: the organizer's editor, the attendee's answer page
(phone-first, stars as a radio group) and the anonymous results with averages and bars.

The ticket page, my registrations and the event page know no engagement: they reach the
survey through the ``survey_link`` template global registered here, and the organizers' pages
show the average through ``survey_figures``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eventhub import permissions
from eventhub.engagement import surveys
from eventhub.engagement.surveys_forms import answer_form, edit_form
from eventhub.events.access import event_for
from eventhub.events.models import Event
from eventhub.webforms import domain_errors

bp = Blueprint("engagement_surveys", __name__)


def me() -> Any:
    return current_user._get_current_object()


@bp.app_template_global("survey_link")
def survey_link(event: Event) -> dict[str, Any] | None:
    """The viewer's way to the event's survey (None: nothing to show): ``url`` and
    ``answered``, for a checked-in attendee once the survey is open."""
    if not current_user.is_authenticated or not surveys.is_open(event):
        return None
    if surveys.checked_in_registration(current_user, event) is None:
        return None
    return {"url": url_for("engagement_surveys.answer", event_id=event.id),
            "answered": surveys.has_answered(current_user, event)}


@bp.app_template_global("survey_figures")
def survey_figures(event: Event) -> dict[str, Any] | None:
    """The survey's part of the event's figures for its organizers (None for anyone else):
    ``responses``, ``average`` and the pages' urls."""
    if not permissions.can_manage_event(current_user, event):
        return None
    return {**surveys.figures(event.id),
            "results": url_for("engagement_surveys.results", event_id=event.id),
            "edit": url_for("engagement_surveys.edit", event_id=event.id),
            "has_survey": surveys.has_survey(event)}


@bp.route("/events/<int:event_id>/survey", methods=["GET", "POST"])
@login_required
def answer(event_id: int) -> Any:
    event = event_for(event_id, permissions.can_view_event)
    questions = surveys.questions_of(event)
    form = answer_form(questions)
    state = "open"
    if not questions:
        state = "none"
    elif not surveys.is_open(event):
        state = "not_open"
    elif surveys.checked_in_registration(me(), event) is None:
        state = "not_checked_in"
    elif surveys.has_answered(me(), event):
        state = "answered"
    if state == "open" and form.validate_on_submit():
        with domain_errors(form, form.field_map()):
            surveys.submit_response(me(), event, form.answers())
            flash(_("Thank you! Your answers were recorded anonymously."), "success")
            return redirect(url_for("engagement_surveys.answer", event_id=event.id))
    return render_template("engagement/survey_answer.html", event=event, form=form,
                           state=state)


@bp.route("/events/<int:event_id>/survey/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int) -> Any:
    event = event_for(event_id, permissions.can_manage_event)
    form = edit_form(surveys.questions_of(event))
    if form.validate_on_submit():
        with domain_errors(form):
            surveys.save_survey(me(), event, form.question_list())
            flash(_("The survey is saved."), "success")
            return redirect(url_for("engagement_surveys.edit", event_id=event.id))
    return render_template("engagement/survey_edit.html", event=event, form=form,
                           figures=surveys.figures(event.id))


@bp.route("/events/<int:event_id>/survey/results")
@login_required
def results(event_id: int) -> Any:
    event = event_for(event_id, permissions.can_manage_event)
    return render_template("engagement/survey_results.html", event=event,
                           results=surveys.results(me(), event))

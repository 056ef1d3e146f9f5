"""Investor interest at roadshows (融资对接): the service's rules (issue 13 point 6)."""

from __future__ import annotations

import pytest

from eventhub.database import db
from eventhub.engagement import investors
from eventhub.errors import Conflict, NotAllowed, ValidationFailed
from eventhub.models import InvestorConnection, InvestorInterest
from eventhub.registrations import services as registrations
from eventhub.registrations.form_builder import save_category
from tests import factories


def investor_of(organizer, event, user=None, category=None, phone="13900000001"):
    """A user (new unless given) with a confirmed registration in an investor category of
    ``event`` (made unless given)."""
    category = category or save_category(organizer, event, "投资人", investor=True)
    user = user or factories.UserFactory(organization="红杉资本")
    registrations.register(user, event, registrations.RegistrationInfo(
        category_id=category.id, consent=True, phone=phone))
    return user


@pytest.fixture
def entry(final, participant):
    entry = final[1][0]
    entry.leader_id = participant.id
    db.session.commit()
    return entry


def test_an_investor_marks_and_changes_their_mark(organizer, contest, entry):
    investor = investor_of(organizer, contest)
    mark, created = investors.mark_interest(investor, entry, "interested", note="医疗方向")
    assert created and mark.level == "interested" and mark.share_consent_at is None
    again, created = investors.mark_interest(investor, entry, "bp", consent=True)
    assert not created and again.id == mark.id and again.level == "bp"
    assert again.note == "医疗方向" and again.share_consent_version == "contacts-1"
    assert db.session.scalar(db.select(db.func.count(InvestorInterest.id))) == 1


def test_only_confirmed_investors_of_the_event_mark(organizer, contest, entry, participant):
    audience = save_category(organizer, contest, "观众")
    listener = investor_of(organizer, contest, category=audience)
    for user in (listener, factories.UserFactory(), participant):
        with pytest.raises(NotAllowed):
            investors.mark_interest(user, entry, "interested")


def test_bad_levels_and_notes_change_nothing(organizer, contest, entry):
    investor = investor_of(organizer, contest)
    for level, note, consent in (("hot", None, None), ("bp", "x" * 1001, None),
                                 ("bp", None, "yes")):
        with pytest.raises(ValidationFailed):
            investors.mark_interest(investor, entry, level, note=note, consent=consent)
    assert db.session.scalar(db.select(db.func.count(InvestorInterest.id))) == 0


def test_accepting_needs_both_consents(organizer, contest, entry, participant):
    investor = investor_of(organizer, contest)
    mark, _ = investors.mark_interest(investor, entry, "meeting")
    with pytest.raises(Conflict) as refused:
        investors.accept_interest(participant, mark)
    assert refused.value.code == "consent_required"
    with pytest.raises(NotAllowed):
        investors.accept_interest(organizer, mark)
    investors.mark_interest(investor, entry, "meeting", consent=True)
    with pytest.raises(ValidationFailed):
        investors.accept_interest(participant, mark, consent=False)
    connection = investors.accept_interest(participant, mark)
    assert connection.leader_consent_version == connection.investor_consent_version
    assert investors.accept_interest(participant, mark).id == connection.id
    mine = investors.connections_of(investor)
    assert [c["name"] for c in mine] == [participant.name]
    theirs = investors.connections_of(participant)
    assert theirs[0]["organization"] == "红杉资本" and theirs[0]["phone"] == "13900000001"
    assert investors.connections_of(organizer) == []
    investors.mark_interest(investor, entry, "meeting", consent=False)
    assert db.session.scalar(db.select(db.func.count(InvestorConnection.id))) == 0
    assert investors.connections_of(participant) == []

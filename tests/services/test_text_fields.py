"""Every service checks a text field with eventhub.text.check_text: the same value is refused
for the same reason in the same words, whichever domain's field it is."""

from __future__ import annotations

import pytest

from eventhub.accounts.models import NAME_MAX
from eventhub.accounts.services import create_token
from eventhub.checkin.services import create_list
from eventhub.errors import ValidationFailed
from eventhub.judging.entries import create_track
from eventhub.orgs.services import update_org
from eventhub.registrations.services import NOTES_MAX, RegistrationInfo, register, set_notes
from eventhub.text import FORBIDDEN_MESSAGE, NOT_TEXT_MESSAGE, REQUIRED_MESSAGE, too_long_message


def _reason(call, field):
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.fields[field]


@pytest.fixture
def changes(admin, org, organizer, event, contest, participant):
    """One text field of each domain: (call with a value, field, its limit)."""
    registration = register(participant, event, RegistrationInfo(consent=True))
    return [
        (lambda v: update_org(admin, org, v, "maker_space", ""), "name", NAME_MAX),
        (lambda v: create_list(organizer, event, v), "name", NAME_MAX),
        (lambda v: create_track(organizer, contest, v), "name", NAME_MAX),
        (lambda v: create_token(participant, v), "name", NAME_MAX),
        (lambda v: set_notes(organizer, registration, v), "notes", NOTES_MAX),
    ]


def test_each_domain_refuses_the_same_text_in_the_same_words(changes):
    for call, field, limit in changes:
        for value, reason in (("名" * (limit + 1), too_long_message(limit)),
                              (7, NOT_TEXT_MESSAGE), ("名\x00称", FORBIDDEN_MESSAGE)):
            assert _reason(lambda call=call, value=value: call(value), field) == str(reason), \
                (field, value)


def test_a_required_name_left_blank_reads_the_same_everywhere(admin, org, organizer, event,
                                                               contest):
    for call in (lambda: update_org(admin, org, "  ", "maker_space", ""),
                 lambda: create_list(organizer, event, "  "),
                 lambda: create_track(organizer, contest, "  ")):
        assert _reason(call, "name") == str(REQUIRED_MESSAGE)

"""Certificates (参会证明, 获奖证书): who gets one, issuing again issues only what is new, the
public facts are masked, revocation keeps its reason, and the PDF carries the full name and a
QR code that decodes to the verification link."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
import zxingcpp

from eventhub.audit import AuditEntry
from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.engagement import certificates as certs
from eventhub.engagement.models import Certificate
from eventhub.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from eventhub.judging.entries import EntryInfo, create_entry
from eventhub.registrations import services as reg
from tests import factories
from tests.services.test_badges import pdf_pages, pdf_text

VERIFY = "https://eventhub.example.com/verify/"


def register(event, name, phone):
    user = factories.UserFactory(name=name, phone=phone)
    return reg.register(user, event, reg.RegistrationInfo(consent=True))


def check_in(staff, event, registration):
    result = checkin.scan(staff, factories.main_list_of(event), registration.ticket_code,
                          uuid.uuid4().hex)
    assert result["status"] == "ok"
    return result


@pytest.fixture
def people(event, staff):
    """Three confirmed registrations of the event; the first two checked in."""
    regs = [register(event, name, f"1390000000{i}")
            for i, name in enumerate(("张三丰", "欧阳娜娜", "李四"))]
    for registration in regs[:2]:
        check_in(staff, event, registration)
    return regs


def issued_ids(issued):
    return sorted(c.registration_id for c in issued)


# Attendance ---------------------------------------------------------------------------------


def test_attendance_goes_to_the_checked_in_only(organizer, event, people):
    assert certs.pending_attendance(event) == 2
    issued = certs.issue_certificates(organizer, event, "attendance")
    assert issued_ids(issued) == sorted(r.id for r in people[:2])
    assert {c.name for c in issued} == {"张三丰", "欧阳娜娜"}
    assert all(c.user_id == r.user_id for c, r in zip(
        sorted(issued, key=lambda c: c.registration_id), people[:2], strict=True))
    assert certs.pending_attendance(event) == 0


def test_issuing_again_issues_only_the_new_ones(organizer, staff, event, people):
    first = certs.issue_certificates(organizer, event, "attendance")
    assert certs.issue_certificates(organizer, event, "attendance") == []
    check_in(staff, event, people[2])
    assert certs.pending_attendance(event) == 1
    again = certs.issue_certificates(organizer, event, "attendance")
    assert issued_ids(again) == [people[2].id]
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 3
    assert len({c.code for c in first + again}) == 3


def test_nobody_checked_in_gets_none(organizer, event):
    register(event, "王五", "13900000009")
    assert certs.pending_attendance(event) == 0
    assert certs.issue_certificates(organizer, event, "attendance") == []


def test_a_reverted_check_in_does_not_count(organizer, staff, event, people):
    from eventhub.checkin.models import Scan

    scan_id = db.session.scalar(sa.select(Scan.id).where(Scan.registration_id == people[0].id))
    checkin.revert(staff, scan_id)
    issued = certs.issue_certificates(organizer, event, "attendance")
    assert issued_ids(issued) == [people[1].id]


def test_a_cancelled_registration_gets_none(organizer, event, people):
    reg.cancel(organizer, people[0])
    issued = certs.issue_certificates(organizer, event, "attendance")
    assert issued_ids(issued) == [people[1].id]


def test_named_registrations_not_checked_in_are_refused(organizer, event, people):
    with pytest.raises(Conflict) as refused:
        certs.issue_certificates(organizer, event, "attendance",
                                 registration_ids=[people[0].id, people[2].id])
    assert refused.value.code == "not_checked_in"
    assert refused.value.extra["registration_ids"] == [people[2].id]
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    issued = certs.issue_certificates(organizer, event, "attendance",
                                      registration_ids=[people[0].id])
    assert issued_ids(issued) == [people[0].id]


@pytest.mark.parametrize("ids", [[], [10**30], [True], [0]])
def test_named_registrations_must_be_ids(organizer, event, people, ids):
    with pytest.raises(ValidationFailed) as refused:
        certs.issue_certificates(organizer, event, "attendance", registration_ids=ids)
    assert set(refused.value.fields) == {"registration_ids"}


def test_named_registrations_of_another_event_are_refused(organizer, org, event, people, now):
    other = factories.EventFactory(organization=org, status="published")
    stranger = register(other, "外人", "13700000000")
    with pytest.raises(ValidationFailed) as refused:
        certs.issue_certificates(organizer, event, "attendance",
                                 registration_ids=[stranger.id])
    assert set(refused.value.fields) == {"registration_ids"}


def test_only_organizers_issue(staff, participant, outsider_organizer, event, people):
    for user in (staff, participant, outsider_organizer):
        with pytest.raises(NotAllowed):
            certs.issue_certificates(user, event, "attendance")
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_an_unknown_kind_is_refused(organizer, event, people):
    for kind in ("diploma", None, ["attendance"]):
        with pytest.raises(ValidationFailed) as refused:
            certs.issue_certificates(organizer, event, kind)
        assert set(refused.value.fields) == {"kind"}


def test_issuing_is_audited(organizer, event, people):
    issued = certs.issue_certificates(organizer, event, "attendance")
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "certificates.issued"))
    assert entry.actor_id == organizer.id and entry.event_id == event.id
    assert sorted(entry.after["certificates"]) == sorted(c.id for c in issued)


# Awards -------------------------------------------------------------------------------------


@pytest.fixture
def entry(organizer, contest, track):
    leader = factories.UserFactory(name="陈队长")
    return create_entry(organizer, contest, EntryInfo(
        title="智慧农业", track_id=track.id, leader_id=leader.id,
        members=[{"name": "陈队长", "role": "CEO"}, {"name": "刘成员", "role": "CTO"}]))


def test_award_goes_to_the_members_with_an_account(organizer, contest, entry):
    issued = certs.issue_certificates(organizer, contest, "award", entry_id=entry.id,
                                      award=" 一等奖 ")
    # The leader is the one member with an account (the others are names and roles).
    assert [(c.user_id, c.name, c.award, c.entry_id) for c in issued] == [
        (entry.leader_id, "陈队长", "一等奖", entry.id)]
    assert certs.issue_certificates(organizer, contest, "award", entry_id=entry.id,
                                    award="一等奖") == []
    other = certs.issue_certificates(organizer, contest, "award", entry_id=entry.id,
                                     award="最佳人气奖")
    assert [c.award for c in other] == ["最佳人气奖"]


def test_award_uses_the_name_on_the_event_form(organizer, contest, entry):
    reg.register(entry.leader, contest, reg.RegistrationInfo(consent=True, name="陈大明",
                                                              phone="13600000000"))
    issued = certs.issue_certificates(organizer, contest, "award", entry_id=entry.id,
                                      award="一等奖")
    assert issued[0].name == "陈大明"


def test_award_without_a_leader_is_refused(organizer, contest, track):
    entry = create_entry(organizer, contest, EntryInfo(title="无人认领", track_id=track.id,
                                                       members=[{"name": "某人"}]))
    with pytest.raises(Conflict) as refused:
        certs.issue_certificates(organizer, contest, "award", entry_id=entry.id, award="优秀奖")
    assert refused.value.code == "no_recipient"


@pytest.mark.parametrize("entry_id, award, fields", [
    (None, "一等奖", {"entry_id"}),
    ("1", "一等奖", {"entry_id"}),
    (10**9, "一等奖", {"entry_id"}),
    (10**30, "一等奖", {"entry_id"}),
    (True, "一等奖", {"entry_id"}),
    ("mine", None, {"award"}),
    (None, None, {"entry_id", "award"}),
    ("mine", "", {"award"}),
    ("mine", "   ", {"award"}),
    ("mine", "奖" * 201, {"award"}),
    ("mine", 1, {"award"}),
])
def test_award_bad_input(organizer, contest, entry, entry_id, award, fields):
    entry_id = entry.id if entry_id == "mine" else entry_id
    with pytest.raises(ValidationFailed) as refused:
        certs.issue_certificates(organizer, contest, "award", entry_id=entry_id, award=award)
    assert set(refused.value.fields) == fields
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_award_for_an_entry_of_another_contest_is_refused(organizer, org, contest, entry):
    other = factories.contest(org)
    with pytest.raises(ValidationFailed):
        certs.issue_certificates(organizer, other, "award", entry_id=entry.id, award="一等奖")


# Public facts, revocation -------------------------------------------------------------------


def test_codes_are_long_random_and_found_as_typed(organizer, event, people):
    issued = certs.issue_certificates(organizer, event, "attendance")
    for c in issued:
        assert len(c.code) == certs.CODE_LENGTH and set(c.code) <= set(certs.ALPHABET)
        typed = certs.code_groups(c.code).lower().replace("0", "o")
        assert certs.find(typed) is c
    assert certs.find("") is None and certs.find("X" * 12) is None


def test_the_public_view_masks_the_name(organizer, event, people):
    issued = certs.issue_certificates(organizer, event, "attendance")
    names = {certs.public_view(c.code).name for c in issued}
    assert names == {"张**", "欧阳**"}
    view = certs.public_view(issued[0].code)
    assert view.valid and view.event == event.title and view.award is None
    assert view.revoked_at is None and view.revoke_reason is None


def test_unknown_codes_are_not_found(_db):
    with pytest.raises(NotFound):
        certs.public_view("ABCDEFGHJKMN")


def test_revoking_keeps_the_reason_and_is_audited(organizer, event, people, now):
    certificate = certs.issue_certificates(organizer, event, "attendance")[0]
    certs.revoke_certificate(organizer, certificate, " 冒名签到 ", now=now)
    view = certs.public_view(certificate.code)
    assert not view.valid and view.revoke_reason == "冒名签到" and view.revoked_at == now
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "certificate.revoked"))
    assert entry.object_id == certificate.id and entry.after["reason"] == "冒名签到"
    with pytest.raises(Conflict) as again:
        certs.revoke_certificate(organizer, certificate, "再来一次")
    assert again.value.code == "already_revoked"
    assert certs.public_view(certificate.code).revoke_reason == "冒名签到"
    # A revoked certificate is not issued again.
    assert certs.issue_certificates(organizer, event, "attendance") == []


@pytest.mark.parametrize("reason", [None, "", "  ", 5, "x" * 1001])
def test_revoking_needs_a_reason(organizer, event, people, reason):
    certificate = certs.issue_certificates(organizer, event, "attendance")[0]
    with pytest.raises(ValidationFailed) as refused:
        certs.revoke_certificate(organizer, certificate, reason)
    assert set(refused.value.fields) == {"reason"}
    assert certificate.revoked_at is None


def test_only_organizers_revoke(organizer, staff, outsider_organizer, event, people):
    certificate = certs.issue_certificates(organizer, event, "attendance")[0]
    owner = db.session.get(type(organizer), certificate.user_id)
    for user in (staff, outsider_organizer, owner):
        with pytest.raises(NotAllowed):
            certs.revoke_certificate(user, certificate, "不可以")
    assert certificate.revoked_at is None


def test_people_see_their_own(organizer, event, people):
    issued = certs.issue_certificates(organizer, event, "attendance")
    mine = certs.certificates_of(people[0].user)
    assert [c.registration_id for c in mine] == [people[0].id]
    assert {c.id for c in certs.event_certificates(organizer, event)} == {c.id for c in issued}


# The PDF ------------------------------------------------------------------------------------


def test_the_pdf_carries_the_full_name_and_a_qr_code_of_the_verification_link(
        app, organizer, event, people):
    certificate = certs.issue_certificates(organizer, event, "attendance")[0]
    owner = people[0].user if certificate.registration_id == people[0].id else people[1].user
    url = VERIFY + certificate.code
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        data = certs.certificate_pdf(owner, certificate, url)
    text = pdf_text(data)
    assert certificate.name in text and event.title in text
    assert event.organization.name in text and certs.code_groups(certificate.code) in text
    pages = pdf_pages(data)
    assert len(pages) == 1 and pages[0].width > pages[0].height  # A4 landscape
    decoded = [r.text for r in zxingcpp.read_barcodes(pages[0])]
    assert decoded == [url]


def test_the_award_pdf_names_the_award(app, organizer, contest, entry):
    certificate = certs.issue_certificates(organizer, contest, "award", entry_id=entry.id,
                                           award="一等奖")[0]
    with app.test_request_context():
        text = pdf_text(certs.certificate_pdf(entry.leader, certificate, VERIFY + "x"))
    assert "一等奖" in text and "陈队长" in text and "智慧农业" in text


def test_only_the_owner_and_organizers_get_the_pdf(app, organizer, owner, staff, event,
                                                  people):
    certificate = certs.issue_certificates(organizer, event, "attendance")[0]
    other = people[1] if certificate.registration_id == people[0].id else people[0]
    with app.test_request_context():
        for user in (staff, other.user, factories.UserFactory()):
            with pytest.raises(NotAllowed):
                certs.certificate_pdf(user, certificate, VERIFY)
        certs.certificate_pdf(owner, certificate, VERIFY)
    downloads = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "certificate.downloaded")).all()
    assert [d.actor_id for d in downloads] == [owner.id]

"""The subsidy evidence pack (issue 15, point 5): photos and the zip of API.md's files."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from PIL import Image

from eventhub import uploads
from eventhub.audit import AuditEntry
from eventhub.checkin import services as checkin
from eventhub.database import db
from eventhub.errors import ValidationFailed
from eventhub.models import Category, EventPhoto
from eventhub.orgs.models import Role
from eventhub.registrations import services as reg
from eventhub.registrations.services import RegistrationInfo
from eventhub.reports import evidence, figures
from tests import factories
from tests.api.conftest import assert_error, db_counts

PACK_FILES = {"签到表.pdf", "签到表.xlsx", "活动通知.pdf", "统计.json", "照片/"}


def image(fmt: str = "JPEG", size: tuple[int, int] = (60, 40), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format=fmt, **save)
    return out.getvalue()


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 48.0, 0.0), 3: "E", 4: (123.0, 25.0, 0.0)}  # GPS
    return image("JPEG", exif=exif.tobytes())


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text; the first page is rendered too (it must draw)."""
    pdf = pdfium.PdfDocument(data)
    try:
        bitmap = pdf[0].render(scale=0.5).to_pil()
        assert bitmap.size[0] > 100 and bitmap.getextrema() != ((255, 255),) * 3
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


@pytest.fixture(autouse=True)
def _upload_folder(app, tmp_path, monkeypatch):
    """Each test its own upload folder, so that it sees only its own files."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


def stored_files() -> list[str]:
    return sorted(p.name for p in uploads.folder(evidence.PHOTO_KIND).iterdir())


def upload(client, event, data: bytes, name: str = "photo.jpg"):
    return client.post(f"/api/v1/events/{event.id}/photos",
                       data={"photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def scan(actor, checkin_list, registration, at):
    return checkin.scan(actor, checkin_list, registration.ticket_code, str(uuid.uuid4()),
                        scan_type="entry", device="东门", now=at)


@pytest.fixture
def people(event, main_list, staff, organizer):
    """Four confirmed registrations (the first a 创业者, the others 观众; three with an
    organization) and a
    cancelled one: the
    first checked in twice (the first time counts), the second checked in and reverted, the
    third checked in after a reverted scan, the fourth never."""
    founder, audience = Category(event=event, name="创业者"), Category(event=event, name="观众")
    db.session.add_all([founder, audience])
    db.session.flush()
    found = []
    for n in range(5):
        user = factories.UserFactory(name=f"参会者{n}", phone=f"1390000{n:04d}")
        found.append(reg.register(user, event, RegistrationInfo(
            consent=True, organization=f"单位{n}" if n != 3 else "",
            category_id=(founder if n == 0 else audience).id)))
    reg.cancel(organizer, found.pop())
    start = datetime(2026, 5, 18, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    scan(staff, main_list, found[0], start)
    scan(staff, main_list, found[0], start + timedelta(hours=2))
    undone = scan(staff, main_list, found[1], start + timedelta(minutes=5))
    checkin.revert(staff, undone["checkin_id"])
    undone = scan(staff, main_list, found[2], start + timedelta(minutes=1))
    checkin.revert(staff, undone["checkin_id"])
    scan(staff, main_list, found[2], start + timedelta(minutes=20))
    return found


def open_pack(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


# The 签到表 and the pack ----------------------------------------------------------------------


def test_the_sheet_rows_follow_the_check_ins(event, people):
    rows = evidence.sheet_rows(event)
    assert [r.name for r in rows] == ["参会者0", "参会者1", "参会者2", "参会者3"]
    assert [r.checked_in_at for r in rows] == [
        datetime(2026, 5, 18, 1, 30, tzinfo=UTC),  # the first of two
        None,  # reverted: not checked in
        datetime(2026, 5, 18, 1, 50, tzinfo=UTC),  # the reverted scan does not count
        None,
    ]
    assert [r.phone for r in rows] == [f"139****{n:04d}" for n in range(4)]


def test_only_confirmed_registrations_are_on_the_sheet(event, people, organizer):
    reg.cancel(organizer, people[3])
    rows = evidence.sheet_rows(event)
    assert [r.name for r in rows] == ["参会者0", "参会者1", "参会者2"]
    assert rows[0].category == "创业者" and rows[1].category == "观众"


def test_the_pack_holds_exactly_its_files(api, organizer, event, people):
    assert upload(api(organizer), event, image("JPEG")).status_code == 201
    assert upload(api(organizer), event, image("PNG"), "b.png").status_code == 201
    pack = open_pack(api(organizer).get(f"/api/v1/events/{event.id}/evidence.zip"))
    assert set(pack.namelist()) == PACK_FILES | {"照片/001.jpg", "照片/002.png"}
    with Image.open(io.BytesIO(pack.read("照片/002.png"))) as photo:
        assert photo.format == "PNG"
    stats = json.loads(pack.read("统计.json"))
    assert stats == json.loads(json.dumps(figures.event_stats(event)))  # the stats API's answer
    assert stats["checked_in"] == 2 and stats["registrations"]["confirmed"] == 4
    assert stats["checkin_rate"] == 0.5
    audit = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "evidence.exported")).all()
    assert len(audit) == 1 and audit[0].actor_id == organizer.id


def test_a_pack_without_photos_still_has_its_folder(api, owner, event):
    pack = open_pack(api(owner).get(f"/api/v1/events/{event.id}/evidence.zip"))
    assert set(pack.namelist()) == PACK_FILES
    assert json.loads(pack.read("统计.json"))["checkin_rate"] == 0


def test_the_sheet_pdf_renders_with_the_rows(api, organizer, event, people):
    pack = open_pack(api(organizer).get(f"/api/v1/events/{event.id}/evidence.zip"))
    pages = pdf_pages(pack.read("签到表.pdf"))
    text = "".join(pages)
    for n in range(4):
        assert f"参会者{n}" in text and f"139****{n:04d}" in text
        assert f"1390000{n:04d}" not in text  # never the whole phone
    assert "单位0" in text and "09:30" in text and "09:50" in text
    assert "09:35" not in text and "11:30" not in text  # reverted, and not the first
    assert "签名" in text and "签到时间" in text
    assert event.title in pages[0] and "第 1 页，共 1 页" in pages[0]


def test_every_page_has_the_header_and_its_number(api, organizer, event):
    for n in range(60):
        reg.register(factories.UserFactory(name=f"来宾{n:02d}", phone=f"1360000{n:04d}"), event,
                     RegistrationInfo(consent=True))
    pack = open_pack(api(organizer).get(f"/api/v1/events/{event.id}/evidence.zip"))
    pages = pdf_pages(pack.read("签到表.pdf"))
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert event.title in page
        assert f"第 {number} 页，共 {len(pages)} 页" in page
    assert "来宾59" in "".join(pages)


def test_the_sheet_xlsx_has_the_same_rows(api, organizer, event, people):
    pack = open_pack(api(organizer).get(f"/api/v1/events/{event.id}/evidence.zip"))
    sheet = load_workbook(io.BytesIO(pack.read("签到表.xlsx"))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == event.title
    header = values.index(next(v for v in values if v[0] == "序号"))
    body = values[header + 1:]
    assert [row[1] for row in body] == ["参会者0", "参会者1", "参会者2", "参会者3"]
    assert [row[3] for row in body] == [f"139****{n:04d}" for n in range(4)]
    assert [row[5] for row in body] == ["2026-05-18 09:30", None, "2026-05-18 09:50", None]
    assert body[0][2] == "单位0" and body[3][2] is None


def test_the_notice_has_the_event_and_its_programme(api, organizer, event):
    event.venue, event.description = "沈阳创新广场", "面向青年创业者的一周。\n\n欢迎报名。"
    factories.SessionFactory(event=event, title="投资人路演", room="B 厅")
    db.session.flush()
    pack = open_pack(api(organizer).get(f"/api/v1/events/{event.id}/evidence.zip"))
    text = "".join(pdf_pages(pack.read("活动通知.pdf")))
    for part in (event.title, "沈阳创新广场", "面向青年创业者的一周", "欢迎报名", "投资人路演",
                 "B 厅", "活动议程", "主办单位", "沈阳市众创空间"):
        assert part in text, part


# Photos -------------------------------------------------------------------------------------


def test_a_photo_is_stored_without_its_gps_position(api, organizer, event):
    with Image.open(io.BytesIO(gps_jpeg())) as original:
        assert original.getexif().get_ifd(0x8825)
    response = upload(api(organizer), event, gps_jpeg())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "event_id", "format", "size", "created_at"}
    assert body["format"] == "JPEG" and body["event_id"] == event.id
    photo = db.session.get(EventPhoto, body["id"])
    with Image.open(evidence.photo_path(photo)) as stored:
        assert not stored.getexif() and "exif" not in stored.info
    listed = api(organizer).get(f"/api/v1/events/{event.id}/photos").get_json()
    assert [p["id"] for p in listed["items"]] == [body["id"]]


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20,  # a JPEG's magic bytes, then nothing
    b"GIF89a" + b"\0" * 100,
    b"%PDF-1.7 not a photo",
])
def test_a_fake_photo_is_refused_and_leaves_nothing(api, organizer, event, data):
    client = api(organizer)
    before = db_counts()
    body = assert_error(upload(client, event, data), 422)
    assert "photo" in body["fields"]
    assert db_counts() == before and stored_files() == []


def test_a_webp_photo_is_refused(api, organizer, event):
    assert "photo" in assert_error(upload(api(organizer), event, image("WEBP")), 422)["fields"]


def test_a_missing_photo_is_a_field_error(api, organizer, event):
    response = api(organizer).post(f"/api/v1/events/{event.id}/photos", data={},
                                   content_type="multipart/form-data")
    assert "photo" in assert_error(response, 422)["fields"]


def test_a_photo_over_10_mb_is_refused(organizer, event):
    assert evidence.max_photo_bytes() == 10 * 1024 * 1024
    big = image("PNG") + b"\0" * (10 * 1024 * 1024)
    before = db_counts()
    with pytest.raises(ValidationFailed) as refused:
        evidence.add_photo(organizer, event, io.BytesIO(big))
    assert refused.value.code == "photo_too_large" and "photo" in refused.value.fields
    assert db_counts() == before and stored_files() == []


def test_the_api_answers_photo_too_large(app, api, organizer, event, monkeypatch):
    """The same refusal through the API (a smaller limit: the test client would spool 10 MB
    to a temporary file it never closes)."""
    monkeypatch.setitem(app.config, "EVIDENCE_PHOTO_MAX_BYTES", 1000)
    client = api(organizer)
    before = db_counts()
    body = assert_error(upload(client, event, image("PNG") + b"\0" * 2000), 422,
                        "photo_too_large")
    assert "photo" in body["fields"]
    assert db_counts() == before and stored_files() == []


def test_a_request_over_the_servers_limit_is_413(app, api, organizer, event, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)  # MAX_CONTENT_LENGTH, smaller
    assert_error(upload(api(organizer), event, image("PNG") + b"x" * 2000), 413,
                 "payload_too_large")
    assert stored_files() == []


def test_deleting_a_photo_removes_its_file(api, organizer, event, other_org, now):
    photo_id = upload(api(organizer), event, image()).get_json()["id"]
    assert len(stored_files()) == 1
    other = factories.EventFactory(organization=event.organization, status="published",
                                   starts_at=now, ends_at=now + timedelta(hours=2))
    assert_error(api(organizer).delete(f"/api/v1/events/{other.id}/photos/{photo_id}"), 404)
    assert api(organizer).delete(f"/api/v1/events/{event.id}/photos/{photo_id}"
                                 ).status_code == 204
    assert stored_files() == [] and db.session.get(EventPhoto, photo_id) is None
    assert_error(api(organizer).delete(f"/api/v1/events/{event.id}/photos/{photo_id}"), 404)


# Permissions ---------------------------------------------------------------------------------


def test_only_the_hosts_organizers_get_the_pack_and_add_photos(
    api, organizer, staff, participant, outsider_organizer, event, people, org,
):
    photo_id = upload(api(organizer), event, image()).get_json()["id"]
    users = [staff, participant, outsider_organizer]
    if hasattr(Role, "viewer"):  # a sponsor: figures, never the 签到表's names
        users.append(factories.UserFactory(email="viewer@example.com", name="科技局"))
        factories.MembershipFactory(organization=org, user=users[-1], role=Role.viewer)
    clients = [api(user) for user in users]
    before = db_counts()
    for client in clients:
        for response in (client.get(f"/api/v1/events/{event.id}/evidence.zip"),
                         upload(client, event, image()),
                         client.get(f"/api/v1/events/{event.id}/photos"),
                         client.delete(f"/api/v1/events/{event.id}/photos/{photo_id}")):
            body = assert_error(response, 403)
            assert "参会者" not in json.dumps(body, ensure_ascii=False)
    assert_error(api().get(f"/api/v1/events/{event.id}/evidence.zip"), 401)
    assert db_counts() == before and len(stored_files()) == 1


def test_a_partners_organizers_do_not_get_the_pack(api, event, outsider_organizer, other_org):
    try:
        from eventhub.models import EventPartner
    except ImportError:  # pragma: no cover - partners land with another part of issue 15
        pytest.skip("no partners yet")
    db.session.add(EventPartner(event_id=event.id, org_id=other_org.id, role="co_host"))
    db.session.flush()
    assert_error(api(outsider_organizer).get(f"/api/v1/events/{event.id}/evidence.zip"), 403)


def test_a_draft_is_404_to_outsiders(api, org, outsider_organizer, now):
    draft = factories.EventFactory(organization=org, status="draft", starts_at=now,
                                   ends_at=now + timedelta(hours=1))
    assert_error(api(outsider_organizer).get(f"/api/v1/events/{draft.id}/evidence.zip"), 404)
    assert_error(upload(api(outsider_organizer), draft, image()), 404)
    assert_error(api(outsider_organizer).get("/api/v1/events/999999/evidence.zip"), 404)


def test_a_photo_whose_file_is_gone_is_left_out_of_the_pack(api, organizer, event):
    first = upload(api(organizer), event, image()).get_json()["id"]
    upload(api(organizer), event, image("PNG"), "b.png")
    evidence.photo_path(db.session.get(EventPhoto, first)).unlink()
    pack = open_pack(api(organizer).get(f"/api/v1/events/{event.id}/evidence.zip"))
    assert set(pack.namelist()) == PACK_FILES | {"照片/002.png"}

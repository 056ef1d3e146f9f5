"""The 补贴材料 pages (issue 15, point 5): the event page's box, the photo upload and the pack."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from eventhub.reports import evidence


@pytest.fixture(autouse=True)
def _upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 40), (10, 160, 90)).save(out, format="JPEG")
    return out.getvalue()


def post_photo(client, event, data: bytes):
    return client.post(f"/events/{event.id}/evidence", content_type="multipart/form-data",
                       data={"csrf_token": client.csrf_token(),
                             "photo": (io.BytesIO(data), "a.jpg")})


def test_organizers_see_the_box_and_upload_a_photo(login, organizer, event):
    client = login(organizer)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "补贴材料" in page and f"/events/{event.id}/evidence.zip" in page
    response = post_photo(client, event, jpeg())
    assert response.status_code == 302
    photo, = evidence.photos_of(event)
    page = client.get(f"/events/{event.id}/evidence").get_data(as_text=True)
    assert "照片（1）" in page
    shown = client.get(f"/events/{event.id}/evidence/photos/{photo.id}")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    pack = client.get(f"/events/{event.id}/evidence.zip")
    assert pack.status_code == 200
    assert "照片/001.jpg" in zipfile.ZipFile(io.BytesIO(pack.get_data())).namelist()
    removed = client.post(f"/events/{event.id}/evidence/photos/{photo.id}/delete",
                          data={"csrf_token": client.csrf_token()})
    assert removed.status_code == 302 and evidence.photos_of(event) == []


def test_a_fake_photo_is_a_field_error(login, organizer, event):
    response = post_photo(login(organizer), event, b"\xff\xd8\xff not a photo")
    assert response.status_code == 422
    assert "请上传 JPEG 或 PNG 图片" in response.get_data(as_text=True)
    assert evidence.photos_of(event) == []


def test_others_see_no_box_and_get_no_pack(login, staff, participant, outsider_organizer,
                                           event):
    for user in (staff, participant, outsider_organizer):
        client = login(user)
        assert "补贴材料" not in client.get(f"/events/{event.id}").get_data(as_text=True)
        for path in (f"/events/{event.id}/evidence", f"/events/{event.id}/evidence.zip"):
            assert client.get(path).status_code == 403
        assert post_photo(client, event, jpeg()).status_code == 403
    assert evidence.photos_of(event) == []

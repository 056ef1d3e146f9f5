"""The mentor pool's pages (issue 13): the organizers' pool page, inviting and editing mentors,
a mentor's own profile, their photo, and claiming an invitation."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from eventhub.mentors import services


@pytest.fixture
def mentor(org, owner):
    return services.add_mentor(owner, org, "mentor@example.com", "陈导师",
                               services.ProfileInfo(expertise=["融资"]))


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, format="PNG")
    return out.getvalue()


def test_the_default_avatar_and_the_photo(client, login, mentor, owner, participant):
    response = client.get(f"/mentors/{mentor.id}/photo")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "陈" in response.get_data(as_text=True)
    assert response.cache_control.public
    services.save_photo(owner, mentor, io.BytesIO(_png()))
    response = client.get(f"/mentors/{mentor.id}/photo")
    assert response.mimetype == "image/png" and response.get_data().startswith(b"\x89PNG")
    services.update_mentor(owner, mentor, services.ProfileInfo(public=False))
    assert client.get(f"/mentors/{mentor.id}/photo").status_code == 404
    response = login(owner).get(f"/mentors/{mentor.id}/photo")
    assert response.status_code == 200 and response.cache_control.private
    response.close()

"""The entries API: editing and deleting entries and tracks, attachments (upload, download,
remove; who may), the contest's entry window, the leader's own entry and the bulk import."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventhub.database import db
from eventhub.judging.assignments import assign
from eventhub.judging.attachments import upload_folder
from eventhub.judging.entries import EntryInfo, create_entry, create_track, set_entry_window
from eventhub.judging.models import Entry, Track
from eventhub.judging.scorecards import save_scorecard
from tests import factories
from tests.api.conftest import assert_error

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n"


@pytest.fixture
def entry(organizer, participant, contest, track):
    return create_entry(organizer, contest, EntryInfo(
        title="智能导诊", track_id=track.id, team_name="康途", institution="医科大学",
        leader_id=participant.id))


def _count(model=Entry):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _upload(client, entry, data=PDF, name="商业计划书.pdf"):
    return client.put(f"/api/v1/entries/{entry.id}/attachment",
                      data={"file": (io.BytesIO(data), name)},
                      content_type="multipart/form-data")


# Entries ----------------------------------------------------------------------------------


def test_organizer_edits_and_deletes_an_entry(api, organizer, contest, entry, track):
    client = api(organizer)
    other = create_track(organizer, contest, "人工智能")
    response = client.patch(f"/api/v1/entries/{entry.id}", json={
        "title": "智能导诊 2.0", "track_id": other.id, "members": [{"name": "张三", "role": "CEO"}],
        "leader_id": None})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["title"], body["track_id"], body["track"], body["leader_id"]) == (
        "智能导诊 2.0", other.id, "人工智能", None)
    assert body["team_name"] == "康途" and body["attachment"] is None
    assert_error(client.patch(f"/api/v1/entries/{entry.id}", json={"track_id": 424242}), 422)
    path = f"/api/v1/entries/{entry.id}"
    assert client.delete(path).status_code == 204
    assert _count() == 0
    assert_error(client.delete(path), 404)


def test_a_scored_entry_cannot_be_deleted(api, organizer, contest, entry):
    round_ = factories.rubric_round(organizer, contest)
    judge = factories.judge(contest)
    assign(organizer, round_, judge.id, entry.id)
    save_scorecard(judge.user, round_, entry, {str(round_.criteria[0].id): 5})
    assert_error(api(organizer).delete(f"/api/v1/entries/{entry.id}"), 409, "entry_has_scores")
    assert _count() == 1


def test_who_may_not_edit_or_delete(api, outsider_organizer, staff, participant, contest,
                                    entry):
    judge = factories.judge(contest)
    # Who may not see the entry gets 404, as for an unknown one; its judges and its leader
    # see it.
    for user, status, delete in ((outsider_organizer, 404, 404), (staff, 404, 404),
                                 (judge.user, 403, 403),
                                 (participant, 409, 403)):  # the leader, with no window open
        client = api(user)
        response = client.patch(f"/api/v1/entries/{entry.id}", json={"title": "改"})
        assert_error(response, status)
        assert client.delete(f"/api/v1/entries/{entry.id}").status_code == delete
    assert_error(api().patch(f"/api/v1/entries/{entry.id}", json={"title": "改"}), 401)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).title == "智能导诊"


def test_a_draft_contests_entries_are_invisible_to_outsiders(api, org, organizer,
                                                             outsider_organizer):
    draft = factories.contest(org, status="draft", published_at=None)
    track = create_track(organizer, draft, "组")
    entry = create_entry(organizer, draft, EntryInfo(title="草稿",
                                                                     track_id=track.id))
    assert_error(api(outsider_organizer).patch(f"/api/v1/entries/{entry.id}",
                                               json={"title": "x"}), 404)
    assert_error(api(outsider_organizer).patch(f"/api/v1/tracks/{track.id}",
                                               json={"name": "x"}), 404)


def test_the_leader_reads_and_edits_own_entry_in_the_window(api, organizer, participant,
                                                           contest, entry, now):
    client = api(participant)
    assert client.get(f"/api/v1/events/{contest.id}/my-entry").get_json()["id"] == entry.id
    assert client.get(f"/api/v1/entries/{entry.id}").status_code == 200
    set_entry_window(organizer, contest, now - timedelta(hours=1), None)
    response = client.patch(f"/api/v1/entries/{entry.id}", json={"summary": "新简介"})
    assert response.status_code == 200 and response.get_json()["summary"] == "新简介"
    assert_error(client.patch(f"/api/v1/entries/{entry.id}",
                              json={"leader_id": organizer.id}), 403)
    other = api(factories.UserFactory())
    assert_error(other.get(f"/api/v1/events/{contest.id}/my-entry"), 404)
    assert_error(other.get(f"/api/v1/entries/{entry.id}"), 404)


def test_a_leader_submits_and_changes_an_entry_through_the_api(api, organizer, contest, track,
                                                             now):
    user = factories.UserFactory()
    client = api(user)
    path = f"/api/v1/events/{contest.id}/my-entry"
    body = {"title": "接口项目", "track_id": track.id, "members": [{"name": "甲"}]}
    assert_error(client.put(path, json=body), 409, "entries_closed")
    set_entry_window(organizer, contest, now - timedelta(hours=1), None)
    created = client.put(path, json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["leader_id"] == user.id
    changed = client.put(path, json={**body, "title": "改名了"})
    assert changed.status_code == 200 and changed.get_json()["id"] == created.get_json()["id"]
    assert _count() == 1 and client.get(path).get_json()["title"] == "改名了"
    assert_error(client.put(path, json={"title": "缺组别"}), 422)
    assert_error(api().put(path, json=body), 401)


# Tracks -----------------------------------------------------------------------------------


def test_tracks_rename_and_delete(api, organizer, outsider_organizer, contest, track, entry):
    client = api(organizer)
    spare = create_track(organizer, contest, "空组")
    response = client.patch(f"/api/v1/tracks/{track.id}", json={"name": "大健康"})
    assert response.status_code == 200 and response.get_json()["name"] == "大健康"
    assert_error(client.patch(f"/api/v1/tracks/{spare.id}", json={"name": "大健康"}), 409,
                 "name_taken")
    assert_error(client.delete(f"/api/v1/tracks/{track.id}"), 409, "track_not_empty")
    assert_error(api(outsider_organizer).delete(f"/api/v1/tracks/{spare.id}"), 404)
    judge = factories.judge(contest)  # sees the contest's tracks, may not change them
    assert_error(api(judge.user).delete(f"/api/v1/tracks/{spare.id}"), 403)
    assert client.delete(f"/api/v1/tracks/{spare.id}").status_code == 204
    assert _count(Track) == 1


# Attachments ------------------------------------------------------------------------------


def test_upload_download_replace_remove(api, organizer, participant, contest, entry):
    client = api(organizer)
    response = _upload(client, entry)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["name"], body["size"], body["type"]) == ("商业计划书.pdf", len(PDF),
                                                           "application/pdf")
    download = api(participant).get(body["url"])
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in download.headers["Cache-Control"]
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%95%86%E4%B8%9A%E8%AE%A1%E5%88%92%E4%B9%A6.pdf" in disposition
    download.close()
    db.session.expire_all()
    first_key = db.session.get(Entry, entry.id).attachment_key
    assert _upload(client, entry, PDF + b"2", "v2.pdf").status_code == 200
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).attachment_key != first_key
    assert not (upload_folder() / first_key).exists()
    detail = client.get(f"/api/v1/entries/{entry.id}").get_json()
    assert detail["attachment"]["name"] == "v2.pdf"
    assert client.delete(f"/api/v1/entries/{entry.id}/attachment").status_code == 204
    assert_error(client.get(f"/api/v1/entries/{entry.id}/attachment"), 404)
    assert_error(client.delete(f"/api/v1/entries/{entry.id}/attachment"), 404)


@pytest.mark.parametrize(("data", "name", "code"), [
    (b"\x89PNG\r\n\x1a\n0000", "plan.pdf", "validation_failed"),
    (b"", "plan.pdf", "validation_failed"),
    (PDF + b"x" * 2048, "big.pdf", "file_too_large"),
])
def test_bad_uploads_are_refused(app, api, organizer, entry, monkeypatch, data, name, code):
    monkeypatch.setitem(app.config, "ENTRY_ATTACHMENT_MAX_BYTES", 1024)
    error = assert_error(_upload(api(organizer), entry, data, name), 422, code)
    assert "file" in error["fields"]
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).attachment_key is None


def test_an_upload_without_a_file_or_too_big_for_the_server(app, api, organizer, entry,
                                                           monkeypatch):
    client = api(organizer)
    error = assert_error(client.put(f"/api/v1/entries/{entry.id}/attachment", data={},
                                    content_type="multipart/form-data"), 422)
    assert "file" in error["fields"]
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    assert_error(_upload(client, entry, PDF + b"x" * 2000), 413, "payload_too_large")


def test_who_may_read_or_change_the_attachment(api, organizer, outsider_organizer, staff,
                                               participant, contest, entry):
    _upload(api(organizer), entry)
    round_ = factories.rubric_round(organizer, contest)
    assigned, unassigned = factories.judge(contest), factories.judge(contest)
    assign(organizer, round_, assigned.id, entry.id)
    path = f"/api/v1/entries/{entry.id}/attachment"
    for user in (organizer, participant, assigned.user):
        response = api(user).get(path)
        response.close()
        assert response.status_code == 200
    assert_error(api(unassigned.user).get(path), 403)  # a judge of the contest sees the entry
    assert_error(_upload(api(unassigned.user), entry), 403)
    assert_error(api(unassigned.user).delete(path), 403)
    for user in (outsider_organizer, staff, factories.UserFactory()):  # as an unknown entry
        assert_error(api(user).get(path), 404)
        assert_error(_upload(api(user), entry), 404)
        assert_error(api(user).delete(path), 404)
    assert_error(api().get(path), 401)
    assert_error(_upload(api(participant), entry), 409, "entries_closed")  # no window


# The entry window -------------------------------------------------------------------------


def test_the_contest_window(api, organizer, participant, contest, event):
    client = api(organizer)
    path = f"/api/v1/events/{contest.id}/contest"
    assert client.get(path).get_json() == {"entries_open_at": None, "entries_close_at": None,
                                           "entries_open": False}
    response = client.patch(path, json={"entries_open_at": "2020-01-01T09:00:00+08:00"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["entries_open"] is True
    response = client.patch(path, json={"entries_close_at": "2020-02-01T09:00:00+08:00"})
    assert response.get_json() == {"entries_open_at": "2020-01-01T09:00:00+08:00",
                                   "entries_close_at": "2020-02-01T09:00:00+08:00",
                                   "entries_open": False}
    error = assert_error(client.patch(path, json={
        "entries_close_at": "2019-01-01T09:00:00+08:00"}), 422)
    assert "entries_close_at" in error["fields"]
    assert_error(api(participant).patch(path, json={"entries_open_at": None}), 403)
    assert api().get(path).status_code == 200  # public: when can I submit?
    assert_error(client.patch(f"/api/v1/events/{event.id}/contest",
                              json={"entries_open_at": None}), 409, "not_a_contest")
    assert_error(client.get(f"/api/v1/events/{event.id}/contest"), 404)


# Import -----------------------------------------------------------------------------------


def test_import_creates_valid_rows_and_reports_the_others(api, organizer, participant,
                                                         contest, track, entry):
    response = api(organizer).post(f"/api/v1/events/{contest.id}/entries/import", json={
        "entries": [
            {"title": "机器人", "track": "医疗健康", "members": [{"name": "张三", "role": "CEO"}]},
            {"title": "智能导诊", "track": "医疗健康"},
            {"title": "新项目", "track": "没有这个组"},
            {"title": "按编号", "track_id": track.id, "team_name": "号"},
            {"track": "医疗健康"},
            {"title": "带负责人", "track": "医疗健康", "leader_email": participant.email},
        ]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert len(body["created"]) == 2
    assert [(r["row"], sorted(r["errors"])) for r in body["rejected"]] == [
        (2, ["title"]), (3, ["track"]), (5, ["title"]), (6, ["leader_email"])]
    created = [db.session.get(Entry, i) for i in body["created"]]
    assert [(e.title, e.members) for e in created] == [
        ("机器人", [{"name": "张三", "role": "CEO"}]), ("按编号", [])]
    assert _count() == 3


def test_import_is_for_organizers(api, outsider_organizer, participant, contest, track):
    body = {"entries": [{"title": "甲", "track": "医疗健康"}]}
    for user in (outsider_organizer, participant):
        assert_error(api(user).post(f"/api/v1/events/{contest.id}/entries/import", json=body),
                     403)
    assert_error(api(factories.UserFactory()).post(
        f"/api/v1/events/{contest.id}/entries/import", json={"entries": []}), 422)
    assert _count() == 0


def test_the_openapi_document_describes_the_endpoints(api):
    spec = api().get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    put = paths["/api/v1/entries/{entry_id}/attachment"]["put"]
    assert "multipart/form-data" in put["requestBody"]["content"]
    assert "application/pdf" in paths["/api/v1/entries/{entry_id}/attachment"]["get"][
        "responses"]["200"]["content"]
    for path in ("/api/v1/events/{event_id}/entries/import", "/api/v1/events/{event_id}/contest",
                 "/api/v1/tracks/{track_id}", "/api/v1/events/{event_id}/my-entry"):
        assert path in paths

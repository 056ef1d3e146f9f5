"""Entry pages: the team leader's form in the entry window, the attachment download, and the
organizers' list with edit, delete, tracks, the window and the import report."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from openpyxl import Workbook

from eventhub.judging.assignments import assign
from eventhub.judging.entries import (
    EntryInfo,
    create_entry,
    entry_of_leader,
    entry_window,
    save_attachment,
    set_entry_window,
)
from eventhub.judging.models import Entry, Track
from eventhub.judging.scorecards import save_scorecard
from tests import factories
from tests.views.conftest import count, fresh, text

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def _form(track, **extra):
    return {"title": "校园二手书", "track_id": str(track.id), "team_name": "书虫",
            "institution": "东北大学", "summary": "简介", "members": "赵参与:负责人\n钱二:CTO",
            **extra}


# The leader's form ------------------------------------------------------------------------


def test_a_participant_submits_edits_and_uploads(login, participant, contest, tracks, open_window):
    client = login(participant)
    page = f"/events/{contest.id}/my-entry"
    event_page = text(client.get(f"/events/{contest.id}", follow_redirects=True))
    assert f'href="{page}"' in event_page and 'id="my-entry-link"' in event_page
    form = client.get(page)
    assert form.status_code == 200 and 'data-window="open"' in text(form)
    response = client.submit(page, {**_form(tracks[0]),
                                    "file": (io.BytesIO(PDF), "计划书.pdf")},
                             content_type="multipart/form-data")
    assert response.status_code == 302
    entry = entry_of_leader(contest, participant)
    assert entry.members == [{"name": "赵参与", "role": "负责人"}, {"name": "钱二", "role": "CTO"}]
    assert entry.attachment_name == "计划书.pdf"
    # Again: the same entry is changed, never a second one.
    client.submit(page, _form(tracks[1], title="新书虫"), content_type="multipart/form-data")
    assert count(Entry) == 1
    assert (fresh(entry).title, fresh(entry).track_id) == ("新书虫", tracks[1].id)
    html = text(client.get(page))
    assert "计划书.pdf" in html and "赵参与:负责人" in html


def test_a_bad_submission_shows_reasons_and_saves_nothing(login, participant, contest, tracks,
                                                         open_window):
    client = login(participant)
    page = f"/events/{contest.id}/my-entry"
    response = client.submit(page, _form(tracks[0], title="", members="(无名)"))
    assert response.status_code == 422
    html = text(response)
    assert html.count('class="field__error"') == 2
    assert count(Entry) == 0


def test_a_file_that_is_not_a_pdf_keeps_the_entry_and_says_why(login, participant, contest,
                                                               tracks, open_window):
    client = login(participant)
    page = f"/events/{contest.id}/my-entry"
    response = client.submit(page, {**_form(tracks[0]),
                                    "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "a.pdf")},
                             content_type="multipart/form-data", follow_redirects=True)
    assert 'notice--error' in text(response) or "flash--error" in text(response)
    entry = entry_of_leader(contest, participant)
    assert entry is not None and entry.attachment_key is None


def test_outside_the_window_the_form_is_closed(login, organizer, participant, contest, tracks,
                                               now):
    client = login(participant)
    page = f"/events/{contest.id}/my-entry"
    set_entry_window(organizer, contest, now - timedelta(days=1), None)
    token = client.csrf_token(page)  # a tab opened while the window was open
    set_entry_window(organizer, contest, now - timedelta(days=1), now)
    assert 'data-window="closed"' in text(client.get(page))
    assert 'id="my-entry-link"' not in text(client.get(f"/events/{contest.id}",
                                                      follow_redirects=True))
    response = client.post(page, data={**_form(tracks[0]), "csrf_token": token})
    assert response.status_code == 302 and count(Entry) == 0
    # After the window, the leader's entry is read-only.
    create_entry(organizer, contest, EntryInfo(
        title="已提交", track_id=tracks[0].id, leader_id=participant.id))
    html = text(client.get(page))
    assert "已提交" in html and 'id="entry-form"' not in html
    assert 'id="my-entry-link"' in text(client.get(f"/events/{contest.id}",
                                                  follow_redirects=True))


def test_my_entry_needs_a_signed_in_user_and_a_contest(client, login, participant, event,
                                                      contest):
    response = client.get(f"/events/{contest.id}/my-entry")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert login(participant).get(f"/events/{event.id}/my-entry").status_code == 404


# The attachment ---------------------------------------------------------------------------


def test_who_may_download_the_attachment(login, client, organizer, outsider_organizer, staff,
                                         participant, contest, tracks):
    entry = create_entry(organizer, contest, EntryInfo(
        title="导诊", track_id=tracks[0].id, leader_id=participant.id))
    save_attachment(organizer, entry, io.BytesIO(PDF), "商业计划书.pdf")
    round_ = factories.rubric_round(organizer, contest)
    assigned, unassigned = factories.judge(contest), factories.judge(contest)
    assign(organizer, round_, assigned.id, entry.id)
    url = f"/entries/{entry.id}/attachment"
    for user in (organizer, participant, assigned.user):
        response = login(user).get(url)
        response.close()
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
    for user in (outsider_organizer, staff, unassigned.user, factories.UserFactory()):
        assert login(user).get(url).status_code == 403
    assert client.get(url).status_code == 302


def _download_name(response) -> str:
    response.close()
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    quoted = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    return unquote(quoted.group(1)) if quoted else re.search(r"filename=(\S+)",
                                                             disposition).group(1)


def test_judges_of_an_anonymous_round_get_a_neutral_file_name(login, api, organizer,
                                                              participant, contest, tracks):
    """The uploaded name may carry the team's: judges who read the entry in an anonymous round
    get 参赛项目-<id>.pdf, from the page and the API alike; judges of an open round, the
    organizers and the leader get the name as uploaded."""
    entry = create_entry(organizer, contest, EntryInfo(
        title="导诊", track_id=tracks[0].id, team_name="康途", leader_id=participant.id))
    save_attachment(organizer, entry, io.BytesIO(PDF), "康途团队-商业计划书.pdf")
    blind = factories.rubric_round(organizer, contest, name="网评", anonymous=True)
    open_ = factories.rubric_round(organizer, contest, name="复赛")
    blind_judge, open_judge = factories.judge(contest), factories.judge(contest)
    assign(organizer, blind, blind_judge.id, entry.id)
    assign(organizer, open_, open_judge.id, entry.id)
    page, endpoint = f"/entries/{entry.id}/attachment", f"/api/v1/entries/{entry.id}/attachment"
    neutral = f"参赛项目-{entry.id}.pdf"
    assert _download_name(login(blind_judge.user).get(page)) == neutral
    assert _download_name(api(blind_judge.user).get(endpoint)) == neutral
    for user in (open_judge.user, organizer, participant):
        assert _download_name(login(user).get(page)) == "康途团队-商业计划书.pdf"
    # Assigned in the open round as well: the anonymous one still hides the team.
    assign(organizer, open_, blind_judge.id, entry.id)
    assert _download_name(login(blind_judge.user).get(page)) == neutral


# Organizers -------------------------------------------------------------------------------


def test_the_entries_page_lists_filters_and_counts(login, organizer, contest, tracks):
    for title, track in (("智能导诊", 0), ("远程问诊", 0), ("机器人", 1)):
        create_entry(organizer, contest, EntryInfo(title=title,
                                                                   track_id=tracks[track].id))
    client = login(organizer)
    page = f"/events/{contest.id}/entries"
    html = text(client.get(page))
    assert html.count("data-entry-id=") == 3
    assert re.search(rf'data-track-id="{tracks[0].id}"><span class="stat__n">2<', html)
    assert text(client.get(f"{page}?track={tracks[1].id}")).count("data-entry-id=") == 1
    assert text(client.get(f"{page}?q=问诊")).count("data-entry-id=") == 1
    assert f'/events/{contest.id}/entries"' in text(client.get(f"/events/{contest.id}",
                                                               follow_redirects=True))


@pytest.mark.parametrize("who", ["outsider_organizer", "staff", "participant", "judge"])
def test_organizer_pages_are_for_organizers(request, login, client, organizer, contest, tracks,
                                            who):
    entry = create_entry(organizer, contest, EntryInfo(title="导诊",
                                                                       track_id=tracks[0].id))
    user = factories.judge(contest).user if who == "judge" else request.getfixturevalue(who)
    c = login(user)
    for url in (f"/events/{contest.id}/entries", f"/entries/{entry.id}/edit",
                f"/events/{contest.id}/entries/template.csv"):
        assert c.get(url).status_code == 403
        assert client.get(url).status_code == 302
    for url in (f"/entries/{entry.id}/delete", f"/tracks/{tracks[1].id}/delete",
                f"/events/{contest.id}/entries/import", f"/events/{contest.id}/entries/window"):
        assert c.post(url, data={}).status_code in (400, 403)
    assert count(Entry) == 1 and count(Track) == 2


def test_organizer_edits_and_deletes(login, organizer, participant, contest, tracks):
    entry = create_entry(organizer, contest, EntryInfo(
        title="导诊", track_id=tracks[0].id, leader_id=participant.id))
    client = login(organizer)
    assert participant.email in text(client.get(f"/entries/{entry.id}/edit"))
    response = client.submit(f"/entries/{entry.id}/edit", _form(tracks[1], title="改名"),
                             content_type="multipart/form-data")
    assert response.status_code == 302
    assert fresh(entry).title == "改名"
    page = f"/events/{contest.id}/entries"
    client.submit(f"/entries/{entry.id}/delete", form_url=page)
    assert count(Entry) == 0


def test_a_scored_entry_is_not_deleted(login, organizer, contest, tracks):
    entry = create_entry(organizer, contest, EntryInfo(title="导诊",
                                                                       track_id=tracks[0].id))
    round_ = factories.rubric_round(organizer, contest)
    judge = factories.judge(contest)
    assign(organizer, round_, judge.id, entry.id)
    save_scorecard(judge.user, round_, entry, {str(round_.criteria[0].id): 5})
    client = login(organizer)
    page = f"/events/{contest.id}/entries"
    response = client.submit(f"/entries/{entry.id}/delete", form_url=page,
                             follow_redirects=True)
    assert "data-entry-id" in text(response) and count(Entry) == 1


def test_tracks_and_window_forms(login, organizer, contest, tracks):
    client = login(organizer)
    page = f"/events/{contest.id}/entries"
    client.submit(f"/tracks/{tracks[0].id}/rename", {"name": "大健康"}, form_url=page)
    assert fresh(tracks[0]).name == "大健康"
    client.submit(f"/tracks/{tracks[1].id}/delete", form_url=page)
    assert count(Track) == 1
    client.submit(f"/events/{contest.id}/entries/window",
                  {"entries_open_at": "2020-01-01T09:00", "entries_close_at": ""},
                  form_url=page)
    opens, closes = entry_window(contest)
    assert opens.isoformat() == "2020-01-01T01:00:00+00:00" and closes is None
    response = client.submit(f"/events/{contest.id}/entries/window",
                             {"entries_open_at": "2020-01-02T09:00",
                              "entries_close_at": "2020-01-01T09:00"},
                             form_url=page, follow_redirects=True)
    assert response.status_code == 200
    assert entry_window(contest)[1] is None  # refused, nothing changed


def test_import_shows_the_report_and_the_rejected_rows_file(login, organizer, contest, tracks):
    book = Workbook()
    book.active.append(["项目名称", "组别", "团队名称"])
    book.active.append(["智能导诊", "医疗健康", "康途"])
    book.active.append(["机器人", "不存在", "铁甲"])
    data = io.BytesIO()
    book.save(data)
    client = login(organizer)
    page = f"/events/{contest.id}/entries"
    response = client.submit(f"/events/{contest.id}/entries/import",
                             {"file": (io.BytesIO(data.getvalue()), "报名.xlsx")},
                             form_url=page, content_type="multipart/form-data")
    assert response.status_code == 302
    report_url = response.headers["Location"]
    html = text(client.get(report_url))
    assert 'data-created="1"' in html and 'data-rejected="1"' in html
    assert 'data-row="3" data-column="track"' in html
    rejected = client.get(report_url + ".csv")
    assert rejected.mimetype == "text/csv"
    lines = rejected.data.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("3,机器人,不存在,铁甲")
    assert count(Entry) == 1
    # Another organization's organizer cannot read the report.
    assert login(factories.UserFactory()).get(report_url).status_code == 403
    assert client.get(f"/events/{contest.id}/entries/import/{'0' * 32}").status_code == 404


def test_an_unreadable_import_file_is_refused(login, organizer, contest, tracks):
    client = login(organizer)
    page = f"/events/{contest.id}/entries"
    response = client.submit(f"/events/{contest.id}/entries/import",
                             {"file": (io.BytesIO(PDF), "a.pdf")}, form_url=page,
                             content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200 and count(Entry) == 0
    template = client.get(f"/events/{contest.id}/entries/template.csv")
    assert template.data.decode("utf-8-sig").startswith("项目名称,组别")


def test_removing_the_attachment_refused_changes_nothing(login, organizer, outsider_organizer,
                                                        participant, contest, tracks):
    entry = create_entry(organizer, contest, EntryInfo(
        title="导诊", track_id=tracks[0].id, leader_id=participant.id))
    save_attachment(organizer, entry, io.BytesIO(PDF), "商业计划书.pdf")
    url = f"/entries/{entry.id}/attachment/delete"
    # Not the contest's organizer: the 403 page.
    client = login(outsider_organizer)
    assert client.post(url, data={"csrf_token": client.csrf_token()}).status_code == 403
    # The leader outside the entry window: told why, back on their entry.
    client = login(participant)
    response = client.post(url, data={"csrf_token": client.csrf_token()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{contest.id}/my-entry")
    assert fresh(entry).attachment_key
    # The organizer may.
    client = login(organizer)
    assert client.post(url, data={"csrf_token": client.csrf_token()}).status_code == 302
    assert fresh(entry).attachment_key is None

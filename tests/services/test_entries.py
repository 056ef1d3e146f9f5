"""Contest entries: the entry window, a leader's own entry (one per contest), editing and
deleting entries and tracks, attachments, and the CSV/XLSX import's report."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from eventhub.audit import AuditEntry
from eventhub.database import db
from eventhub.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from eventhub.judging import entries, entry_import
from eventhub.judging.assignments import assign
from eventhub.judging.attachments import attachment_path, upload_folder
from eventhub.judging.entries import (
    EntryInfo,
    create_entry,
    create_track,
    delete_entry,
    delete_track,
    entries_open,
    entry_of_leader,
    entry_window,
    format_members,
    may_edit_entry,
    may_read_attachment,
    open_attachment,
    parse_members,
    remove_attachment,
    rename_track,
    save_attachment,
    search_entries,
    set_entry_window,
    submit_entry,
    track_counts,
    tracks_of,
    update_entry,
)
from eventhub.judging.entry_import import import_entries, read_import_file, rejected_csv
from eventhub.judging.judges import declare_conflict
from eventhub.judging.models import Assignment, Entry, Scorecard, Track
from eventhub.judging.scorecards import save_scorecard
from eventhub.models import Event, User
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _entry(actor, event, track, title="智能导诊", **kw):
    return create_entry(actor, event, EntryInfo(title=title, track_id=track.id,
                                                                **kw))


def _submission(track, **kw):
    return {"title": "校园二手书", "track_id": track.id, "team_name": "书虫",
            "institution": "东北大学", "summary": "简介",
            "members": [{"name": "赵参与", "role": "负责人"}], **kw}


def _audits(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def _count(model=Entry):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# The entry window -------------------------------------------------------------------------


def test_the_window_is_open_only_between_its_times(organizer, contest, now):
    assert not entries_open(contest, now)  # not set: closed
    set_entry_window(organizer, contest, now + timedelta(hours=1), None)
    assert not entries_open(contest, now)
    assert entries_open(contest, now + timedelta(hours=2))  # no end: open on
    set_entry_window(organizer, contest, now - timedelta(hours=2), now)
    assert entries_open(contest, now - timedelta(seconds=1))
    assert not entries_open(contest, now)
    contest.status = "cancelled"  # a cancelled contest takes no entries, whatever its window
    assert not entries_open(contest, now - timedelta(seconds=1))
    assert len(_audits("contest.entry_window_set")) == 2


def test_setting_the_window_is_for_organizers_with_a_sane_order(
    organizer, outsider_organizer, participant, contest, event, now
):
    for user in (outsider_organizer, participant):
        with pytest.raises(NotAllowed):
            set_entry_window(user, contest, now, None)
    with pytest.raises(ValidationFailed) as refused:
        set_entry_window(organizer, contest, now, now - timedelta(hours=1))
    assert "entries_close_at" in refused.value.fields
    with pytest.raises(ValidationFailed):
        set_entry_window(organizer, contest, None, now)
    with pytest.raises(Conflict) as not_contest:
        set_entry_window(organizer, event, now, None)
    assert not_contest.value.code == "not_a_contest"
    assert entry_window(contest) == (None, None)


# A leader's own entry ---------------------------------------------------------------------


def test_a_participant_submits_one_entry_as_its_leader(participant, contest, tracks,
                                                       open_window):
    entry = submit_entry(participant, contest, _submission(tracks[0]))
    assert entry.leader_id == participant.id
    assert entry.members == [{"name": "赵参与", "role": "负责人"}]
    assert entry_of_leader(contest, participant) == entry
    with pytest.raises(Conflict) as second:
        submit_entry(participant, contest, _submission(tracks[1], title="另一个"))
    assert second.value.code == "entry_exists"
    assert second.value.extra["entry_id"] == entry.id
    assert _count() == 1
    assert len(_audits("entry.submitted")) == 1


@pytest.mark.parametrize("window", ["unset", "future", "past"])
def test_outside_the_window_nothing_is_saved(organizer, participant, contest, tracks, now,
                                             window):
    if window == "future":
        set_entry_window(organizer, contest, now + timedelta(days=1), None)
    elif window == "past":
        set_entry_window(organizer, contest, now - timedelta(days=2),
                                 now - timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        submit_entry(participant, contest, _submission(tracks[0]))
    assert refused.value.code == "entries_closed"
    assert _count() == 0


def test_a_submission_is_checked_field_by_field(participant, contest, tracks, open_window,
                                               org):
    other_track = create_track(
        factories.UserFactory(is_admin=True), factories.contest(org), "别的")
    with pytest.raises(ValidationFailed) as refused:
        submit_entry(participant, contest, {
            "title": " ", "track_id": other_track.id, "team_name": "x" * 201,
            "summary": "y" * 10_001, "members": [{"name": ""}]})
    assert set(refused.value.fields) == {"title", "track_id", "team_name", "summary", "members"}
    assert _count() == 0


def test_a_leader_edits_while_open_and_reads_only_after(participant, organizer, contest,
                                                       tracks, open_window, now):
    entry = submit_entry(participant, contest, _submission(tracks[0]))
    update_entry(participant, entry, {"title": "新名字", "track_id": tracks[1].id})
    assert (entry.title, entry.track_id) == ("新名字", tracks[1].id)
    with pytest.raises(NotAllowed):  # the leader cannot hand the entry to someone else
        update_entry(participant, entry, {"leader_id": organizer.id})
    later = now + timedelta(days=2)
    assert not may_edit_entry(participant, entry, later)
    with pytest.raises(Conflict) as closed:
        update_entry(participant, entry, {"title": "太晚了"}, now=later)
    assert closed.value.code == "entries_closed"
    # Organizers edit any time.
    update_entry(organizer, entry, {"title": "组织者改的"}, now=later)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).title == "组织者改的"


def test_others_may_not_edit_an_entry(participant, outsider_organizer, staff, contest, tracks,
                                      open_window):
    entry = submit_entry(participant, contest, _submission(tracks[0]))
    judge = factories.judge(contest)
    for user in (outsider_organizer, staff, judge.user, factories.UserFactory()):
        with pytest.raises(NotAllowed):
            update_entry(user, entry, {"title": "抢过来"})
    assert db.session.get(Entry, entry.id).title == "校园二手书"


def test_an_organizer_may_not_give_one_leader_two_entries(organizer, participant, contest,
                                                         tracks):
    first = _entry(organizer, contest, tracks[0], "一", leader_id=participant.id)
    second = _entry(organizer, contest, tracks[0], "二")
    with pytest.raises(Conflict) as refused:
        update_entry(organizer, second, {"leader_id": participant.id})
    assert refused.value.code == "entry_exists"
    assert refused.value.extra["entry_id"] == first.id
    update_entry(organizer, second, {"leader_id": None, "summary": None})
    assert second.summary == ""


# Deleting entries and tracks --------------------------------------------------------------


def test_delete_entry_is_refused_once_scored(organizer, contest, tracks):
    scored, spare = (_entry(organizer, contest, tracks[0], t) for t in ("打过分", "没打分"))
    round_ = factories.rubric_round(organizer, contest)
    judge = factories.judge(contest)
    assign(organizer, round_, judge.id, scored.id)
    criteria = {str(c.id): 1 for c in round_.criteria}
    save_scorecard(judge.user, round_, scored, criteria)
    with pytest.raises(Conflict) as refused:
        delete_entry(organizer, scored)
    assert refused.value.code == "entry_has_scores"
    with pytest.raises(NotAllowed):
        delete_entry(judge.user, spare)
    delete_entry(organizer, spare)
    assert db.session.get(Entry, spare.id) is None
    assert db.session.get(Entry, scored.id) is not None
    assert _count(Scorecard) == 1
    assert len(_audits("entry.deleted")) == 1


def test_tracks_are_renamed_and_deleted_only_when_empty(organizer, outsider_organizer, contest,
                                                        tracks):
    _entry(organizer, contest, tracks[0])
    rename_track(organizer, tracks[0], " 大健康 ")
    assert tracks[0].name == "大健康"
    with pytest.raises(Conflict) as taken:
        rename_track(organizer, tracks[1], "大健康")
    assert taken.value.code == "name_taken"
    with pytest.raises(Conflict) as not_empty:
        delete_track(organizer, tracks[0])
    assert not_empty.value.code == "track_not_empty"
    with pytest.raises(NotAllowed):
        delete_track(outsider_organizer, tracks[1])
    delete_track(organizer, tracks[1])
    db.session.expire_all()
    assert [t.name for t in tracks_of(contest)] == ["大健康"]


def test_counts_and_search(organizer, contest, tracks):
    _entry(organizer, contest, tracks[0], "智能导诊", team_name="康途")
    _entry(organizer, contest, tracks[0], "远程问诊", institution="医科大学")
    _entry(organizer, contest, tracks[1], "机器人")
    assert track_counts(contest) == {tracks[0].id: 2, tracks[1].id: 1}
    assert [e.title for e in search_entries(contest, q="康途")] == ["智能导诊"]
    assert [e.title for e in search_entries(contest, q="医科")] == ["远程问诊"]
    assert [e.title for e in search_entries(contest, tracks[1].id)] == ["机器人"]


# Attachments ------------------------------------------------------------------------------


def _files():
    return sorted(p.name for p in upload_folder().iterdir())


def test_a_pdf_is_stored_under_a_random_key_and_replaced_atomically(organizer, contest, tracks):
    entry = _entry(organizer, contest, tracks[0])
    before = set(_files())
    save_attachment(organizer, entry, io.BytesIO(PDF), "../../商业计划书.pdf")
    first_key = entry.attachment_key
    assert len(first_key) == 32 and first_key not in "商业计划书"
    assert (entry.attachment_name, entry.attachment_size, entry.attachment_type) == (
        "商业计划书.pdf", len(PDF), "application/pdf")
    assert open_attachment(organizer, entry).read_bytes() == PDF
    save_attachment(organizer, entry, io.BytesIO(PDF + b"v2"), "v2.pdf")
    assert entry.attachment_key != first_key
    assert set(_files()) - before == {entry.attachment_key}  # the old file is gone, no temp
    remove_attachment(organizer, entry)
    assert entry.attachment_key is None and set(_files()) == before
    assert len(_audits("entry.attachment_saved")) == 2
    assert len(_audits("entry.attachment_removed")) == 1


@pytest.mark.parametrize(("data", "name"), [
    (PNG, "plan.pdf"),  # a PNG renamed .pdf
    (b"", "plan.pdf"),
    (b"hello %PDF-1.4", "plan.pdf"),
])
def test_only_pdfs_are_accepted(organizer, contest, tracks, data, name):
    entry = _entry(organizer, contest, tracks[0])
    before = _files()
    with pytest.raises(ValidationFailed) as refused:
        save_attachment(organizer, entry, io.BytesIO(data), name)
    assert "file" in refused.value.fields
    assert entry.attachment_key is None and _files() == before


def test_an_attachment_over_the_limit_is_refused(app, organizer, contest, tracks, monkeypatch):
    monkeypatch.setitem(app.config, "ENTRY_ATTACHMENT_MAX_BYTES", 1024)
    entry = _entry(organizer, contest, tracks[0])
    before = _files()
    with pytest.raises(ValidationFailed) as refused:
        save_attachment(organizer, entry, io.BytesIO(PDF + b"x" * 1024), "big.pdf")
    assert refused.value.code == "file_too_large"
    assert _files() == before
    save_attachment(organizer, entry, io.BytesIO(PDF + b"x" * 900), "ok.pdf")
    assert entry.attachment_size == len(PDF) + 900


def test_the_file_goes_when_its_entry_is_deleted(organizer, contest, tracks):
    entry = _entry(organizer, contest, tracks[0])
    save_attachment(organizer, entry, io.BytesIO(PDF), "plan.pdf")
    path = attachment_path(entry.attachment_key)
    assert path.is_file()
    delete_entry(organizer, entry)
    assert not path.exists()


def test_a_leader_uploads_only_while_the_window_is_open(participant, contest, tracks,
                                                       open_window, now):
    entry = submit_entry(participant, contest, _submission(tracks[0]))
    save_attachment(participant, entry, io.BytesIO(PDF), "bp.pdf")
    with pytest.raises(Conflict):
        save_attachment(participant, entry, io.BytesIO(PDF), "bp.pdf",
                                now=now + timedelta(days=3))
    with pytest.raises(Conflict):
        remove_attachment(participant, entry, now=now + timedelta(days=3))
    assert entry.attachment_name == "bp.pdf"


def test_who_may_read_an_attachment(organizer, participant, outsider_organizer, staff, contest,
                                    tracks, open_window):
    entry = submit_entry(participant, contest, _submission(tracks[0]))
    save_attachment(participant, entry, io.BytesIO(PDF), "bp.pdf")
    round_ = factories.rubric_round(organizer, contest)
    assigned = factories.judge(contest, institution="沈阳工业大学")
    unassigned = factories.judge(contest)
    conflicted = factories.judge(contest, institution=" 东北大学")  # same institution
    for judge in (assigned, conflicted):
        factories.commit(Assignment(round_id=round_.id, judge_id=judge.id,
                                            entry_id=entry.id))
    for user in (organizer, participant, assigned.user):
        assert open_attachment(user, entry).read_bytes() == PDF
    for user in (outsider_organizer, staff, unassigned.user, conflicted.user,
                 factories.UserFactory(), None):
        assert not may_read_attachment(user, entry)
        with pytest.raises(NotAllowed):
            open_attachment(user, entry)
    # A conflict declared after the assignment closes the file too.
    declare_conflict(organizer, contest, assigned.id, entry.id, "亲属")
    assert not may_read_attachment(assigned.user, entry)


def test_no_attachment_is_not_found(organizer, contest, tracks):
    entry = _entry(organizer, contest, tracks[0])
    with pytest.raises(NotFound):
        open_attachment(organizer, entry)
    with pytest.raises(NotFound):
        remove_attachment(organizer, entry)


# Import -----------------------------------------------------------------------------------

CSV_TEXT = (
    "项目名称,组别,团队名称,单位/学校,简介,成员,负责人邮箱\n"
    "智能导诊,医疗健康,康途,医科大学,简介一,张三:CEO; 李四:CTO,\n"
    ",医疗健康,无名,,,,\n"
    "机器人,不存在的组,铁甲,,,,\n"
    "\n"
    "智能导诊,人工智能,重名,,,,\n"
    "远程问诊,人工智能,云医,,,张三（CEO）、李四,participant@example.com\n"
    "抢负责人,人工智能,云医二,,,,participant@example.com\n"
    "没账号,人工智能,,,,,nobody@example.com\n"
)


def _import(actor, contest, data, name="entries.csv"):
    return import_entries(actor, contest, read_import_file(name, data))


def test_import_csv_with_bom_reports_each_rejected_row(organizer, participant, contest, tracks):
    report = _import(organizer, contest, ("\ufeff" + CSV_TEXT).encode("utf-8"))
    assert [e.title for e in report.created] == ["智能导诊", "远程问诊"]
    assert report.created[0].members == [{"name": "张三", "role": "CEO"},
                                         {"name": "李四", "role": "CTO"}]
    assert report.created[1].members == [{"name": "张三", "role": "CEO"},
                                         {"name": "李四", "role": ""}]
    assert report.created[1].leader_id == participant.id
    assert [(r.row, sorted(r.errors)) for r in report.rejected] == [
        (3, ["title"]), (4, ["track"]), (6, ["title"]), (8, ["leader_email"]),
        (9, ["leader_email"]),
    ]
    assert report.rejected[1].errors["track"] == "未知组别。"  # "Unknown track." in zh_Hans
    assert report.rejected[1].values["title"] == "机器人"
    assert _count() == 2
    # Uploading the same file again creates nothing: every title exists already.
    again = _import(organizer, contest, CSV_TEXT.encode("utf-8"))
    assert again.created == [] and _count() == 2


def test_import_gb18030_csv(organizer, contest, tracks):
    data = "title,track,team_name\n智能导诊,医疗健康,康途\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = _import(organizer, contest, data)
    assert [(e.title, e.team_name) for e in report.created] == [("智能导诊", "康途")]


def test_import_xlsx_reads_formulas_as_values(organizer, contest, tracks):
    book = Workbook()
    sheet = book.active
    sheet.append(["项目名称*", "赛道", "团队名称", "成员"])
    sheet.append(["智能导诊", "医疗健康", 2026, "张三:CEO"])
    sheet.append(["=HYPERLINK(\"http://evil\",\"x\")", "人工智能", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    report = _import(organizer, contest, buffer.getvalue(), "报名表.xlsx")
    assert [(e.title, e.team_name) for e in report.created] == [("智能导诊", "2026")]
    # The formula has no saved value: an empty title, never the formula's text.
    assert [(r.row, list(r.errors)) for r in report.rejected] == [(3, ["title"])]


def test_nothing_is_created_when_every_row_is_rejected(organizer, contest, tracks):
    report = _import(organizer, contest, "项目名称,组别\n甲,未知\n乙,\n".encode())
    assert report.created == [] and len(report.rejected) == 2
    assert _count() == 0
    assert _audits("entry.imported") == []


@pytest.mark.parametrize(("data", "name"), [
    (b"", "a.csv"),
    ("名字,别的\n甲,乙\n".encode(), "a.csv"),  # no title/track columns
    (b"PK\x03\x04 broken", "a.xlsx"),
    (PDF, "a.pdf"),
    (b"title,track\n\x00\x00,\x00\n", "a.csv"),
])
def test_unreadable_files_are_refused(organizer, contest, tracks, data, name):
    with pytest.raises(ValidationFailed) as refused:
        _import(organizer, contest, data, name)
    assert "file" in refused.value.fields
    assert _count() == 0


def test_an_xlsx_that_unpacks_too_large_is_refused(organizer, contest, tracks, monkeypatch):
    book = Workbook()
    book.active.append(["项目名称", "组别"])
    book.active.append(["智能导诊", "医疗健康"])
    buffer = io.BytesIO()
    book.save(buffer)
    monkeypatch.setattr(entry_import, "XLSX_MAX_UNPACKED", 1000)
    with pytest.raises(ValidationFailed):
        _import(organizer, contest, buffer.getvalue(), "a.xlsx")
    assert _count() == 0


def test_import_limits(app, organizer, contest, tracks, monkeypatch):
    monkeypatch.setitem(app.config, "ENTRY_IMPORT_MAX_ROWS", 3)
    rows = "".join(f"项目{i},医疗健康\n" for i in range(4))
    with pytest.raises(ValidationFailed):
        _import(organizer, contest, ("title,track\n" + rows).encode())
    monkeypatch.setitem(app.config, "ENTRY_IMPORT_MAX_BYTES", 10)
    with pytest.raises(ValidationFailed):
        _import(organizer, contest, b"title,track\nabc,def\n")
    assert _count() == 0


def test_import_is_for_organizers(outsider_organizer, participant, contest, tracks):
    rows = [(2, {"title": "甲", "track": "医疗健康"})]
    for user in (outsider_organizer, participant):
        with pytest.raises(NotAllowed):
            import_entries(user, contest, rows)
    assert _count() == 0


def test_rejected_rows_csv_round_trips_and_is_formula_safe(organizer, contest, tracks):
    rows = [(2, {"title": "=1+1", "track": "没有", "members": "张三:CEO"})]
    report = import_entries(organizer, contest, rows)
    data = rejected_csv(report.rejected)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "行号,项目名称,组别,团队名称,单位/学校,简介,成员,负责人邮箱,原因"
    assert "'=1+1" in text and "未知组别。" in text
    # Fixed and uploaded again, the file imports (its extra columns are ignored).
    fixed = text.replace("'=1+1", "公式项目").replace("没有", "医疗健康")
    again = _import(organizer, contest, fixed.encode("utf-8"))
    assert [e.title for e in again.created] == ["公式项目"]


def test_parse_members():
    assert parse_members("张三:CEO; 李四：CTO\n王五") == [
        {"name": "张三", "role": "CEO"}, {"name": "李四", "role": "CTO"},
        {"name": "王五", "role": ""}]
    assert parse_members("张三(队长)，李四（成员）") == [
        {"name": "张三", "role": "队长"}, {"name": "李四", "role": "成员"}]
    assert parse_members("") == []
    assert parse_members("(无名)") is None
    text = format_members([{"name": "张三", "role": "CEO"}, {"name": "李四"}])
    assert parse_members(text) == [{"name": "张三", "role": "CEO"},
                                           {"name": "李四", "role": ""}]


# Real concurrency (PostgreSQL) ------------------------------------------------------------


@pytest.mark.concurrent
@pytest.mark.parametrize("save", ["submit_entry", "save_own_entry"])
def test_a_double_submit_at_the_same_moment_makes_one_entry(fresh_db, save):
    app = fresh_db
    with app.app_context():
        now = datetime.now(UTC)
        event, (organizer,) = factories.contest_with_organizers()
        leader = factories.UserFactory()
        track = create_track(organizer, event, "医疗健康")
        set_entry_window(organizer, event, now - timedelta(hours=1), None)
        ids = (event.id, leader.id, track.id)
    barrier = Barrier(4)

    def submit(index):
        with app.app_context():
            event = db.session.get(Event, ids[0])
            user = db.session.get(User, ids[1])
            barrier.wait()
            try:
                result = getattr(entries, save)(user, event, {"title": f"项目{index}",
                                                              "track_id": ids[2]})
                return "ok" if not isinstance(result, tuple) or result[1] else "updated"
            except Conflict as error:
                return error.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(submit, range(4)))
    expected = "entry_exists" if save == "submit_entry" else "updated"
    assert outcomes == sorted([expected] * 3 + ["ok"])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Track)) == 1


def test_the_entries_list_loads_leaders_at_once(organizer, contest, tracks, count_statements):
    for i in range(5):
        _entry(organizer, contest, tracks[i % 2], f"项目{i}",
               leader_id=factories.UserFactory().id)
    db.session.expire_all()
    count_statements.clear()
    shown = search_entries(contest)
    names = [e.leader.name for e in shown]
    assert names and len(count_statements) <= 3

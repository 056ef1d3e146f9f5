"""Every write endpoint against bad input: a 4xx with API.md's error body, and no change.

Each endpoint is described once (its path, a valid body and the types of its fields); the
cases are generated from that: malformed JSON, JSON that is not an object, unknown fields,
wrong types, over-long strings, NUL bytes, control characters and lone surrogates, unknown
and foreign ids.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from eventhub.checkin import services as checkin_services
from eventhub.checkin.models import Scan
from eventhub.database import db
from eventhub.engagement.models import Certificate
from tests import factories
from tests.api.conftest import assert_error, db_counts

HUGE = "x" * 10_001
UNKNOWN_IDS = ("424242", "99999999999999999999")


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    body: dict | None = None
    strings: tuple[str, ...] = ()
    ints: tuple[str, ...] = ()
    bools: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    #: The placeholders in ``path`` that name objects (unknown and foreign ids are tried).
    ids: tuple[str, ...] = field(default=())
    anonymous: bool = False
    #: Anyone signed in may call it (registering): other organizations are no outsiders.
    open_to_all: bool = False


EVENT_BODY = {
    "title": "创业周", "kind": "week", "starts_at": "2026-05-18T09:30:00+08:00",
    "ends_at": "2026-05-19T17:00:00+08:00", "timezone": "Asia/Shanghai", "venue": "A",
    "address": "B", "lead_name": "D", "description": "C", "capacity": 10,
    "requires_approval": False,
    "registration_paused": False, "is_listed": True,
    "registration_opens_at": "2026-05-01T09:00:00+08:00",
    "registration_closes_at": "2026-05-17T09:00:00+08:00",
}
EVENT_STRINGS = ("title", "kind", "timezone", "venue", "address", "lead_name", "description")
EVENT_TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
EVENT_BOOLS = ("requires_approval", "registration_paused", "is_listed")
SESSION_BODY = {
    "title": "分论坛", "starts_at": "2026-05-18T14:00:00+08:00",
    "ends_at": "2026-05-18T16:00:00+08:00", "room": "A101", "capacity": 50, "description": "",
}
SESSION_STRINGS = ("title", "room", "description")
CATEGORY_BODY = {"name": "投资人", "capacity": 5, "requires_approval": True, "description": "说明"}
QUESTION_BODY = {"label": "融资阶段", "kind": "choice", "required": True,
                 "options": ["天使轮", "A轮"], "help_text": "单选"}
QUESTION_STRINGS = ("label", "kind", "help_text")
REGISTER_BODY = {"consent": True, "phone": "13812345678", "name": "管理员",
                 "organization": "平台", "job_title": "运营", "answers": {}, "session_ids": []}
PERSON_STRINGS = ("name", "phone", "organization", "job_title")

ENDPOINTS = [
    Endpoint("sign_up", "POST", "/api/v1/accounts",
             {"email": "new@example.com", "password": "abc12345", "name": "新人",
              "phone": "13812345678", "locale": "en"},
             strings=("email", "password", "name", "phone", "locale"), anonymous=True),
    Endpoint("create_token", "POST", "/api/v1/tokens",
             {"email": "admin@example.com", "password": "correct-horse-42", "name": "t"},
             strings=("email", "password", "name"), anonymous=True),
    Endpoint("revoke_token", "DELETE", "/api/v1/tokens/{token}", ids=("token",)),
    Endpoint("create_org", "POST", "/api/v1/orgs",
             {"name": "新空间", "kind": "incubator", "description": "简介"},
             strings=("name", "kind", "description")),
    Endpoint("set_member", "POST", "/api/v1/orgs/{org}/members",
             {"email": "new@example.com", "role": "staff"}, strings=("email", "role"),
             ids=("org",)),
    Endpoint("remove_member", "DELETE", "/api/v1/orgs/{org}/members/{membership}",
             ids=("org", "membership")),
    Endpoint("create_event", "POST", "/api/v1/orgs/{org}/events", EVENT_BODY,
             strings=EVENT_STRINGS, ints=("capacity",), bools=EVENT_BOOLS, times=EVENT_TIMES,
             ids=("org",)),
    Endpoint("update_event", "PATCH", "/api/v1/events/{event}",
             {**EVENT_BODY, "series_id": "@series"}, strings=EVENT_STRINGS,
             ints=("capacity", "series_id"), bools=EVENT_BOOLS, times=EVENT_TIMES,
             ids=("event",)),
    Endpoint("publish_event", "POST", "/api/v1/events/{draft}/publish", {}, ids=("draft",)),
    Endpoint("close_event", "POST", "/api/v1/events/{event}/close", {}, ids=("event",)),
    Endpoint("cancel_event", "POST", "/api/v1/events/{event}/cancel", {}, ids=("event",)),
    Endpoint("create_session", "POST", "/api/v1/events/{event}/sessions", SESSION_BODY,
             strings=SESSION_STRINGS, ints=("capacity",), times=("starts_at", "ends_at"),
             ids=("event",)),
    Endpoint("update_session", "PATCH", "/api/v1/sessions/{session}", SESSION_BODY,
             strings=SESSION_STRINGS, ints=("capacity",), times=("starts_at", "ends_at"),
             ids=("session",)),
    Endpoint("delete_session", "DELETE", "/api/v1/sessions/{session}", ids=("session",)),
    Endpoint("create_category", "POST", "/api/v1/events/{form_event}/categories", CATEGORY_BODY,
             strings=("name", "description"), ints=("capacity",), bools=("requires_approval",),
             ids=("form_event",)),
    Endpoint("update_category", "PATCH", "/api/v1/categories/{category}",
             {**CATEGORY_BODY, "name": "嘉宾"}, strings=("name", "description"),
             ints=("capacity",), bools=("requires_approval",), ids=("category",)),
    Endpoint("update_event_category", "PATCH", "/api/v1/events/{form_event}/categories",
             {**CATEGORY_BODY, "name": "嘉宾", "id": "@category"}, strings=("name", "description"),
             ints=("capacity", "id"), bools=("requires_approval",), ids=("form_event",)),
    Endpoint("delete_category", "DELETE", "/api/v1/categories/{spare_category}",
             ids=("spare_category",)),
    Endpoint("create_question", "POST", "/api/v1/events/{form_event}/questions", QUESTION_BODY,
             strings=QUESTION_STRINGS, bools=("required",), ids=("form_event",)),
    Endpoint("update_question", "PATCH", "/api/v1/questions/{question}",
             {**QUESTION_BODY, "position": 0}, strings=QUESTION_STRINGS, ints=("position",),
             bools=("required",), ids=("question",)),
    Endpoint("delete_question", "DELETE", "/api/v1/questions/{spare_question}",
             ids=("spare_question",)),
    Endpoint("register", "POST", "/api/v1/events/{open_event}/registrations", REGISTER_BODY,
             strings=PERSON_STRINGS, ints=("category_id",), bools=("consent",),
             ids=("open_event",),
             open_to_all=True),
    Endpoint("update_registration", "PATCH", "/api/v1/registrations/{registration}",
             {"name": "赵参与", "phone": "13812345678", "organization": "东北大学",
              "job_title": "学生", "notes": "VIP", "answers": {}},
             strings=(*PERSON_STRINGS, "notes"), ids=("registration",)),
    Endpoint("update_wall_choice", "PATCH", "/api/v1/registrations/{own_registration}",
             {"show_on_wall": True, "wall_name": "管理员"}, strings=("wall_name",),
             bools=("show_on_wall",), ids=("own_registration",)),
    Endpoint("cancel_registration", "POST", "/api/v1/registrations/{to_cancel}/cancel",
             {"message": "有事"}, strings=("message",), ids=("to_cancel",)),
    Endpoint("approve_registration", "POST", "/api/v1/registrations/{pending}/approve",
             {"message": "欢迎"}, strings=("message",), ids=("pending",)),
    Endpoint("reject_registration", "POST", "/api/v1/registrations/{pending2}/reject",
             {"message": "抱歉"}, strings=("message",), ids=("pending2",)),
    Endpoint("decide_registrations", "POST", "/api/v1/events/{form_event}/registrations/decide",
             {"registration_ids": [424242], "action": "approve", "message": ""},
             strings=("action", "message"), ids=("form_event",)),
    Endpoint("import_registrations", "POST",
             "/api/v1/events/{open_event}/registrations/import",
             {"people": [{"name": "钱一", "email": "qian@example.com", "phone": "13700000001"}],
              "notify": False}, bools=("notify",), ids=("open_event",)),
    Endpoint("regenerate_ticket", "POST", "/api/v1/registrations/{registration}/ticket/regenerate",
             {}, ids=("registration",)),
    Endpoint("create_checkin_list", "POST", "/api/v1/events/{open_event}/checkin-lists",
             {"name": "西门", "allow_reentry": True}, strings=("name",), ints=("session_id",),
             bools=("allow_reentry",), ids=("open_event",)),
    Endpoint("scan", "POST", "/api/v1/checkin-lists/{door}/scans",
             {"code": "{ticket}", "nonce": "gate-1-0001", "type": "entry", "device": "东门"},
             strings=("code", "nonce", "type", "device"), ids=("door",)),
    Endpoint("revert_checkin", "POST", "/api/v1/checkins/{checkin}/revert", {},
             ids=("checkin",)),
    Endpoint("walk_in", "POST", "/api/v1/checkin-lists/{door}/walk-ins",
             {"name": "现场甲", "phone": "13700000009", "email": "", "organization": "东软",
              "nonce": "walk-1", "device": "东门"},
             strings=("name", "phone", "email", "organization", "nonce", "device"),
             ints=("category_id",), ids=("door",)),
    Endpoint("create_track", "POST", "/api/v1/events/{contest}/tracks", {"name": "新赛道"},
             strings=("name",), ids=("contest",)),
    Endpoint("create_entry", "POST", "/api/v1/events/{contest}/entries",
             {"title": "智能导诊", "track_id": "@track", "team_name": "康途", "institution": "医大",
              "summary": "简介", "members": [{"name": "张三", "role": "CEO"}]},
             strings=("title", "team_name", "institution", "summary"), ints=("track_id",),
             ids=("contest",)),
    Endpoint("invite_judge", "POST", "/api/v1/events/{contest}/judges",
             {"email": "judge-new@example.com", "name": "新评委", "institution": "东北大学",
              "expertise": ["医疗"]},
             strings=("email", "name", "institution"), ints=("mentor_id",), ids=("contest",)),
    Endpoint("declare_conflict", "POST", "/api/v1/events/{contest}/conflicts",
             {"judge_id": "@judge2", "entry_id": "@entry", "reason": "认识团队"},
             strings=("reason",), ints=("judge_id", "entry_id"), ids=("contest",)),
    Endpoint("create_round", "POST", "/api/v1/events/{contest}/rounds",
             {"name": "路演", "aggregation": "trimmed_mean", "advance_top_n": 3,
              "anonymous": False, "opens_at": "2026-05-18T09:30:00+08:00",
              "closes_at": "2026-05-19T17:00:00+08:00"},
             strings=("name", "aggregation"), ints=("advance_top_n",), bools=("anonymous",),
             times=("opens_at", "closes_at"), ids=("contest",)),
    Endpoint("add_criterion", "POST", "/api/v1/rounds/{rubric_round}/criteria",
             {"name": "团队", "max_points": 10, "weight": 40, "description": "说明"},
             strings=("name", "description"), ids=("rubric_round",)),
    Endpoint("set_round_entries", "POST", "/api/v1/rounds/{rubric_round}/entries",
             {"entry_ids": ["@entry"]}, ids=("rubric_round",)),
    Endpoint("assign", "POST", "/api/v1/rounds/{to_open}/assignments",
             {"auto": {"judges_per_entry": 1}}, ids=("to_open",)),
    Endpoint("open_round", "POST", "/api/v1/rounds/{to_open}/open", {"reason": "开始网评"},
             strings=("reason",), ids=("to_open",)),
    Endpoint("close_round", "POST", "/api/v1/rounds/{to_close}/close", {}, ids=("to_close",)),
    Endpoint("publish_round", "POST", "/api/v1/rounds/{to_publish}/publish",
             {"notice_ends_at": "2099-01-01T00:00:00+08:00"}, times=("notice_ends_at",),
             ids=("to_publish",)),
    Endpoint("save_scorecard", "PUT", "/api/v1/rounds/{open_round}/scorecards/{entry}",
             {"scores": {}, "comment": "很好", "submit": False},
             strings=("comment",), ints=("version",), bools=("submit",),
             ids=("open_round", "entry")),
    Endpoint("unassign", "DELETE", "/api/v1/assignments/{spare_assignment}",
             ids=("spare_assignment",)),
    Endpoint("update_round", "PATCH", "/api/v1/rounds/{rubric_round}",
             {"name": "初赛（修订）", "aggregation": "median", "advance_top_n": 2,
              "anonymous": True, "opens_at": "2030-05-18T09:30:00+08:00",
              "closes_at": "2030-05-19T17:00:00+08:00"},
             strings=("name", "aggregation"), ints=("advance_top_n",), bools=("anonymous",),
             times=("opens_at", "closes_at"), ids=("rubric_round",)),
    Endpoint("update_criterion", "PATCH", "/api/v1/criteria/{criterion}",
             {"name": "市场", "max_points": 20, "weight": 30, "description": "说明"},
             strings=("name", "description"), ids=("criterion",)),
    Endpoint("delete_criterion", "DELETE", "/api/v1/criteria/{spare_criterion}",
             ids=("spare_criterion",)),
    Endpoint("update_judge", "PATCH", "/api/v1/judges/{judge2}",
             {"institution": "东北大学", "expertise": ["医疗"]}, strings=("institution",),
             ids=("judge2",)),
    Endpoint("remove_judge", "DELETE", "/api/v1/judges/{spare_judge}", ids=("spare_judge",)),
    Endpoint("withdraw_conflict", "DELETE", "/api/v1/conflicts/{conflict}", ids=("conflict",)),
    Endpoint("stage_action", "POST", "/api/v1/rounds/{open_round}/stage",
             {"action": "show", "entry_id": "@entry", "pitch_seconds": 480, "qa_seconds": 420},
             strings=("action",), ints=("entry_id", "pitch_seconds", "qa_seconds", "version"),
             ids=("open_round",)),
    # After set_round_entries: the draft round's only entry is ``entry``.
    Endpoint("set_stage_order", "PUT", "/api/v1/rounds/{rubric_round}/stage/order",
             {"entry_ids": ["@entry"]}, ids=("rubric_round",)),
    Endpoint("draw_stage_order", "POST", "/api/v1/rounds/{open_round}/stage/order/draw", {},
             ids=("open_round",)),
    Endpoint("update_entry", "PATCH", "/api/v1/entries/{entry}",
             {"title": "智能导诊", "track_id": "@track", "team_name": "康途", "institution": "医大",
              "summary": "简介", "members": [{"name": "张三", "role": "CEO"}], "leader_id": None},
             strings=("title", "team_name", "institution", "summary"),
             ints=("track_id", "leader_id"), ids=("entry",)),
    Endpoint("delete_entry", "DELETE", "/api/v1/entries/{entry}", ids=("entry",)),
    # Multipart (field ``file``): only its ids here; its files in test_entries_api.py.
    Endpoint("put_attachment", "PUT", "/api/v1/entries/{entry}/attachment", ids=("entry",)),
    Endpoint("delete_attachment", "DELETE", "/api/v1/entries/{entry}/attachment",
             ids=("entry",)),
    Endpoint("rename_track", "PATCH", "/api/v1/tracks/{track}", {"name": "大健康"},
             strings=("name",), ids=("track",)),
    Endpoint("delete_track", "DELETE", "/api/v1/tracks/{track}", ids=("track",)),
    Endpoint("update_contest", "PATCH", "/api/v1/events/{contest}/contest",
             {"entries_open_at": "2026-05-01T09:00:00+08:00",
              "entries_close_at": "2099-05-17T09:00:00+08:00"},
             times=("entries_open_at", "entries_close_at"), ids=("contest",)),
    # After update_contest: its valid body opens the window this one's needs.
    Endpoint("put_my_entry", "PUT", "/api/v1/events/{contest}/my-entry",
             {"title": "我的项目", "track_id": "@track", "team_name": "队", "institution": "校",
              "summary": "简介", "members": [{"name": "张三", "role": "CEO"}]},
             strings=("title", "team_name", "institution", "summary"), ints=("track_id",),
             ids=("contest",), open_to_all=True),
    Endpoint("import_entries", "POST", "/api/v1/events/{contest}/entries/import",
             {"entries": [{"title": "导入项目", "track": "医疗健康", "team_name": "队",
                           "members": [{"name": "张三", "role": "CEO"}]}]},
             ids=("contest",)),
    Endpoint("add_mentor", "POST", "/api/v1/orgs/{org}/mentors",
             {"email": "newmentor@example.com", "name": "新导师", "title": "合伙人",
              "organization": "某资本", "expertise": ["融资"], "bio": "简介", "public": True},
             strings=("email", "name", "title", "organization", "bio"), bools=("public",),
             ids=("org",)),
    Endpoint("update_mentor", "PATCH", "/api/v1/mentors/{mentor}",
             {"title": "导师", "organization": "某大学", "expertise": ["医疗"], "bio": "新简介",
              "public": True},
             strings=("title", "organization", "bio"), bools=("public",), ids=("mentor",)),
    # Multipart (field ``photo``): only its ids here; its files in test_mentor_pool_api.py.
    Endpoint("put_mentor_photo", "PUT", "/api/v1/mentors/{mentor}/photo", ids=("mentor",)),
    Endpoint("delete_mentor_photo", "DELETE", "/api/v1/mentors/{mentor}/photo",
             ids=("mentor",)),
    Endpoint("add_slot", "POST", "/api/v1/mentors/{mentor}/slots",
             {"starts_at": "2099-05-18T09:30:00+08:00", "ends_at": "2099-05-18T10:30:00+08:00",
              "mode": "online", "location": "腾讯会议", "capacity": 2},
             strings=("mode", "location"), ints=("capacity",), times=("starts_at", "ends_at"),
             ids=("mentor",)),
    Endpoint("cancel_slot", "DELETE", "/api/v1/slots/{slot}", ids=("slot",)),
    Endpoint("book_slot", "POST", "/api/v1/slots/{open_slot}/bookings",
             {"topic": "融资路演", "entry_id": "@entry"}, strings=("topic",),
             ints=("entry_id",), ids=("open_slot",), open_to_all=True),
    Endpoint("cancel_booking", "POST", "/api/v1/bookings/{booking}/cancel",
             {"message": "临时有事"}, strings=("message",), ids=("booking",)),
    Endpoint("mark_no_show", "POST", "/api/v1/bookings/{past_booking}/no-show", {},
             ids=("past_booking",)),
    Endpoint("update_org", "PATCH", "/api/v1/orgs/{org}",
             {"description": "新简介", "mentor_rule": {"min_coachings": 8, "min_minutes": 40}},
             strings=("description",), ids=("org",)),
    Endpoint("log_coaching", "POST", "/api/v1/mentors/{mentor}/coachings",
             {"mentee_ids": ["@mentee"], "started_at": "2026-05-18T09:30:00+08:00",
              "minutes": 45, "mode": "phone", "topic": "融资", "notes": "备注",
              "booking_id": None, "entry_id": "@entry"},
             strings=("mode", "topic", "notes"), ints=("minutes", "booking_id", "entry_id"),
             times=("started_at",), ids=("mentor",)),
    Endpoint("confirm_coaching", "POST", "/api/v1/coachings/{coaching}/confirm", {},
             ids=("coaching",)),
    Endpoint("rate_coaching", "POST", "/api/v1/coachings/{coaching}/rating",
             {"stars": 5, "comment": "很有帮助"}, strings=("comment",), ints=("stars",),
             ids=("coaching",)),
    Endpoint("update_coaching", "PATCH", "/api/v1/coachings/{coaching}",
             {"mentee_ids": ["@mentee"], "started_at": "2026-05-18T10:00:00+08:00",
              "minutes": 50, "mode": "online", "topic": "复盘", "notes": "备注",
              "booking_id": None, "entry_id": "@entry"},
             strings=("mode", "topic", "notes"), ints=("minutes", "booking_id", "entry_id"),
             times=("started_at",), ids=("coaching",)),
    Endpoint("delete_coaching", "DELETE", "/api/v1/coachings/{coaching}", ids=("coaching",)),
    Endpoint("mark_interest", "POST", "/api/v1/entries/{entry}/interest",
             {"level": "meeting", "note": "想约谈", "consent_to_share": True},
             strings=("level", "note"), bools=("consent_to_share",), ids=("entry",)),
    Endpoint("accept_interest", "POST", "/api/v1/interest/{mark}/accept",
             {"consent_to_share": True}, bools=("consent_to_share",), ids=("mark",)),
    Endpoint("issue_certificates", "POST", "/api/v1/events/{contest}/certificates",
             {"kind": "award", "entry_id": "@led_entry", "award": "一等奖"},
             strings=("kind", "award"), ints=("entry_id",), ids=("contest",)),
    Endpoint("revoke_certificate", "POST", "/api/v1/certificates/{certificate_code}/revoke",
             {"reason": "冒名签到"}, strings=("reason",), ids=("certificate_code",)),
    Endpoint("create_draw", "POST", "/api/v1/events/{draw_event}/draws",
             {"name": "幸运抽奖", "prizes": [{"name": "一等奖", "count": 1}],
              "eligible": "checked_in", "list_id": "@draw_door", "exclude_winners_of": []},
             strings=("name", "eligible"), ints=("list_id",), ids=("draw_event",)),
    Endpoint("commit_draw", "POST", "/api/v1/draws/{draw}/commit", {}, ids=("draw",)),
    Endpoint("run_draw", "POST", "/api/v1/draws/{committed_draw}/run", {},
             ids=("committed_draw",)),
    Endpoint("redraw", "POST", "/api/v1/draws/{drawn_draw}/redraw",
             {"registration_id": "@draw_winner", "reason": "三次唱名未到场"},
             strings=("reason",), ints=("registration_id",), ids=("drawn_draw",)),
    Endpoint("create_poll", "POST", "/api/v1/events/{poll_event}/polls",
             {"question": "最受欢迎的项目", "options": ["项目一", "项目二"], "max_choices": 1,
              "eligible": "checked_in"},
             strings=("question", "eligible"), ints=("max_choices",), ids=("poll_event",)),
    Endpoint("open_poll", "POST", "/api/v1/polls/{draft_poll}/open", {}, ids=("draft_poll",)),
    Endpoint("vote", "POST", "/api/v1/polls/{open_poll}/votes",
             {"option_ids": ["@poll_option"]}, ids=("open_poll",), open_to_all=True),
    Endpoint("close_poll", "POST", "/api/v1/polls/{poll_to_close}/close", {},
             ids=("poll_to_close",)),
    Endpoint("put_survey", "PUT", "/api/v1/events/{survey_event}/survey",
             {"questions": [{"id": "@survey_question", "label": "总体满意度", "kind": "rating",
                             "required": True}]}, ids=("survey_event",)),
    # "#name": the id as a JSON string (an object key).
    Endpoint("answer_survey", "POST", "/api/v1/events/{survey_event}/survey/responses",
             {"answers": {"#survey_question": 5}}, ids=("survey_event",)),
    Endpoint("add_member_org", "POST", "/api/v1/orgs/{alliance}/member-orgs",
             {"org_id": "@new_member_org"}, ints=("org_id",), ids=("alliance",)),
    Endpoint("remove_member_org", "DELETE", "/api/v1/orgs/{alliance}/member-orgs/{member_org}",
             ids=("alliance", "member_org")),
    Endpoint("set_partner", "POST", "/api/v1/events/{partner_event}/partners",
             {"org_id": "@partner_org", "role": "undertaker"}, strings=("role",),
             ints=("org_id",), ids=("partner_event",)),
    Endpoint("remove_partner", "DELETE", "/api/v1/events/{partner_event}/partners/{partner_org}",
             ids=("partner_event", "partner_org")),
    # Multipart (field ``photo``): only its ids here; its files in test_evidence_api.py.
    Endpoint("add_event_photo", "POST", "/api/v1/events/{event}/photos", ids=("event",)),
    Endpoint("delete_event_photo", "DELETE", "/api/v1/events/{event}/photos/{event_photo}",
             ids=("event", "event_photo")),
    Endpoint("create_series", "POST", "/api/v1/orgs/{org}/series",
             {"title": "创业沙龙", "description": "每月一期"}, strings=("title", "description"),
             ids=("org",)),
    Endpoint("subscribe_series", "POST", "/api/v1/series/{series}/subscription", {},
             ids=("series",), open_to_all=True),
    Endpoint("unsubscribe_series", "DELETE", "/api/v1/series/{series}/subscription",
             ids=("series",), open_to_all=True),
    # Last: its valid body deletes the acting admin.
    Endpoint("delete_account", "POST", "/api/v1/me/delete", {"password": "correct-horse-42"},
             strings=("password",)),
]


def _cases():
    """(endpoint, case id, raw body or None, path overrides, expected status or None)."""
    for ep in ENDPOINTS:
        if ep.body is not None:
            for label, raw in [
                ("malformed_json", '{"title": "x",'),
                ("truncated_json", "{"),
                ("json_list", json.dumps([ep.body])),
                ("json_null", "null"),
                ("json_number", "5"),
                ("json_string", '"hello"'),
                ("json_nan", '{"capacity": NaN}'),
                ("not_utf8", b'{"name": "\xff\xfe"}'),
                ("deep_nesting", "[" * 100_000 + "]" * 100_000),
                ("form_encoded", "title=x&kind=week"),
            ]:
                yield ep, label, raw, {}, 400
            yield ep, "unknown_field", json.dumps({**ep.body, "is_admin": True}), {}, 422
        for name in ep.strings:
            for label, value, status in [
                ("int", 123, 400), ("object", {"a": 1}, 400), ("huge", HUGE, 422),
                ("nul", "a\x00b", 422),
                ("surrogate", "a\ud800b", 422),
                ("control", "a\x08b", 422),
            ]:
                yield ep, f"{name}_{label}", _with(ep.body, name, value), {}, status
        for name in ep.ints:
            for label, value in [("string", "5"), ("bool", True), ("float", 2.5),
                                 ("huge", 10**30), ("negative", -1)]:
                yield ep, f"{name}_{label}", _with(ep.body, name, value), {}, None
        for name in ep.bools:
            for label, value in [("string", "yes"), ("int", 1), ("null", None)]:
                yield ep, f"{name}_{label}", _with(ep.body, name, value), {}, None
        for name in ep.times:
            for label, value in [("naive", "2026-05-18T09:30:00"), ("garbage", "soon"),
                                 ("number", 1747531800), ("year_1", "0001-01-01T00:00:00+14:00"),
                                 ("year_9999", "9999-12-31T23:59:59-12:00"), ("huge", HUGE)]:
                yield ep, f"{name}_{label}", _with(ep.body, name, value), {}, None
        if ep.times:
            swapped = _with(ep.body, "ends_at", "2026-05-01T00:00:00+08:00")
            yield ep, "ends_before_starts", swapped, {}, 422
        for name in ep.ids:
            for value in UNKNOWN_IDS:
                raw = json.dumps(ep.body) if ep.body is not None else None
                yield ep, f"unknown_{name}_{value[:6]}", raw, {name: value}, 404


def _with(body: dict, name: str, value: object) -> str:
    return json.dumps({**body, name: value})


CASES = list(_cases())


@pytest.fixture
def world(org, owner, staff, admin, event):
    """One of everything, owned by ``org``; the admin acts (so permissions never hide a bug)."""
    from eventhub.accounts.services import create_token
    from eventhub.registrations import form_builder
    from eventhub.registrations import services as reg

    draft = factories.EventFactory(organization=org, status="draft", published_at=None)
    session = factories.SessionFactory(event=event)
    token, _ = create_token(owner, "spare")
    membership = next(m for m in org.memberships if m.user_id == staff.id)
    # The registration form lives on its own event, so registering for ``event`` needs none.
    form_event = factories.EventFactory(organization=org, requires_approval=True)
    # ``event`` gets edited, closed and cancelled by the matrix; people register for this one.
    open_event = factories.EventFactory(organization=org)
    category = form_builder.save_category(owner, form_event, "观众", 10)
    spare_category = form_builder.save_category(owner, form_event, "媒体", None)
    question = form_builder.save_question(
        owner, form_event, form_builder.QuestionInfo("所在城市", "text"))
    spare_question = form_builder.save_question(
        owner, form_event, form_builder.QuestionInfo("备注", "textarea"))
    people = [factories.UserFactory(phone=f"1390000000{i}") for i in range(4)]

    def register(user, on, **kw):
        return reg.register(user, on, reg.RegistrationInfo(consent=True, **kw))

    registration, to_cancel = (register(u, event) for u in people[:2])
    pending, pending2 = (register(u, form_event, category_id=category.id) for u in people[2:])
    door = factories.main_list_of(open_event)
    guests = [register(factories.UserFactory(phone=f"1370000000{i}"), open_event)
              for i in range(2)]
    checkin = checkin_services.scan(admin, door, guests[0].ticket_code, "seed-scan-1")
    # The admin's own registration: only its registrant opts in to the welcome wall.
    own_registration = register(admin, event, phone="13700000301")
    ticket = guests[1].ticket_code
    contest = _contest_world(org, owner, admin)
    contest.update(_contest_setup_world(contest, owner))
    contest.update(_mentor_world(org, owner, admin))
    contest.update(_investor_world(contest, owner, admin))
    contest.update(_draw_world(org, owner))
    contest.update(_certificate_world(open_event, owner))
    contest.update(_poll_world(org, owner, admin))
    contest.update(_survey_world(org, owner, admin))
    contest.update(_series_world(org, owner))
    contest.update(_evidence_world(event))
    contest.update(_partner_world(org, owner, admin))
    return {**contest,
            "org": org, "event": event, "draft": draft, "session": session, "token": token,
            "membership": membership, "form_event": form_event, "open_event": open_event,
            "category": category,
            "spare_category": spare_category, "question": question,
            "spare_question": spare_question, "registration": registration,
            "own_registration": own_registration,
            "to_cancel": to_cancel, "pending": pending, "pending2": pending2, "door": door,
            "checkin": db.session.get(Scan, checkin["checkin_id"]), "ticket": ticket}


def _contest_world(org, owner, admin) -> dict:
    """A contest: a track, an entry, the admin as a judge assigned to it in an open round, a
    second judge, and rounds to add criteria to, to open, to close and to publish."""
    from eventhub.judging.assignments import assign
    from eventhub.judging.entries import EntryInfo, create_entry, create_track
    from eventhub.judging.rounds import close_round

    contest = factories.contest(org)
    track = create_track(owner, contest, "医疗健康")
    entry = create_entry(owner, contest, EntryInfo(title="项目", track_id=track.id))
    judge = factories.judge(contest, admin)
    judge2 = factories.judge(contest)
    rubric_round = factories.rubric_round(owner, contest, name="初赛", criteria=((10, 60),),
                                          draft=True)
    to_open = factories.rubric_round(owner, contest, name="网评", draft=True)
    open_round = factories.rubric_round(owner, contest, name="复赛")
    assign(owner, open_round, judge.id, entry.id)
    spare_assignment, _ = assign(owner, open_round, judge2.id, entry.id)
    to_close = factories.rubric_round(owner, contest, name="半决赛")
    to_publish = factories.rubric_round(owner, contest, name="决赛")
    close_round(owner, to_publish)
    return {"contest": contest, "track": track, "entry": entry, "judge": judge,
            "judge2": judge2, "rubric_round": rubric_round, "to_open": to_open,
            "open_round": open_round, "to_close": to_close, "to_publish": to_publish,
            "spare_assignment": spare_assignment}


def _mentor_world(org, owner, admin) -> dict:
    """A public mentor of ``org`` with a slot booked by someone, a free one-place slot, a
    booking of a slot that has started (for no-shows), and a coaching of the admin."""
    from datetime import UTC, datetime, timedelta

    from eventhub.mentors import services as mentors

    mentor = mentors.add_mentor(owner, org, "pool@example.com", "池导师")
    start = datetime.now(UTC) + timedelta(days=3)
    slot = mentors.add_slot(owner, mentor, start, start + timedelta(hours=1), "onsite")
    booking = mentors.book(factories.UserFactory(), slot, "商业计划书")
    open_slot = mentors.add_slot(owner, mentor, start + timedelta(hours=2),
                                 start + timedelta(hours=3), "online")
    past = mentors.add_slot(owner, mentor, start - timedelta(days=10),
                            start - timedelta(days=10, minutes=-30), "online")
    past_booking = mentors.book(factories.UserFactory(), past, "复盘",
                                now=past.starts_at - timedelta(days=1))
    coaching = mentors.log_coaching(owner, mentor, mentors.CoachingInfo(
        [admin.id], start - timedelta(days=20), 60, "onsite", "商业计划书"))
    return {"mentor": mentor, "slot": slot, "booking": booking, "open_slot": open_slot,
            "past_booking": past_booking, "coaching": coaching,
            "mentee": factories.UserFactory()}


def _investor_world(contest: dict, owner, admin) -> dict:
    """Investors at the contest: the admin registered in its investor category (so they may
    mark its entry), and an entry the admin leads with another investor's consenting mark."""
    from eventhub.engagement import investors
    from eventhub.judging.entries import EntryInfo, create_entry
    from eventhub.registrations import form_builder
    from eventhub.registrations import services as reg

    event = contest["contest"]
    category = form_builder.save_category(owner, event, "投资人", investor=True)
    other = factories.UserFactory()
    for user, phone in ((admin, "13700000101"), (other, "13700000102")):
        reg.register(user, event, reg.RegistrationInfo(category_id=category.id, consent=True,
                                                       phone=phone))
    led = create_entry(owner, event, EntryInfo(title="路演项目", track_id=contest["track"].id,
                                               leader_id=admin.id))
    mark, _ = investors.mark_interest(other, led, "bp", consent=True)
    return {"led_entry": led, "mark": mark}


def _certificate_world(open_event, owner) -> dict:
    """A certificate of attendance of a guest checked in at ``open_event``'s door."""
    from eventhub.engagement import certificates

    return {"certificate": certificates.issue_certificates(owner, open_event, "attendance")[0]}


def _draw_world(org, owner) -> dict:
    """Draws of an event of ``org`` with two guests checked in: a draft to commit, a
    committed one to run, and a drawn one with its winner (to redraw: someone is left)."""
    from eventhub.engagement import draws
    from eventhub.registrations import services as reg
    from eventhub.registrations.models import Registration

    open_event = factories.EventFactory(organization=org)
    door = factories.main_list_of(open_event)
    for i in range(2):
        guest = reg.register(factories.UserFactory(phone=f"1370000040{i}"), open_event,
                             reg.RegistrationInfo(consent=True))
        checkin_services.scan(owner, door, guest.ticket_code, f"draw-scan-{i}")

    def new(name):
        return draws.create_draw(owner, open_event, name, [{"name": "奖", "count": 1}],
                                 "checked_in")

    draft, committed, drawn = new("草稿"), new("已封存"), new("已开奖")
    draws.commit_draw(owner, committed)
    draws.commit_draw(owner, drawn)
    draws.run_draw(owner, drawn)
    winner, _ = draws.winners_of(drawn)
    return {"draw_event": open_event, "draw_door": door, "draw": draft,
            "committed_draw": committed, "drawn_draw": drawn,
            "draw_winner": db.session.get(Registration, winner[0]["registration_id"])}


def _poll_world(org, owner, admin) -> dict:
    """Polls of an event of ``org`` where the admin checked in: a draft to open, an open one
    to vote in (its first option) and an open one to close."""
    from eventhub.engagement import polls
    from eventhub.registrations import services as reg

    poll_event = factories.EventFactory(organization=org)
    door = factories.main_list_of(poll_event)
    mine = reg.register(admin, poll_event, reg.RegistrationInfo(consent=True,
                                                                phone="13700000501"))
    checkin_services.scan(owner, door, mine.ticket_code, "poll-scan")

    def new(question):
        return polls.create_poll(owner, poll_event, question, "checked_in",
                                 options=["项目一", "项目二"])

    draft, open_, to_close = new("草稿"), new("投票中"), new("待结束")
    polls.open_poll(owner, open_)
    polls.open_poll(owner, to_close)
    return {"poll_event": poll_event, "draft_poll": draft, "open_poll": open_,
            "poll_option": open_.options[0], "poll_to_close": to_close}


def _survey_world(org, owner, admin) -> dict:
    """A started event of ``org`` with a one-question survey, where the admin checked in."""
    from datetime import UTC, datetime, timedelta

    from eventhub.engagement import surveys
    from eventhub.registrations import services as reg

    survey_event = factories.EventFactory(organization=org)
    mine = reg.register(admin, survey_event, reg.RegistrationInfo(consent=True,
                                                                  phone="13700000601"))
    checkin_services.scan(owner, factories.main_list_of(survey_event), mine.ticket_code,
                          "survey-scan")
    survey_event.starts_at = datetime.now(UTC) - timedelta(hours=1)
    question, = surveys.save_survey(owner, survey_event, [
        {"label": "总体满意度", "kind": "rating", "required": True}])
    return {"survey_event": survey_event, "survey_question": question}


def _partner_world(org, owner, admin) -> dict:
    """An alliance with a member (and an organization to add), and an event of ``org`` with a
    co-hosting partner."""
    from eventhub.events import partners
    from eventhub.orgs import alliances

    alliance = factories.OrganizationFactory(name="联盟", kind="alliance")
    member_org, new_member_org, partner_org = (
        factories.OrganizationFactory(name=name) for name in ("成员空间", "新成员", "合作方"))
    alliances.add_member(admin, alliance, member_org.id)
    partner_event = factories.EventFactory(organization=org)
    partners.set_partner(owner, partner_event, partner_org.id, "co_host")
    return {"alliance": alliance, "member_org": member_org, "new_member_org": new_member_org,
            "partner_org": partner_org, "partner_event": partner_event}


def _evidence_world(event) -> dict:
    """An evidence photo of ``event`` (its row only: no case deletes it)."""
    from eventhub.reports.models import EventPhoto

    photo = EventPhoto(event_id=event.id, key="0" * 32, format="JPEG", size=1)
    db.session.add(photo)
    db.session.flush()
    return {"event_photo": photo}


def _series_world(org, owner) -> dict:
    """A series of ``org`` for events to join and people to subscribe to."""
    from eventhub.events.series import create_series

    return {"series": create_series(owner, org, "创业沙龙", "每月一期")}


def snapshot(world) -> dict:
    """Every table's count and the world's rows as the database holds them: two statements
    (the counts; every row of the world as one text, a UNION ALL over its tables), however
    many tables the world spans."""
    ids: dict[sa.Table, list[int]] = {}
    for name, key in world_ids(world).items():
        ids.setdefault(type(world[name]).__table__, []).append(key)
    db.session.expire_all()
    query = _world_rows(tuple((table, tuple(sorted(keys))) for table, keys in ids.items()))
    rows = {(t, id_): v for t, id_, v in db.session.execute(query)}
    return {"counts": db_counts(), "rows": rows}


@functools.lru_cache(maxsize=4)
def _world_rows(keys: tuple[tuple[sa.Table, tuple[int, ...]], ...]) -> sa.CompoundSelect:
    """The UNION ALL of the world's rows, each as one text. Built once a world: building and
    compiling it (hundreds of columns) costs more than running it."""
    return sa.union_all(*(
        sa.select(sa.literal(table.name).label("t"), table.c.id.label("id"),
                  _row_text(table).label("v"))
        .where(table.c.id.in_(table_keys))
        for table, table_keys in keys
    ))


def _row_text(table: sa.Table) -> sa.ColumnElement:
    """A row's every column as one text, in the database (NULL kept apart from any value)."""
    cells = [sa.func.coalesce(sa.cast(column, sa.Text), "\u2400") for column in table.c]
    text = cells[0]
    for cell in cells[1:]:
        text = text + "\u241f" + cell
    return text


def world_ids(world) -> dict[str, int]:
    """The primary key of each of the world's objects, read from the session's identity (an
    expired object is not loaded again: a statement each, hundreds of times a test)."""
    return {name: sa.inspect(obj).identity[0] for name, obj in world.items()
            if not isinstance(obj, str)}


def send(client, ep: Endpoint, world, raw, overrides):
    ids = {name: str(key) for name, key in world_ids(world).items()}
    # A certificate is named by its code in paths: "{certificate_code}".
    ids.update({f"{name}_code": obj.code for name, obj in world.items()
                if isinstance(obj, Certificate)})
    ids.update(overrides)
    path = ep.path.format(**ids)
    kwargs = {}
    if raw is not None:
        if isinstance(raw, str):
            raw = raw.replace("{ticket}", world["ticket"])
            # "@name" in a body stands for the id (a JSON number) of world's object ``name``.
            raw = re.sub(r'"@(\w+)"', lambda m: ids.get(m.group(1), m.group(0)), raw)
            # "#name": the same id as a JSON string (a key of an object).
            raw = re.sub(r'"#(\w+)"', lambda m: f'"{ids[m.group(1)]}"' if m.group(1) in ids
                         else m.group(0), raw)
        kwargs["data"] = raw
        kwargs["content_type"] = "application/json"
    return client.open(path, method=ep.method, **kwargs)


def _cases_by_endpoint() -> list:
    by_name: dict[str, tuple[Endpoint, list]] = {}
    for ep, label, raw, overrides, status in CASES:
        by_name.setdefault(ep.name, (ep, []))[1].append((label, raw, overrides, status))
    return [pytest.param(ep, cases, id=name) for name, (ep, cases) in by_name.items()]


@pytest.mark.parametrize(("ep", "cases"), _cases_by_endpoint())
def test_bad_input_changes_nothing(api, admin, world, ep, cases):
    """Every bad request of one endpoint, one after another against one world (building the
    world is most of a case's cost): each is a clean 4xx and leaves the database as it was."""
    client = api(None if ep.anonymous else admin)
    before = snapshot(world)
    wrong = []
    for label, raw, overrides, status in cases:
        response = send(client, ep, world, raw, overrides)
        try:
            assert 400 <= response.status_code < 500, response.get_data(as_text=True)
            assert_error(response, response.status_code if status is None else status)
            assert snapshot(world) == before, "the database changed"
        except AssertionError as error:
            wrong.append(f"{label}: {error}")
            before = snapshot(world)  # judge the next case on its own
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("ep", [e for e in ENDPOINTS
                                if e.ids and not e.anonymous and not e.open_to_all],
                         ids=lambda e: e.name)
def test_foreign_users_change_nothing(api, outsider_organizer, world, ep):
    """Someone of another organization, with a valid body: 403 or 404, never a change."""
    client = api(outsider_organizer)
    before = snapshot(world)
    raw = json.dumps(ep.body) if ep.body is not None else None
    response = send(client, ep, world, raw, {})
    assert response.status_code in (403, 404), response.get_data(as_text=True)
    assert_error(response, response.status_code)
    assert snapshot(world) == before


def test_the_matrix_bodies_are_valid(api, admin, world):
    """The valid bodies really pass (so the cases above fail for the reason they name)."""
    client = api(admin)
    for ep in ENDPOINTS:
        if ep.anonymous or ep.method == "DELETE" or ep.body is None:
            continue
        response = send(client, ep, world, json.dumps(ep.body), {})
        assert response.status_code in (200, 201, 204), (ep.name, response.get_data(as_text=True))
    db.session.expire_all()


def test_the_matrix_covers_every_write_endpoint(app):
    """A new write endpoint joins the matrix above, or this fails."""
    def route(path):
        return "/api/v1" + "".join(
            "<>" if part.startswith("{") else part
            for part in re.split(r"({[^}]+})", path.removeprefix("/api/v1"))
        )

    covered = {(ep.method, route(ep.path)) for ep in ENDPOINTS}
    writes = {
        (method, re.sub(r"<[^>]+>", "<>", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    assert writes - covered == set()


@pytest.mark.parametrize("depth", [500, 990, 5000])
def test_deeply_nested_json_is_a_clean_4xx(api, admin, org, depth):
    raw = '{"name": ' + "[" * depth + '"a\\u0000"' + "]" * depth + ', "kind": "other"}'
    response = api(admin).post("/api/v1/orgs", data=raw, content_type="application/json")
    assert_error(response, response.status_code)
    assert 400 <= response.status_code < 500


def _contest_setup_world(contest: dict, owner) -> dict:
    """For the setup endpoints: a rubric line to change and one to delete, a judge to remove
    and a declared conflict to withdraw."""
    from eventhub.judging.judges import declare_conflict

    spare_judge = factories.judge(contest["contest"])
    conflict, _ = declare_conflict(owner, contest["contest"], spare_judge.id,
                                           contest["entry"].id, "同事")
    return {"criterion": contest["rubric_round"].criteria[0],
            "spare_criterion": contest["to_open"].criteria[2],
            "spare_judge": spare_judge, "conflict": conflict}

"""The demo data set: organizations, people in every role and upcoming events, in Chinese,
with the contest's judging (entries, judges, a published online round and an open final), the
mentor pools' last year (office hours, bookings, coachings, ratings) and investors' marks on
the final.

`load_demo()` is idempotent: whatever exists already (users by email, organizations by name,
events by organization and title; the mentor pool, the contest's judging and the investors'
marks each as a whole) is left alone, so running it twice changes nothing.
``reset=True`` empties every table first and loads the set anew. Event dates are relative to
today, so the home page always has upcoming events.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from eventhub.accounts import services as accounts
from eventhub.accounts.models import User
from eventhub.checkin import services as checkin
from eventhub.checkin.models import CheckinList, Scan
from eventhub.database import db, transactional
from eventhub.engagement import certificates, draws, investors, polls, surveys, wall
from eventhub.engagement.models import InvestorInterest
from eventhub.events import partners as event_partners
from eventhub.events import series as event_series
from eventhub.events import services as events
from eventhub.events.models import Event, EventStatus, Series
from eventhub.judging import roadshow
from eventhub.judging.assignments import assign, assignments_of, auto_assign
from eventhub.judging.entries import EntryInfo, create_entry, create_track, entries_of, tracks_of
from eventhub.judging.judges import (
    accept_invitation,
    declare_conflict,
    invite_judge,
    is_conflicted,
    judges_of,
)
from eventhub.judging.models import Entry, Judge, Round, RoundStatus
from eventhub.judging.results import round_results
from eventhub.judging.rounds import (
    RoundInfo,
    add_criterion,
    close_round,
    create_round,
    open_round,
    publish_round,
    round_entries,
    rounds_of,
    set_round_entries,
)
from eventhub.judging.scorecards import save_scorecard
from eventhub.mail.models import OutboxMessage
from eventhub.mentors import services as mentors
from eventhub.mentors.models import (
    BookingStatus,
    CoachingMode,
    Mentor,
    MentorBooking,
    MentorCoaching,
    MentorSlot,
    SlotMode,
)
from eventhub.orgs import alliances
from eventhub.orgs import services as orgs
from eventhub.orgs.models import AllianceMember, Membership, Organization, Role
from eventhub.registrations import form_builder, queries
from eventhub.registrations import services as registrations
from eventhub.registrations.models import Registration, RegistrationStatus

#: Every demo account signs in with this password.
DEMO_PASSWORD = "eventhub2026"  # noqa: S105 - published in the README on purpose
TZ = ZoneInfo("Asia/Shanghai")

ORGANIZATIONS = [
    (
        "沈阳市众创空间",
        "maker_space",
        "沈阳市科技局认定的市级众创空间，为早期创业团队提供工位、导师辅导和投融资对接。",
    ),
    (
        "大连理工大学科技园",
        "university_park",
        "国家大学科技园，依托大连理工大学推动科技成果转化和大学生创新创业。",
    ),
    (
        "辽宁省众创空间联盟",
        "alliance",
        "全省众创空间、孵化器和大学科技园的行业联盟，组织全省性创新创业赛事与交流活动。",
    ),
    (
        "沈阳浑南科技孵化器",
        "incubator",
        "位于浑南科技城的综合性孵化器，重点孵化智能制造、新材料和数字经济项目。",
    ),
    (
        "大连星海众创空间",
        "maker_space",
        "大连高新区的众创空间，聚焦海洋经济、智能物联和消费品牌项目，常年开放创业导师坐诊。",
    ),
]

MAKER_SPACE, UNIVERSITY_PARK, ALLIANCE, INCUBATOR, XINGHAI = (o[0] for o in ORGANIZATIONS)


@dataclass
class Person:
    email: str
    name: str
    phone: str
    organization: str = ""
    job_title: str = ""
    #: (organization name, role) pairs.
    memberships: list[tuple[str, str]] = field(default_factory=list)
    is_admin: bool = False
    #: Shown in the list of demo logins (None: not listed).
    label: str | None = None


STAFF = [
    Person("admin@example.com", "平台管理员", "13800000001", "eventhub 运营中心", "平台管理员",
           is_admin=True, label="平台管理员 admin"),
    Person("owner@example.com", "王建国", "13840001234", MAKER_SPACE, "主任",
           [(MAKER_SPACE, "owner"), (ALLIANCE, "owner")], label="机构负责人 owner"),
    Person("organizer@example.com", "李晓燕", "15840002345", MAKER_SPACE, "活动运营经理",
           [(MAKER_SPACE, "organizer"), (ALLIANCE, "organizer")], label="活动组织者 organizer"),
    Person("staff@example.com", "张宇", "18640003456", MAKER_SPACE, "现场工作人员",
           [(MAKER_SPACE, "staff"), (ALLIANCE, "staff")], label="签到工作人员 door staff"),
    Person("dlut@example.com", "孙丽", "13940004567", UNIVERSITY_PARK, "科技园办公室主任",
           [(UNIVERSITY_PARK, "owner")], label="大工科技园负责人 owner"),
    Person("hunnan@example.com", "高峰", "15940005678", INCUBATOR, "孵化服务部部长",
           [(INCUBATOR, "owner")], label="浑南孵化器负责人 owner"),
    Person("xinghai@example.com", "陈海波", "13998005679", XINGHAI, "空间主任",
           [(XINGHAI, "owner")], label="星海众创空间负责人 owner"),
    # A sponsor (资助方): reads the alliance's and the 沈阳市众创空间's figures and dashboards,
    # never a participant's name or phone.
    Person("sponsor@example.com", "赵文华", "13804006789", "沈阳市科学技术局",
           "高新技术发展处 科员", [(ALLIANCE, "viewer"), (MAKER_SPACE, "viewer")],
           label="资助方（只读） sponsor viewer"),
]

JUDGES = [
    Person("judge1@example.com", "周明远", "13904010001", "辽宁省天使投资协会", "投资总监",
           label="评委 judge1..judge9"),
    Person("judge2@example.com", "吴晓华", "13504010002", "东北大学", "教授、创业导师"),
    Person("judge3@example.com", "郑海涛", "18904010003", "盛京银行科技金融部", "总经理"),
    Person("judge4@example.com", "钱立新", "13904010004", "大连理工大学", "教授"),
    Person("judge5@example.com", "冯雪梅", "15904010005", "沈阳农业大学", "教授、博士生导师"),
    Person("judge6@example.com", "韩志刚", "18604010006", "沈阳新松机器人自动化股份有限公司",
           "副总裁"),
    Person("judge7@example.com", "曹丽君", "13804010007", "辽宁省农业科学院", "研究员"),
    Person("judge8@example.com", "邓国栋", "15804010008", "盛京天使基金", "合伙人"),
    Person("judge9@example.com", "许文静", "18804010009", "辽宁省科技成果转化服务中心", "主任"),
]

#: (name, email local part, mobile, organization, job title)
PARTICIPANTS = [
    ("张伟", "zhangwei", "13812340001", "沈阳智造科技有限公司", "创始人"),
    ("王芳", "wangfang", "13912340002", "东北大学", "研究生"),
    ("李娜", "lina", "15012340003", "大连理工大学", "博士生"),
    ("刘洋", "liuyang", "15112340004", "沈阳工业大学", "本科生"),
    ("陈静", "chenjing", "15212340005", "辽宁大学", "创业者"),
    ("杨帆", "yangfan", "15512340006", "大连海创信息技术有限公司", "CTO"),
    ("赵磊", "zhaolei", "15612340007", "沈阳新松机器人自动化股份有限公司", "工程师"),
    ("黄婷", "huangting", "15712340008", "辽宁日报", "记者"),
    ("周杰", "zhoujie", "15812340009", "盛京天使基金", "投资经理"),
    ("吴敏", "wumin", "15912340010", "沈阳航空航天大学", "讲师"),
    ("徐强", "xuqiang", "18112340011", "大连冰山集团", "产品经理"),
    ("孙悦", "sunyue", "18212340012", "中国医科大学", "研究生"),
    ("马超", "machao", "18312340013", "鞍山绿能新材料有限公司", "总经理"),
    ("朱丽", "zhuli", "18412340014", "沈阳师范大学", "本科生"),
    ("胡斌", "hubin", "18512340015", "营口港数字物流有限公司", "联合创始人"),
    ("郭晶", "guojing", "18612340016", "辽宁省科技厅", "科员"),
    ("何磊", "helei", "18712340017", "大连海事大学", "研究生"),
    ("林琳", "linlin", "18812340018", "沈阳农业大学", "本科生"),
    ("罗刚", "luogang", "18912340019", "本溪生物医药产业园", "项目经理"),
    ("高洁", "gaojie", "13012340020", "沈阳药科大学", "博士生"),
]


def participants() -> list[Person]:
    return [
        Person(f"{local}@example.com", name, phone, org, title,
               label="参与者（预约了导师） participant" if local == "zhangwei" else None)
        for name, local, phone, org, title in PARTICIPANTS
    ]


def everyone() -> list[Person]:
    mentors = [m.person for m in MENTORS if m.person not in JUDGES]  # judge2 is both
    return [*STAFF, *JUDGES, *participants(), *mentors, *INVESTORS]


# Loading ----------------------------------------------------------------------------------


def load_demo(reset: bool = False, small: bool = False) -> list[tuple[str, str, str]]:
    """Load the demo data set (idempotent); return the logins to show as (role, email, password).

    With ``reset``, every row of every table is deleted first: use it on a demo database only.
    ``small`` leaves out the bulk (for tests and a quick look): a crowd of ``SMALL_CROWD``
    besides the named participants (so a few dozen registrants an event), no mentor's past
    year, no alliance's past year, and no welcome wall (it needs a crowd).
    """
    if reset:
        clear_database()
    load_all(datetime.now(TZ).date(), small)
    return [(p.label, p.email, DEMO_PASSWORD) for p in everyone() if p.label]


@transactional
def clear_database() -> None:
    """Delete every row of every table, children before parents."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.expunge_all()  # the rows are gone: forget the objects loaded from them


@transactional
def load_all(today: date, small: bool = False) -> None:
    """Create whatever part of the demo set is missing, in one unit of work (``small``: see
    `load_demo`)."""
    password_hash = functools.cache(lambda: accounts.hash_password(DEMO_PASSWORD))
    people = {p.email: ensure_person(p, password_hash) for p in everyone()}
    admin = people["admin@example.com"]
    organizations = {name: ensure_org(admin, name, kind, text)
                     for name, kind, text in ORGANIZATIONS}
    for person in everyone():
        for org_name, role in person.memberships:
            ensure_membership(organizations[org_name], people[person.email], role)
    load_events(admin, organizations, today, small)


def ensure_person(person: Person, password_hash: Callable[[], str]) -> User:
    """Create the person's account through the accounts service, unless it exists, with the
    demo password. Every demo account has the same password, so ``password_hash`` hashes it
    once for all of them (a hash takes a good part of a second by design)."""
    user = accounts.find_user_by_email(person.email)
    if user is not None:
        return user
    user = accounts.ensure_user(person.email, person.name, person.phone)
    user.password_hash = password_hash()
    user.locale = "zh_Hans"
    accounts.update_profile(
        user,
        accounts.ProfileInfo(name=person.name, phone=person.phone,
                             organization=person.organization, job_title=person.job_title),
    )
    user.is_admin = person.is_admin
    db.session.flush()
    return user


def ensure_org(admin: User, name: str, kind: str, description: str) -> Organization:
    org = db.session.scalar(sa.select(Organization).where(Organization.name == name))
    return org or orgs.create_org(admin, name, kind, description)


def ensure_membership(org: Organization, user: User, role: str) -> None:
    # Added directly: orgs.set_member would mail an invitation to each demo person.
    if not any(m.user_id == user.id for m in org.memberships):
        db.session.add(Membership(organization=org, user=user, role=Role(role)))
        db.session.flush()


# Events -----------------------------------------------------------------------------------


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Shanghai on ``day``, as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


def find_event(org: Organization, title: str) -> Event | None:
    return db.session.scalar(sa.select(Event).where(Event.org_id == org.id, Event.title == title))


def ensure_event(
    actor: User,
    org: Organization,
    info: events.EventInfo,
    sessions: Sequence[events.SessionInfo] = (),
    status: EventStatus = EventStatus.published,
    lead: str = "",
    series: Series | None = None,
) -> Event:
    """Create the event with its sessions (a date of ``series``) and bring it to ``status``,
    unless it exists; its 负责人 is ``lead`` unless it has one (a demo loaded before events
    had one gets it)."""
    event = find_event(org, info.title)
    if event is not None:
        if lead and not event.lead_name:
            event.lead_name = lead
        return event
    event = events.create_event(actor, org, info)
    event.lead_name = lead
    event.series_id = series.id if series is not None else None
    for session in sessions:
        events.add_session(actor, event, session)
    if status != EventStatus.draft:
        events.change_status(actor, event, "publish")
    if status in (EventStatus.closed, EventStatus.archived):
        events.change_status(actor, event, "close")
    if status == EventStatus.archived:
        events.change_status(actor, event, "archive")
    return event


def load_events(admin: User, organizations: dict[str, Organization], today: date,
                small: bool = False) -> None:
    organizer = accounts.find_user_by_email("organizer@example.com")
    dlut = accounts.find_user_by_email("dlut@example.com")
    hunnan = accounts.find_user_by_email("hunnan@example.com")
    # Under way: it began yesterday, so its first morning's check-ins are in the past whatever
    # the hour the demo is loaded.
    the_week = week(organizer, organizations[MAKER_SPACE], today - timedelta(days=1))
    the_contest = contest(organizer, organizations[ALLIANCE], today)
    the_salon = salon(organizer, organizations[MAKER_SPACE], today + timedelta(days=6))
    the_camp = camp(dlut, organizations[UNIVERSITY_PARK], today + timedelta(days=12))
    draft_science_week(hunnan, organizations[INCUBATOR], today + timedelta(days=60))
    the_past = past_salon(organizer, organizations[MAKER_SPACE], today - timedelta(days=30))
    load_registrations(organizer, dlut, the_week, the_contest, the_salon, the_camp, the_past,
                       crowd_size=SMALL_CROWD if small else CROWD)
    load_checkins(the_week)
    load_mentors(organizations, the_week, the_contest, today, past_year=not small)
    load_judging(organizer, the_contest, today)
    load_investors(organizer, the_contest)
    load_big_screen(organizer, the_week, the_contest, the_past, with_wall=not small)
    if not small:
        load_alliance_year(admin, organizations, today)


WEEK_DESCRIPTION = """\
**中国(沈阳)创业周**是沈阳市每年规模最大的双创活动，汇聚创业者、投资人、高校和孵化机构，
连续五天举办开幕式、投资论坛、青年创业沙龙、项目路演和成果展。

### 活动亮点

- 30 余家投资机构现场对接，优秀项目可获得天使轮投资意向
- 青年创业沙龙：与连续创业者面对面交流
- 项目路演采用 “8+7” 赛制：8 分钟路演，7 分钟问答
- 创新成果展集中展示辽宁省高校与企业的科技成果

### 参会须知

1. 请携带报名成功后获得的**电子票二维码**，在签到处扫码入场；
2. 各分会场座位有限，请按报名的场次入场；
3. 活动期间会进行拍照和录像，如不希望出镜请告知现场工作人员。

主办：沈阳市众创空间 ｜ 指导单位：沈阳市科学技术局
"""


def week(actor: User, org: Organization, first_day: date) -> Event:
    days = [first_day + timedelta(days=n) for n in range(5)]
    info = events.EventInfo(
        title=f"{first_day.year} 中国(沈阳)创业周",
        kind="week",
        starts_at=at(days[0], 9),
        ends_at=at(days[4], 17),
        venue="沈阳新世界博览馆",
        address="辽宁省沈阳市沈河区青年大街 2 号",
        description=WEEK_DESCRIPTION,
        capacity=800,
        registration_closes_at=at(days[4], 17),  # newcomers register until the week ends
    )
    sessions = [
        events.SessionInfo("开幕式暨主旨演讲", at(days[0], 9), at(days[0], 11, 30),
                           room="主会场 A 馆", capacity=500,
                           description="市领导致辞，知名企业家和投资人主旨演讲。"),
        events.SessionInfo("创业投资论坛", at(days[1], 14), at(days[1], 17),
                           room="多功能厅 2 层", capacity=200,
                           description="东北地区早期投资趋势与硬科技项目投资逻辑。"),
        events.SessionInfo("青年创业沙龙", at(days[2], 19), at(days[2], 21),
                           room="B 区路演厅", capacity=80,
                           description="高校学生与青年创业者的开放交流，连续创业者分享经验。"),
        events.SessionInfo("项目路演专场", at(days[3], 9), at(days[3], 12),
                           room="路演中心", capacity=150,
                           description="20 个入围项目按 “8+7” 赛制路演，投资人现场点评。"),
        events.SessionInfo("创新成果展", at(days[1], 9), at(days[3], 17),
                           room="C 馆展区", capacity=None,
                           description="高校、科研院所和企业的科技成果集中展示。"),
        events.SessionInfo("闭幕式暨颁奖典礼", at(days[4], 14), at(days[4], 17),
                           room="主会场 A 馆", capacity=500,
                           description="公布路演专场优胜项目，颁发“最具投资价值项目”奖。"),
    ]
    return ensure_event(actor, org, info, sessions, lead="李晓燕")


CONTEST_DESCRIPTION = """\
**第十届辽宁创新创业大赛**由辽宁省众创空间联盟主办，面向全省初创企业和创业团队。

### 赛程安排

| 阶段 | 形式 | 说明 |
|---|---|---|
| 报名 | 线上 | 提交商业计划书和项目简介 |
| 网评 | 线上评审 | 专家按评分细则打分，每组前 30 名晋级 |
| 复赛 | 现场路演 | 8 分钟路演 + 7 分钟答辩 |
| 决赛 | 现场路演 | 决出一、二、三等奖和优秀奖 |

### 参赛组别

- **初创组**：注册时间不超过 3 年的企业或尚未注册的团队
- **成长组**：注册时间 3 年以上、年营业收入不超过 5000 万元的企业

行业赛道：智能制造、新一代信息技术、生物医药、新材料与新能源、现代农业。

获奖项目可优先推荐参加全国创新创业大赛，并获得联盟成员单位的入驻和融资支持。
"""


def contest(actor: User, org: Organization, today: date) -> Event:
    final_day = today + timedelta(days=45)
    info = events.EventInfo(
        title="第十届辽宁创新创业大赛",
        kind="contest",
        starts_at=at(final_day, 9),
        ends_at=at(final_day + timedelta(days=1), 17),
        venue="沈阳国际展览中心 会议中心",
        address="辽宁省沈阳市苏家屯区会展路 9 号",
        description=CONTEST_DESCRIPTION,
        capacity=600,
        registration_opens_at=at(today - timedelta(days=3), 9),
        registration_closes_at=at(today + timedelta(days=30), 18),
    )
    return ensure_event(actor, org, info, lead="王建国")


SALON_DESCRIPTION = """\
本期创业沙龙聚焦 **AI 大模型在制造业的落地**。

- 19:00 签到交流
- 19:30 主题分享：《从工厂到模型——一家沈阳制造企业的数字化实践》
- 20:15 圆桌对话：大模型创业的机会与陷阱
- 21:00 自由交流

名额有限，报名后请准时到场。现场提供茶歇。
"""


def salon(actor: User, org: Organization, day: date) -> Event:
    info = events.EventInfo(
        title="创业沙龙·AI 大模型与智能制造",
        kind="salon",
        starts_at=at(day, 19),
        ends_at=at(day, 21, 30),
        venue="沈阳市众创空间 3 楼共享大厅",
        address="辽宁省沈阳市浑南区创新路 155 号",
        description=SALON_DESCRIPTION,
        capacity=30,  # small, so it fills up and has a waitlist
    )
    return ensure_event(actor, org, info, lead="李晓燕")


CAMP_DESCRIPTION = """\
**大学生创业训练营**为期三天，帮助在校学生把科研成果和创意变成可落地的创业项目。

### 课程安排

1. 第一天：创业认知、用户访谈与需求验证
2. 第二天：商业模式画布、财务基础、股权设计
3. 第三天：商业计划书写作与路演训练，导师一对一点评

完成全部课程的学员将获得结业证书，优秀项目可直接入驻大连理工大学科技园。
"""


def camp(actor: User, org: Organization, first_day: date) -> Event:
    info = events.EventInfo(
        title="大连理工大学 大学生创业训练营",
        kind="camp",
        starts_at=at(first_day, 8, 30),
        ends_at=at(first_day + timedelta(days=2), 17, 30),
        venue="大连理工大学 创新园大厦 B 座",
        address="辽宁省大连市高新园区凌工路 2 号",
        description=CAMP_DESCRIPTION,
        capacity=120,
        requires_approval=True,
    )
    return ensure_event(actor, org, info, lead="孙丽")


def draft_science_week(actor: User, org: Organization, first_day: date) -> Event:
    info = events.EventInfo(
        title="浑南科技活动周（筹备中）",
        kind="other",
        starts_at=at(first_day, 9),
        ends_at=at(first_day + timedelta(days=6), 17),
        venue="沈阳浑南科技孵化器",
        address="辽宁省沈阳市浑南区智慧四街 1 号",
        description="科技活动周方案正在筹备中，活动安排确定后发布。",
        capacity=300,
    )
    return ensure_event(actor, org, info, status=EventStatus.draft, lead="高峰")


def past_salon(actor: User, org: Organization, day: date) -> Event:
    info = events.EventInfo(
        title="创业沙龙·硬科技项目融资实务",
        kind="salon",
        starts_at=at(day, 14),
        ends_at=at(day, 17),
        venue="沈阳市众创空间 3 楼共享大厅",
        address="辽宁省沈阳市浑南区创新路 155 号",
        description="投资人讲解硬科技项目的估值、条款和尽职调查要点。",
        capacity=50,
    )
    return ensure_event(actor, org, info, status=EventStatus.closed, lead="李晓燕")


# Registration forms and registrations ---------------------------------------------------

#: (name, capacity, requires approval)
CATEGORIES = [
    ("观众", None, False),
    ("创业者", None, False),
    ("投资人", 40, True),
    ("媒体", 20, False),
    ("嘉宾", 30, False),
]
CITIES = ["沈阳", "大连", "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "铁岭", "北京", "上海"]
FIELDS = ["智能制造", "新一代信息技术", "生物医药", "新材料与新能源", "现代农业"]
#: (label, kind, required, options)
QUESTIONS = [
    ("所在城市", "text", True, []),
    ("关注领域", "multichoice", False, FIELDS),
    ("团队人数", "number", False, []),
    ("是否需要住宿", "checkbox", False, []),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "浩然", "子轩", "欣怡", "梓涵", "宇航",
         "思远", "雨桐", "嘉怡", "一鸣", "晓东", "海燕", "建华", "志强", "文博", "佳琪", "晨阳"]
#: Extra participant accounts (no password: as if imported; they claim them by a reset link).
CROWD = 240
#: The crowd of the small set (`load_demo(small=True)`).
SMALL_CROWD = 10


def crowd(size: int = CROWD) -> list[User]:
    """The demo's first ``size`` extra participants, with Chinese names and mobile numbers."""
    people = []
    for n in range(size):
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
        phone = f"{('13', '15', '18')[n % 3]}{(n * 7919) % 10:d}{20_000_000 + n * 37:08d}"
        user = accounts.find_user_by_email(f"guest{n:03d}@example.com")
        people.append(user or accounts.ensure_user(f"guest{n:03d}@example.com", name, phone))
    return people


def ensure_form(actor: User, event: Event) -> None:
    """The registration form of the week and the salon: categories and four questions."""
    if queries.categories_of(event):
        return
    for name, places, approval in CATEGORIES:
        form_builder.save_category(actor, event, name, places, approval)
    for label, kind, required, options in QUESTIONS:
        form_builder.save_question(
            actor, event, form_builder.QuestionInfo(label, kind, required, list(options))
        )


def _answers(event: Event, rng: random.Random) -> dict[str, object]:
    values: dict[str, object] = {}
    for question in queries.questions_of(event):
        if question.label == "所在城市":
            values[str(question.id)] = rng.choice(CITIES)
        elif question.label == "关注领域":
            values[str(question.id)] = rng.sample(FIELDS, rng.randint(1, 3))
        elif question.label == "团队人数" and rng.random() < 0.7:
            values[str(question.id)] = rng.randint(1, 12)
        elif question.label == "是否需要住宿":
            values[str(question.id)] = rng.random() < 0.25
    return values


def _register_many(
    event: Event,
    people: Sequence[User],
    rng: random.Random,
    *,
    actor: User | None = None,
    sessions: bool = False,
    since: datetime | None = None,
) -> list[Registration]:
    """Register ``people`` through the service (no mail), choosing a category and sessions;
    from ``since`` on, 53 minutes apart (None: now)."""
    categories = queries.categories_of(event)
    weights = [50, 30, 6, 4, 4][: len(categories)]
    done = []
    for n, user in enumerate(people):
        category = rng.choices(categories, weights)[0] if categories else None
        session_ids = []
        if sessions and event.sessions:
            chosen = rng.sample(event.sessions, rng.randint(1, 3))
            session_ids = [s.id for s in sorted(chosen, key=lambda s: s.id)]
        info = registrations.RegistrationInfo(
            category_id=category.id if category else None,
            session_ids=session_ids,
            answers=_answers(event, rng),
            consent=True,
        )
        when = since + timedelta(minutes=53 * n) if since else None
        done.append(registrations.register(user, event, info, actor=actor, notify=False,
                                           now=when))
    return done


def load_registrations(
    organizer: User, dlut: User, week_: Event, contest_: Event, salon_: Event, camp_: Event,
    past: Event, crowd_size: int = CROWD,
) -> None:
    """Hundreds of registrations in every status (among the named participants and the first
    ``crowd_size`` of the crowd), unless the events have some already."""
    if db.session.scalar(sa.select(Registration.id).limit(1)) is not None:
        return
    for event in (week_, salon_):
        ensure_form(organizer, event)
    rng = random.Random(2026)  # the same data set every time
    named = [accounts.find_user_by_email(f"{p[1]}@example.com") for p in PARTICIPANTS]
    everybody = named + crowd(crowd_size)

    def some(n: int) -> list[User]:
        return rng.sample(everybody, min(n, len(everybody)))

    # The entrepreneurship week (under way): many registered in the ten days before it, with
    # sessions; investors wait for approval; a few cancelled before it began.
    start = week_.starts_at
    week_regs = _register_many(week_, some(180), rng, sessions=True,
                               since=start - timedelta(days=10))
    pending = [r for r in week_regs if r.status == RegistrationStatus.pending]
    for registration in pending[: len(pending) // 2]:
        registrations.approve(organizer, registration, "欢迎莅临创业周。",
                              now=start - timedelta(days=3))
    for registration in week_regs[5:15]:
        registrations.cancel(registration.user, registration, now=start - timedelta(days=2))
    # The salon fills up: a waitlist, and cancellations that move it up.
    salon_regs = _register_many(salon_, everybody[:40], rng)
    for registration in [r for r in salon_regs if r.status == RegistrationStatus.confirmed][3:6]:
        registrations.cancel(registration.user, registration)
    # The contest: open registration; its investors wait for approval.
    ensure_contest_form(organizer, contest_)
    _register_many(contest_, some(70), rng)
    # The bootcamp needs approval: some approved, a few turned down, the rest pending.
    camp_regs = _register_many(camp_, some(45), rng)
    for registration in camp_regs[:25]:
        registrations.approve(dlut, registration, "请准时参加开营仪式。")
    for registration in camp_regs[25:29]:
        registrations.reject(dlut, registration, "本期名额有限，欢迎报名下一期。")
    # Last month's salon: registered by the organizer from the sign-in sheet.
    _register_many(past, some(40), rng, actor=organizer)


# Check-ins ---------------------------------------------------------------------------------

#: The week's doors, and who scans at each.
DOORS = [("东门-1", "staff@example.com"), ("东门-2", "staff@example.com"),
         ("西门", "organizer@example.com")]
OPENING = "开幕式暨主旨演讲"


def load_checkins(week_: Event) -> None:
    """The morning of the week's first day at the door, unless it happened already: arrivals
    from 08:30 to 11:30 peaking around 09:00, a few exits and re-entries, some repeat and
    invalid scans at three doors, and the opening ceremony's own list. Every scan goes through
    the check-in service (explicit times and nonces), so the numbers follow its rules."""
    if db.session.scalar(sa.select(Scan.id).where(Scan.nonce == "demo-week-0000")) is not None:
        return
    confirmed = list(db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == week_.id,
               Registration.status == RegistrationStatus.confirmed)
        .order_by(Registration.id)
    ))
    if not confirmed:
        return
    rng = random.Random(2027)
    day = week_.starts_at.astimezone(TZ).date()
    opens = at(day, 8, 30)
    main = checkin.lists_of(week_)[0]
    main.allow_reentry = True  # the week's main door lets people out and back in
    organizer = accounts.find_user_by_email("organizer@example.com")
    opening = next(s for s in week_.sessions if s.title == OPENING)
    hall = checkin.create_list(organizer, week_, "主会场 A 馆", session_id=opening.id)
    people = {email: accounts.find_user_by_email(email) for _, email in DOORS}

    def minutes(m: float) -> datetime:
        return opens + timedelta(minutes=max(0.0, min(m, 180.0)), seconds=rng.randint(0, 59))

    # (when, list, code, type, door): most arrive 08:45–09:40, some later in the morning.
    plan: list[tuple[datetime, CheckinList, str, str, int]] = []
    arrived: list[tuple[datetime, Registration]] = []
    for registration in rng.sample(confirmed, int(len(confirmed) * 0.85)):
        late = rng.random() < 0.2
        when = minutes(rng.uniform(60, 175) if late else rng.gauss(40, 16))
        door = rng.choices(range(len(DOORS)), [5, 4, 2])[0]
        plan.append((when, main, registration.ticket_code, "entry", door))
        arrived.append((when, registration))
        if not late and opening in registration.sessions:
            plan.append((when + timedelta(minutes=rng.randint(3, 12)), hall,
                         registration.ticket_code, "entry", 0))
    early = [(when, r) for when, r in arrived if when < opens + timedelta(minutes=90)]
    for n, (_when, registration) in enumerate(early[:12]):  # out for a call; most come back
        out = minutes(rng.uniform(110, 150))
        plan.append((out, main, registration.ticket_code, "exit", 2))
        if n < 9:
            plan.append((out + timedelta(minutes=rng.randint(8, 25)), main,
                         registration.ticket_code, "entry", rng.randrange(len(DOORS))))
    for when, registration in early[20:23]:  # shown again at another door
        plan.append((when + timedelta(minutes=rng.randint(2, 15)), main,
                     registration.ticket_code, "entry", 1))
    for n in range(2):  # a mistyped code
        plan.append((minutes(rng.uniform(30, 60)), main, f"N35ZX25DJGH5CZ0N96ZZPKMB{n}0",
                     "entry", n))
    plan.sort(key=lambda item: item[0])
    for n, (when, checkin_list, code, kind, door) in enumerate(plan):
        device, email = DOORS[door]
        checkin.scan(people[email], checkin_list, code, f"demo-week-{n:04d}",
                     scan_type=kind, device=device, now=when)


# Mentor pool (创业导师库) -------------------------------------------------------------------


@dataclass
class MentorPlan:
    """A demo mentor (their title and affiliation are the person's job title and
    organization) and the year of office hours and coachings behind them."""

    person: Person
    org: str
    expertise: list[str]
    bio: str
    public: bool = True
    #: Coachings over the last year outside the contest's teams, how many of them lasted under
    #: 30 minutes and how many no mentee confirmed (two separate sets): the rest count for the
    #: mentor rule (`qualifying`).
    coachings: int = 0
    short: int = 0
    unconfirmed: int = 0
    #: Ratings received (a mentor's rating shows from 3 on) and the usual number of stars.
    ratings: int = 0
    stars: float = 4.5
    #: Office hours in the coming four weeks.
    upcoming: int = 2

    @property
    def qualifying(self) -> int:
        return self.coachings - self.short - self.unconfirmed


def _mentor(email: str, name: str, phone: str, affiliation: str, title: str,
            label: str | None = None) -> Person:
    return Person(email, name, phone, affiliation, title, label=label)


#: Twelve mentors in four pools. With the contest's teams (`ENTRY_COACHINGS`), 刘志远, 吴晓华,
#: 林海峰, 杜文斌 and 黄立军 (exactly 10) meet the default rule over the last year; the others
#: fall short: too few coachings, coachings nobody confirmed, or many quick ones.
MENTORS = [
    MentorPlan(
        _mentor("liuzhiyuan@example.com", "刘志远", "13804020001", "辽宁创新天使基金",
                "创始合伙人、天使投资人", label="创业导师 mentor"),
        MAKER_SPACE, ["融资", "商业模式", "股权设计"],
        "从业十五年的天使投资人，投资过 40 余个早期项目，其中 6 家已完成 B 轮以上融资。"
        "擅长帮助首次创业的团队梳理商业模式、设计股权结构、准备天使轮融资。",
        coachings=18, short=1, unconfirmed=2, ratings=9, stars=4.7, upcoming=3,
    ),
    MentorPlan(
        JUDGES[1],  # 吴晓华 judges the contest too: her coaching of a team is a conflict
        MAKER_SPACE, ["人工智能", "技术路线", "知识产权"],
        "东北大学计算机学院教授，主持国家重点研发计划项目两项，指导的学生团队获中国国际"
        "大学生创新大赛金奖。关注人工智能技术的产业化路径。",
        coachings=11, short=1, unconfirmed=1, ratings=6, stars=4.6,
    ),
    MentorPlan(
        _mentor("chensiyuan@example.com", "陈思远", "13804020003", "沈阳云启科技有限公司",
                "CTO"),
        MAKER_SPACE, ["技术路线", "产品研发", "数字化转型"],
        "沈阳云启科技有限公司 CTO，曾任互联网公司技术总监，带过百人研发团队。帮助硬科技和"
        "软件团队评估技术路线、搭建研发流程、控制研发成本。",
        coachings=12, short=1, unconfirmed=3, ratings=4, stars=4.2,
    ),
    MentorPlan(
        _mentor("zhaoyaqin@example.com", "赵雅琴", "13804020004", "辽宁正和律师事务所",
                "合伙人律师"),
        MAKER_SPACE, ["法律", "知识产权", "股权设计"],
        "辽宁正和律师事务所合伙人，专注公司股权、投融资和知识产权法律事务十余年，为 200 多家"
        "初创企业起草过股东协议和期权方案。",
        coachings=6, unconfirmed=1, ratings=3, stars=4.8,
    ),
    MentorPlan(
        _mentor("mengqinghua@example.com", "孟庆华", "13804020005", "辽宁中审会计师事务所",
                "注册会计师、合伙人"),
        MAKER_SPACE, ["财务", "税务", "融资"],
        "注册会计师、税务师。为入驻团队提供财务制度搭建、税务筹划和融资前的财务规范辅导，"
        "只对空间的入驻团队开放。",
        public=False, coachings=4, ratings=2, stars=4.5, upcoming=1,
    ),
    MentorPlan(
        _mentor("linhaifeng@example.com", "林海峰", "13804020006", "大连智海物联科技有限公司",
                "创始人、CEO"),
        XINGHAI, ["商业模式", "团队管理", "市场营销"],
        "连续创业者，两次创业均被并购退出，现任大连智海物联科技创始人。擅长从 0 到 1 的"
        "商业模式验证、早期团队搭建和面向企业客户的销售。",
        coachings=15, short=2, unconfirmed=1, ratings=7, stars=4.6, upcoming=3,
    ),
    MentorPlan(
        _mentor("suwanqing@example.com", "苏婉清", "13804020007",
                "大连万象消费品牌管理有限公司", "品牌合伙人、前市场总监"),
        XINGHAI, ["市场营销", "品牌", "电商运营"],
        "曾任知名消费品牌市场总监，操盘过多个年销售额过亿的新消费品牌。擅长品牌定位、"
        "新媒体营销和直播电商，常在空间做 20 分钟的快速答疑。",
        coachings=11, short=5, ratings=5, stars=4.4,
    ),
    MentorPlan(
        _mentor("qinguowei@example.com", "秦国伟", "13804020008", "大连海事大学", "教授"),
        XINGHAI, ["技术路线", "成果转化", "航运物流"],
        "大连海事大学教授，长期从事智能航运和港口物流研究，多项专利已完成转化。帮助高校"
        "团队把科研成果做成产品。",
        coachings=3, unconfirmed=1, ratings=1, stars=5.0, upcoming=1,
    ),
    MentorPlan(
        _mentor("duwenbin@example.com", "杜文斌", "13804020009", "大连理工大学",
                "教授、博士生导师"),
        UNIVERSITY_PARK, ["新材料", "技术路线", "成果转化"],
        "大连理工大学材料学院教授、博士生导师。关注新材料、新能源领域的科技成果转化，"
        "指导过 20 余个大学生创业团队。",
        coachings=11, short=1, unconfirmed=1, ratings=5, stars=4.5,
    ),
    MentorPlan(
        _mentor("hejing@example.com", "何婧", "13804020010", "大连知联知识产权代理有限公司",
                "专利代理师、总经理"),
        UNIVERSITY_PARK, ["知识产权", "专利布局", "法律"],
        "专利代理师。为科技园入驻企业做专利挖掘与布局、高新技术企业认定辅导，只对园区"
        "企业开放。",
        public=False, coachings=5, short=1, ratings=3, stars=4.3, upcoming=1,
    ),
    MentorPlan(
        _mentor("huanglijun@example.com", "黄立军", "13804020011", "沈阳机床集团",
                "教授级高级工程师、原总工程师"),
        INCUBATOR, ["智能制造", "技术路线", "供应链"],
        "曾任沈阳机床集团总工程师，三十年装备制造经验。帮助智能制造团队打磨产品，对接本地"
        "供应链和工厂客户。",
        coachings=9, ratings=4, stars=4.9,
    ),
    MentorPlan(
        _mentor("luomin@example.com", "罗敏", "13804020012", "浑南科创投资基金", "投资总监"),
        INCUBATOR, ["融资", "财务", "商业计划书"],
        "浑南科创投资基金投资总监，看过上千份商业计划书，主投智能制造和数字经济早期项目。"
        "擅长打磨商业计划书和融资路演。",
        coachings=7, short=1, unconfirmed=2, ratings=4, stars=3.9,
    ),
]

#: Who adds the mentors of each pool.
POOL_MANAGERS = {
    MAKER_SPACE: "organizer@example.com",
    XINGHAI: "xinghai@example.com",
    UNIVERSITY_PARK: "dlut@example.com",
    INCUBATOR: "hunnan@example.com",
}
#: Where each pool's mentors sit for office hours onsite.
MENTOR_ROOMS = {
    MAKER_SPACE: "沈阳市众创空间 3 楼导师工作室",
    XINGHAI: "大连星海众创空间 2 楼洽谈室",
    UNIVERSITY_PARK: "大连理工大学科技园 创新园大厦 B 座 302 室",
    INCUBATOR: "沈阳浑南科技孵化器 1 楼会客室",
}
ONLINE_ROOM = "腾讯会议（会议号在开始前发给预约人）"
WEEK_ROOM = "沈阳新世界博览馆 C 馆展区 导师坐诊台"

#: Office hours at the 创业周 (shown on its page): (mentor email, day of the week from 0,
#: hour, minutes, places). The first day's is over: one of its three bookers did not come.
WEEK_OFFICE_HOURS = [
    ("liuzhiyuan@example.com", 0, 14, 120, 4),
    ("liuzhiyuan@example.com", 2, 14, 120, 4),
    ("chensiyuan@example.com", 3, 10, 90, 3),
    ("zhaoyaqin@example.com", 2, 9, 60, 1),
]

#: What mentees bring, by the mentor's expertise.
TOPICS = {
    "融资": ["天使轮融资的节奏和估值", "投资条款清单逐条解读", "怎样找到合适的投资人"],
    "商业模式": ["商业模式画布梳理", "收入模式和定价策略", "从项目到公司的第一步"],
    "股权设计": ["创始团队的股权分配", "期权池怎么设", "引入合伙人的股权安排"],
    "人工智能": ["AI 产品的落地场景选择", "训练数据的获取与标注"],
    "技术路线": ["技术路线评估", "研发计划和里程碑", "技术团队怎么搭"],
    "知识产权": ["专利申请与布局", "商标和软件著作权登记", "技术秘密保护"],
    "产品研发": ["MVP 做到什么程度", "产品需求的优先级"],
    "数字化转型": ["制造企业数字化改造方案", "SaaS 产品的交付与运维"],
    "法律": ["股东协议要点", "劳动合同与竞业限制", "合同风险审查"],
    "财务": ["财务模型搭建", "融资前的财务规范", "现金流管理"],
    "税务": ["小微企业税收优惠", "研发费用加计扣除"],
    "团队管理": ["早期团队的分工与激励", "合伙人之间的分歧怎么处理"],
    "市场营销": ["冷启动获客", "企业客户的销售打法", "新媒体营销"],
    "品牌": ["品牌定位与命名", "包装与视觉"],
    "电商运营": ["直播电商起步", "电商平台选品"],
    "成果转化": ["科研成果转化的路径", "高校专利作价入股"],
    "航运物流": ["港口物流场景的客户验证"],
    "新材料": ["新材料的中试与量产", "材料项目的客户认证周期"],
    "专利布局": ["核心专利的挖掘", "高新技术企业认定"],
    "智能制造": ["智能产线改造方案", "工业客户的试点合作"],
    "供应链": ["本地供应链对接", "小批量试产的供应商选择"],
    "商业计划书": ["商业计划书逐页修改", "路演 PPT 和讲稿"],
}
NOTES = [
    "梳理了当前的主要问题，约定两周后再看进展。",
    "给了三条具体的修改建议，团队会后整理成待办清单。",
    "推荐了两位可以对接的行业专家。",
    "讨论了下一阶段的里程碑和需要的资源。",
    "",
]
COMMENTS = {
    5: ["非常有收获，问题讲得很透。", "导师很有耐心，建议都很实用。",
        "一次辅导解决了我们纠结很久的问题。", ""],
    4: ["很有帮助，希望时间能再长一点。", "建议很中肯，有些还需要消化。", ""],
    3: ["有一些启发，但和我们的行业不太贴合。", "内容偏宏观，希望更具体一些。"],
    2: ["时间太短，没讲到重点。"],
    1: ["导师迟到了半小时，基本没有交流。"],
}

#: Contest teams the mentors coached, by their leaders (the participant of that email leads the
#: entry): (mentor email, entry title, leader, days ago, minutes, topic, confirmed).
ENTRY_COACHINGS = [
    ("judge2@example.com", "基于大模型的企业知识库问答平台", "yangfan", 75, 60,
     "大模型私有化部署的技术路线", True),
    ("judge2@example.com", "面向中小企业的工业互联网设备管理平台", "zhangwei", 40, 45,
     "设备数据的 AI 分析方案", True),
    ("liuzhiyuan@example.com", "面向中小企业的工业互联网设备管理平台", "zhangwei", 60, 60,
     "天使轮融资的节奏和估值", True),
    ("liuzhiyuan@example.com", "面向中小企业的工业互联网设备管理平台", "zhangwei", 12, 45,
     "大赛路演稿的商业模式部分", False),
    ("duwenbin@example.com", "氢燃料电池双极板精密冲压工艺", "lina", 90, 60,
     "双极板工艺的专利布局", True),
    ("duwenbin@example.com", "氢燃料电池双极板精密冲压工艺", "lina", 30, 90,
     "从实验室样品到中试线", True),
    ("huanglijun@example.com", "工业机器人高精度柔性装配平台", "liuyang", 50, 60,
     "柔性装配的首批客户验证", True),
    ("luomin@example.com", "芯片封装用高导热陶瓷基板", "machao", 25, 60,
     "商业计划书的财务预测", True),
    ("linhaifeng@example.com", "港口集装箱无人集卡调度系统", "helei", 35, 45,
     "港口客户的销售周期", True),
    ("suwanqing@example.com", "辽西小米全产业链品牌打造", "chenjing", 45, 30,
     "区域公用品牌的定位", True),
]
#: The leaders of the coached entries: {entry title: participant's email local part}.
LEADERS = {title: leader for _, title, leader, *_ in ENTRY_COACHINGS}


@contextmanager
def no_mail() -> Iterator[None]:
    """The demo's people get no mail: drop what the services queued in the ``with`` body
    (mentees asked to confirm a coaching, bookers told of a booking)."""
    last = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
    yield
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id > last))


@dataclass
class _Year:
    """What loading the mentors' year needs: repeatable chance, the moment it is, the
    people who book and get coached, and who books what is still to come."""

    rng: random.Random
    today: date
    now: datetime
    mentees: list[User]
    #: People who may book upcoming office hours (zhangwei books his own, for his entry).
    bookers: list[User]


def load_mentors(organizations: dict[str, Organization], week_: Event, contest_: Event,
                 today: date, past_year: bool = True) -> None:
    """The four pools' twelve mentors with (``past_year``) a year of office hours, bookings
    (some cancelled, some no-shows), coachings (some not confirmed, some short) and ratings,
    and office hours to come at the spaces, online and at the 创业周, unless there are mentors
    already. Every row goes through the mentor services, with the time it happened as
    ``now``."""
    if db.session.scalar(sa.select(Mentor.id).limit(1)) is not None:
        return
    rng = random.Random(2029)
    named = [accounts.find_user_by_email(f"{p[1]}@example.com") for p in PARTICIPANTS]
    guests = list(db.session.scalars(
        sa.select(User).where(User.email.like("guest0%")).order_by(User.email).limit(40)))
    zhangwei = accounts.find_user_by_email("zhangwei@example.com")
    year = _Year(rng, today, datetime.now(UTC), named + guests,
                 [u for u in named + guests if u.id != zhangwei.id])
    with no_mail():
        pool = {}
        for plan in MENTORS:
            manager = accounts.find_user_by_email(POOL_MANAGERS[plan.org])
            user = accounts.find_user_by_email(plan.person.email)
            pool[plan.person.email] = mentor = mentors.add_mentor(
                manager, organizations[plan.org], user.email, user.name,
                mentors.ProfileInfo(title=plan.person.job_title,
                                    affiliation=plan.person.organization,
                                    expertise=plan.expertise, bio=plan.bio, public=plan.public))
            if past_year:
                _mentor_year(plan, mentor, year)
        _week_office_hours(pool, week_, year)
        for plan in MENTORS:
            _upcoming(plan, pool[plan.person.email], year)
    if tracks_of(contest_):  # a demo loaded before it had mentors: coach its teams now
        coach_entries({entry.title: entry for entry in entries_of(contest_)}, today)


def _topic(mentor: Mentor, rng: random.Random) -> str:
    return rng.choice(TOPICS[rng.choice(mentor.expertise)])


def _mentor_year(plan: MentorPlan, mentor: Mentor, year: _Year) -> None:
    """The mentor's last year, oldest first: coachings at booked office hours (a few of them
    group sessions) and by phone or online without one, office hours with a no-show, with a
    cancelled booking or with nobody, as the plan's numbers say. The latest coachings wait
    for their mentees' confirmation."""
    rng = year.rng
    via_slot = round(plan.coachings * 0.6)
    kinds = (["slot"] * via_slot + ["direct"] * (plan.coachings - via_slot)
             + ["no_show"] * rng.randint(1, 2) + ["cancelled"] * rng.randint(1, 2) + ["empty"])
    rng.shuffle(kinds)
    days = sorted(rng.sample(range(4, 358), len(kinds)), reverse=True)
    coached = [n for n, kind in enumerate(kinds) if kind in ("slot", "direct")]
    recent = coached[len(coached) - plan.unconfirmed // 2:] if plan.unconfirmed > 1 else []
    unconfirmed = set(recent) | set(rng.sample([n for n in coached if n not in recent],
                                               plan.unconfirmed - len(recent)))
    confirmed = [n for n in coached if n not in unconfirmed]
    short = set(rng.sample(confirmed, plan.short))
    rated = set(rng.sample(confirmed, plan.ratings))
    previous: datetime | None = None
    for n, (kind, ago) in enumerate(zip(kinds, days, strict=True)):
        start = at(year.today - timedelta(days=ago), rng.choice([9, 10, 14, 15, 16, 19]))
        outcome = Outcome(coached=kind in ("slot", "direct"), confirmed=n not in unconfirmed,
                          short=n in short, rated=n in rated)
        if kind == "direct":
            mode = rng.choice([CoachingMode.phone, CoachingMode.online, CoachingMode.onsite])
            _coach(mentor, rng.sample(year.mentees, 1), start, mode, _topic(mentor, rng),
                   outcome, year)
            continue
        group = kind == "slot" and rng.random() < 0.15
        online = rng.random() < 0.35
        slot = mentors.add_slot(
            mentor.user, mentor, start, start + timedelta(minutes=90 if group else 60),
            SlotMode.online if online else SlotMode.onsite,
            ONLINE_ROOM if online else MENTOR_ROOMS[plan.org], 3 if group else 1)
        slot.created_at = start - timedelta(days=14)
        if kind != "empty":
            bookers = rng.sample(year.mentees, rng.randint(2, 3) if group else 1)
            _hold(slot, bookers, kind, outcome, previous, year)
        previous = start


@dataclass
class Outcome:
    """How one coaching turned out."""

    coached: bool = True
    confirmed: bool = True
    short: bool = False
    rated: bool = False


def _hold(slot: MentorSlot, bookers: list[User], kind: str, outcome: Outcome,
          previous: datetime | None, year: _Year) -> None:
    """Book a past office hour some hours or days ahead (after the mentor's previous one
    began, so no booking of theirs was still to come) and let it happen: a no-show, a
    cancelled booking, or a coaching of the bookers who came."""
    rng, start, mentor = year.rng, slot.starts_at, slot.mentor
    booked_at = start - timedelta(hours=rng.randint(5, 96))
    if previous is not None:
        booked_at = max(booked_at, previous + timedelta(hours=1))
    topic = _topic(mentor, rng)
    bookings = [mentors.book(user, slot, topic, now=booked_at + timedelta(minutes=17 * n))
                for n, user in enumerate(bookers)]
    if kind == "cancelled":
        mentors.cancel_booking(bookers[0], bookings[0],
                               now=booked_at + (start - booked_at) / 2)
    elif kind == "no_show":
        mentors.mark_no_show(mentor.user, bookings[-1], now=start + timedelta(minutes=15))
        if len(bookings) > 1:
            _coach(mentor, bookers[:-1], start, CoachingMode(slot.mode.value), topic, outcome,
                   year, booking_id=bookings[0].id)
    elif outcome.coached:
        _coach(mentor, bookers, start, CoachingMode(slot.mode.value), topic, outcome, year,
               booking_id=bookings[0].id)


def _coach(
    mentor: Mentor, mentees: list[User], start: datetime, mode: CoachingMode, topic: str,
    outcome: Outcome, year: _Year, booking_id: int | None = None, entry_id: int | None = None,
    minutes: int | None = None,
) -> MentorCoaching:
    """Log a coaching the day it happened; its first mentee confirms it a day or two later
    and rates it as the outcome says."""
    rng = year.rng
    if minutes is None:
        minutes = rng.choice([15, 20, 25] if outcome.short else [30, 40, 45, 50, 60])
    coaching = mentors.log_coaching(mentor.user, mentor, mentors.CoachingInfo(
        mentee_ids=[user.id for user in mentees], started_at=start, minutes=minutes, mode=mode,
        topic=topic, notes=rng.choice(NOTES), booking_id=booking_id, entry_id=entry_id))
    logged = min(start + timedelta(minutes=minutes, hours=rng.randint(1, 20)), year.now)
    coaching.created_at = logged
    if outcome.confirmed:
        confirmed = min(logged + timedelta(hours=rng.randint(1, 40)), year.now)
        mentors.confirm_coaching(mentees[0], coaching, now=confirmed)
        if outcome.rated:
            plan = next(p for p in MENTORS if p.person.email == mentor.user.email)
            stars = max(1, min(5, round(rng.gauss(plan.stars, 0.7))))
            rating = mentors.rate_coaching(mentees[0], coaching, stars,
                                           rng.choice(COMMENTS[stars]))
            rating.created_at = confirmed
    return coaching


def _week_office_hours(pool: dict[str, Mentor], week_: Event, year: _Year) -> None:
    """Office hours at the 创业周's exhibition hall: the first day's is over (three booked,
    one did not come, the other two were coached together and have not confirmed it yet);
    those to come are partly booked."""
    first_day = week_.starts_at.astimezone(TZ).date()
    for email, day, hour, minutes, places in WEEK_OFFICE_HOURS:
        mentor = pool[email]
        start = at(first_day + timedelta(days=day), hour)
        slot = mentors.add_slot(mentor.user, mentor, start, start + timedelta(minutes=minutes),
                                SlotMode.onsite, WEEK_ROOM, places, event_id=week_.id)
        if start < year.now:
            slot.created_at = start - timedelta(days=10)
            previous = db.session.scalar(
                sa.select(MentorSlot.starts_at).where(MentorSlot.mentor_id == mentor.id,
                                                      MentorSlot.starts_at < start)
                .order_by(MentorSlot.starts_at.desc()).limit(1))
            _hold(slot, year.rng.sample(year.mentees, min(places, 3)), "no_show",
                  Outcome(confirmed=False), previous, year)
        elif places > 1:
            _book_ahead(slot, year.rng.sample(year.bookers, places // 2), year)


def _book_ahead(slot: MentorSlot, bookers: list[User], year: _Year) -> None:
    """Book an office hour still to come, now, for people without another upcoming booking
    with this mentor."""
    taken = set(db.session.scalars(
        sa.select(MentorBooking.user_id).join(MentorBooking.slot).where(
            MentorSlot.mentor_id == slot.mentor_id, MentorSlot.starts_at > year.now,
            MentorBooking.status == BookingStatus.booked)))
    for user in bookers:
        if user.id not in taken:
            mentors.book(user, slot, _topic(slot.mentor, year.rng))


def _upcoming(plan: MentorPlan, mentor: Mentor, year: _Year) -> None:
    """The mentor's office hours in the coming four weeks: the first one booked (a group
    clinic for the busiest mentors, half full), the second booked and then cancelled by
    its booker for every other mentor, so its place is free again, the rest free."""
    rng = year.rng
    days = sorted(rng.sample(range(4, 29), plan.upcoming))
    for n, day in enumerate(days):
        online = n % 2 == 1
        group = n == 0 and plan.upcoming >= 3
        start = at(year.today + timedelta(days=day), rng.choice([10, 14, 15, 19]))
        slot = mentors.add_slot(
            mentor.user, mentor, start, start + timedelta(minutes=90 if group else 60),
            SlotMode.online if online else SlotMode.onsite,
            ONLINE_ROOM if online else MENTOR_ROOMS[plan.org], 6 if group else 1)
        if n == 0:
            _book_ahead(slot, rng.sample(year.bookers, 3 if group else 1), year)
        elif n == 1 and MENTORS.index(plan) % 2 == 0:
            _book_ahead(slot, rng.sample(year.bookers, 1), year)
            for booking in db.session.scalars(
                sa.select(MentorBooking).where(MentorBooking.slot_id == slot.id)
            ):
                mentors.cancel_booking(booking.user, booking)


def coach_entries(entries: dict[str, Entry], today: date) -> None:
    """Mentors coached some contest teams before the contest (the entry is on the coaching):
    吴晓华, a judge of the contest, coached 智问科技, so she is in conflict with it. zhangwei has
    one coaching to confirm, and books an office hour of 陈思远 for his entry."""
    rng = random.Random(2030)
    year = _Year(rng, today, datetime.now(UTC), [], [])
    with no_mail():
        for email, title, leader, ago, minutes, topic, confirmed in ENTRY_COACHINGS:
            mentor = db.session.scalar(sa.select(Mentor).join(Mentor.user)
                                       .where(User.email == email).order_by(Mentor.id))
            mentee = accounts.find_user_by_email(f"{leader}@example.com")
            _coach(mentor, [mentee], at(today - timedelta(days=ago), 15),
                   CoachingMode.onsite, topic,
                   Outcome(confirmed=confirmed, rated=leader == "zhangwei" and confirmed),
                   year, entry_id=entries[title].id, minutes=minutes)
        zhangwei = accounts.find_user_by_email("zhangwei@example.com")
        chen = db.session.scalar(sa.select(Mentor).join(Mentor.user)
                                 .where(User.email == "chensiyuan@example.com"))
        free = [slot for slot, booked in mentors.slots_of(chen, start=year.now)
                if booked < slot.capacity and slot.event_id is None]
        if free:
            mentors.book(zhangwei, free[0], "数据采集网关的技术选型",
                         entry_id=entries["面向中小企业的工业互联网设备管理平台"].id)


# Contest judging ---------------------------------------------------------------------------

TRACKS = ["科技创新组", "乡村振兴组"]

#: Per track: (project title, team name, institution, summary).
ENTRIES = {
    "科技创新组": [
        ("基于机器视觉的钢板表面缺陷在线检测系统", "钢眼智检团队", "东北大学",
         "用深度学习识别热轧钢板表面的裂纹、结疤和划伤，检出率 98% 以上，已在鞍钢产线试用。"),
        ("工业机器人高精度柔性装配平台", "灵巧手科技", "沈阳工业大学",
         "力控与视觉融合的柔性装配，适配多品种小批量的汽车零部件生产。"),
        ("船舶尾气脱硫脱硝一体化装置", "海清环保团队", "大连海事大学",
         "一套装置同时脱硫脱硝，体积比传统方案小 40%，满足国际海事组织排放新规。"),
        ("氢燃料电池双极板精密冲压工艺", "氢动未来", "大连理工大学",
         "超薄金属双极板一次成形，良品率从 70% 提升到 95%，成本降低三成。"),
        ("航空发动机叶片激光增材修复", "凤羽再制造", "沈阳航空航天大学",
         "激光熔覆修复受损叶片，修复件性能达到新件的 95%，周期缩短一半。"),
        ("面向中小企业的工业互联网设备管理平台", "云机联", "沈阳智造科技有限公司",
         "低成本网关接入老旧机床，实时采集开机率和能耗，按月订阅。"),
        ("医学影像肺结节智能辅助诊断", "明鉴医疗 AI", "中国医科大学",
         "CT 影像肺结节检出与良恶性评估，已在三家三甲医院开展临床验证。"),
        ("新型抗肿瘤小分子靶向药物研发", "药研先锋", "沈阳药科大学",
         "自主设计的 KRAS 抑制剂完成临床前研究，正在申报临床试验。"),
        ("港口集装箱无人集卡调度系统", "智港物流团队", "大连海事大学",
         "多车协同路径规划与远程监控，降低码头水平运输成本 25%。"),
        ("高性能锂电池硅碳负极材料", "硅能新材", "辽宁大学",
         "低成本制备硅碳复合负极，首效 90% 以上，循环寿命超过 1000 次。"),
        ("面向老年人的跌倒监测毫米波雷达", "安康守护", "东北大学",
         "非接触式毫米波雷达监测跌倒与呼吸，保护隐私，适合居家和养老机构。"),
        ("数控机床热误差补偿软件", "精工算法", "大连理工大学",
         "基于温度场建模的实时补偿，加工精度提升 40%，无需改动机床硬件。"),
        ("工业废水中重金属的电化学回收技术", "绿源环科", "沈阳工业大学",
         "从电镀废水中回收铜、镍等金属，回收率 95%，出水达到排放标准。"),
        ("基于大模型的企业知识库问答平台", "智问科技", "大连海创信息技术有限公司",
         "私有化部署的大模型知识库，为制造企业提供设备维修和工艺问答。"),
        ("可降解镁合金骨科植入物", "镁骨生物", "东北大学",
         "可在体内逐步降解的镁合金骨钉，免去二次取出手术。"),
        ("风电叶片无人机智能巡检", "御风巡检", "沈阳航空航天大学",
         "无人机自动航线拍摄与缺陷识别，巡检效率是人工的 10 倍。"),
        ("芯片封装用高导热陶瓷基板", "瓷芯材料", "鞍山绿能新材料有限公司",
         "氮化铝陶瓷基板国产化，导热率达 170 W/m·K，已向两家封装企业送样。"),
        ("智能电网配电房巡检机器人", "电卫士团队", "沈阳新松机器人自动化股份有限公司",
         "轨道式巡检机器人自动读表、测温和局放检测，替代人工夜间巡检。"),
        ("海洋牧场水下环境监测浮标", "蓝海感知", "大连理工大学",
         "实时监测溶解氧、水温和叶绿素，数据上云，为海参养殖预警。"),
        ("手语实时翻译智能眼镜", "手语通", "辽宁大学",
         "摄像头识别手语并转为语音和字幕，帮助听障人士日常交流。"),
    ],
    "乡村振兴组": [
        ("盘锦稻蟹共生生态种养模式推广", "稻香蟹肥合作社", "盘锦禾丰农业合作社",
         "稻田养蟹、蟹粪肥田，亩均增收 1500 元，已带动 120 户农户。"),
        ("设施农业大棚环境智能调控系统", "棚里智控", "沈阳农业大学",
         "温湿度、光照和二氧化碳自动调控，手机远程管理，节省人工 60%。"),
        ("辽西小米全产业链品牌打造", "朝阳谷香", "辽宁大学",
         "从订单种植到深加工和电商销售，打造辽西小米区域公用品牌。"),
        ("东北黑土地保护性耕作技术服务", "沃土农服", "沈阳农业大学",
         "秸秆覆盖免耕播种的整体托管服务，已服务 3 万亩黑土地。"),
        ("丹东草莓冷链物流与产地直发", "莓好冷链", "丹东东港鲜果物流有限公司",
         "产地预冷加冷链直发，损耗率从 20% 降到 5%，草莓 48 小时到达全国。"),
        ("乡村非遗满族剪纸文创开发", "剪艺坊", "沈阳师范大学",
         "与非遗传承人合作开发文创产品，带动农村妇女居家就业。"),
        ("海参育苗病害快速检测试剂盒", "参康生物", "大连海洋大学",
         "现场 30 分钟检出海参常见病原，帮助育苗场及早防治。"),
        ("林下参规范化种植与溯源", "山林参宝", "本溪生物医药产业园",
         "林下山参标准化种植，区块链溯源，提升辽参品牌价值。"),
        ("县域电商直播助农服务平台", "乡播帮", "辽宁大学",
         "培训村民直播带货，统一选品、质检和售后，已孵化 200 名乡村主播。"),
        ("农村生活污水分散式处理设备", "清溪环保", "沈阳工业大学",
         "一体化小型处理设备，适合分散村屯，运维成本低，出水可回用灌溉。"),
        ("玉米秸秆生物质颗粒燃料", "秸能科技", "铁岭绿源能源有限公司",
         "秸秆收储加压制成颗粒燃料，替代散煤，减少秸秆焚烧。"),
        ("寒地水稻良种选育与推广", "寒稻良种", "沈阳农业大学",
         "选育耐寒高产水稻新品种，较主栽品种增产 8%，已通过省级审定。"),
        ("乡村民宿集群数字化运营", "栖乡民宿", "大连海创信息技术有限公司",
         "为村集体民宿提供统一预订、定价和服务标准，提升入住率。"),
        ("农产品无损检测分级分选线", "慧眼分选", "大连理工大学",
         "近红外无损检测苹果糖度和内部缺陷，自动分级，优果售价提高 30%。"),
        ("蓝莓深加工与功能食品研发", "蓝莓工坊", "沈阳药科大学",
         "蓝莓花青素提取与功能饮品开发，延长产业链，消化次果。"),
        ("智慧养牛耳标与健康监测", "牧云科技", "东北大学",
         "智能耳标监测体温和运动量，提前发现发情和疾病，降低养殖损失。"),
        ("辽东山区中药材种植合作社", "药香山村", "丹东宽甸药材合作社",
         "五味子、细辛规范化种植，与药企签订保底收购，带动脱贫户增收。"),
        ("农村留守儿童线上美育课堂", "彩虹桥支教团", "沈阳师范大学",
         "大学生志愿者线上授课，为 30 所乡村学校提供音乐和美术课程。"),
        ("北方设施蔬菜病虫害绿色防控", "绿盾植保", "沈阳农业大学",
         "天敌昆虫和生物农药综合防控，减少化学农药使用 50%。"),
        ("渔村海洋垃圾回收再生利用", "蔚蓝再生", "大连海事大学",
         "回收废旧渔网再生为尼龙原料，兼顾渔民增收和海洋环境保护。"),
    ],
}

ROLES = ["项目负责人", "技术负责人", "市场负责人", "财务负责人", "运营负责人"]

#: (email, institution, expertise). Every judge is in `JUDGES`, with the demo password.
JUDGE_PANEL = [
    ("judge1@example.com", "辽宁省天使投资协会", ["投资", "商业模式", "科技创新"]),
    ("judge2@example.com", "东北大学", ["人工智能", "智能制造", "科技创新"]),
    ("judge3@example.com", "盛京银行科技金融部", ["科技金融", "财务"]),
    ("judge4@example.com", "大连理工大学", ["新材料", "新能源", "科技创新"]),
    ("judge5@example.com", "沈阳农业大学", ["现代农业", "乡村振兴"]),
    ("judge6@example.com", "沈阳新松机器人自动化股份有限公司", ["机器人", "智能制造"]),
    ("judge7@example.com", "辽宁省农业科学院", ["农产品加工", "乡村振兴"]),
    ("judge8@example.com", "盛京天使基金", ["投资", "消费"]),
    ("judge9@example.com", "辽宁省科技成果转化服务中心", ["成果转化", "产业政策"]),
]
#: Multipliers of the judges' scores: one strict, one generous.
HARSH, LENIENT = "judge3@example.com", "judge8@example.com"
BIAS = {HARSH: 0.85, LENIENT: 1.15}

#: (judge email, entry title, reason)
DECLARED_CONFLICTS = [
    ("judge1@example.com", "面向中小企业的工业互联网设备管理平台",
     "协会曾为该公司提供天使轮融资顾问服务。"),
    ("judge8@example.com", "丹东草莓冷链物流与产地直发", "基金已投资该公司。"),
]

#: (name, max points, weight, description)
ONLINE_RUBRIC = [
    ("创新性", 10, 25, "技术、产品或模式的创新程度与知识产权情况"),
    ("技术可行性", 10, 20, "技术路线是否成熟，研发进展与验证情况"),
    ("商业模式", 10, 20, "盈利模式是否清晰，成本与收入测算是否合理"),
    ("市场前景", 10, 15, "目标市场规模、竞争格局和增长空间"),
    ("团队能力", 10, 10, "团队结构、专业背景和执行力"),
    ("社会效益", 10, 10, "带动就业、乡村振兴、节能环保等社会价值"),
]
FINAL_RUBRIC = [
    ("创新与技术", 10, 30, "核心技术的先进性与壁垒"),
    ("商业价值", 10, 25, "市场空间、商业模式和财务表现"),
    ("团队执行力", 10, 20, "团队完整性和已取得的进展"),
    ("路演表现", 10, 15, "表达清晰，重点突出，时间控制得当"),
    ("答辩", 10, 10, "回答评委提问准确、有说服力"),
]
ONLINE_ROUND, FINAL_ROUND = "网评", "决赛路演"


def load_judging(organizer: User, contest_: Event, today: date) -> None:
    """The contest's judging, unless it has tracks already: two tracks of 20 entries (some
    led by demo participants), nine judges (conflicts declared, by institution, and judge2's
    as the mentor who coached two teams, `coach_entries`), the online round scored, closed and
    published, and the final round open and partly scored. Everything goes through the
    judging services, so their rules (conflicts, the scoring window, versions) hold."""
    if tracks_of(contest_):
        return
    rng = random.Random(2028)
    entries = _load_entries(organizer, contest_, rng)
    judges = _load_judges(organizer, contest_)
    for email, title, reason in DECLARED_CONFLICTS:
        declare_conflict(organizer, contest_, judges[email].id, entries[title].id,
                                 reason)
    coach_entries(entries, today)  # before the rounds: the mentor's conflict applies to them
    users = {email: judge.user for email, judge in judges.items()}
    quality = {entry.id: rng.uniform(0.5, 0.93) for entry in entries.values()}
    online = _online_round(organizer, contest_, today, users, quality, rng)
    _final_round(organizer, contest_, online, users, quality, rng)


def _member_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _load_entries(organizer: User, contest_: Event, rng: random.Random) -> dict[str, Entry]:
    entries = {}
    for track_name in TRACKS:
        track = create_track(organizer, contest_, track_name)
        for title, team, institution, summary in ENTRIES[track_name]:
            members = [{"name": _member_name(rng), "role": role}
                       for role in ROLES[: rng.randint(3, 5)]]
            if institution.endswith("大学"):
                members.append({"name": _member_name(rng), "role": "指导教师"})
            leader = accounts.find_user_by_email(f"{LEADERS[title]}@example.com") if (
                title in LEADERS) else None
            entries[title] = create_entry(
                organizer, contest_,
                EntryInfo(title=title, track_id=track.id, team_name=team,
                          institution=institution, summary=summary, members=members,
                          leader_id=leader.id if leader else None),
            )
    return entries


def _load_judges(organizer: User, contest_: Event) -> dict[str, Judge]:
    judges = {}
    for email, institution, expertise in JUDGE_PANEL:
        # The demo's judges sign in with the demo password: no invitation mail goes out.
        judges[email], _ = invite_judge(organizer, contest_, email,
                                                institution=institution, expertise=expertise,
                                                notify=False)
        # They judge the demo's rounds: they have accepted (organizers see their names).
        accept_invitation(judges[email].user, judges[email])
    return judges


def _rubric(organizer: User, round_: Round, rubric: Sequence[tuple[str, int, int, str]]) -> None:
    for name, max_points, weight, description in rubric:
        add_criterion(organizer, round_, name, max_points, weight, description)


def _scores(round_: Round, quality: float, bias: float, rng: random.Random) -> dict[str, float]:
    """A judge's scores of an entry: its quality, the judge's bias and some noise, in halves."""
    scores = {}
    for criterion in round_.criteria:
        value = criterion.max_points * quality * bias * rng.gauss(1, 0.07)
        scores[str(criterion.id)] = min(max(round(value * 2) / 2, 0.0), criterion.max_points)
    return scores


def _online_round(
    organizer: User, contest_: Event, today: date, users: dict[str, User],
    quality: dict[int, float], rng: random.Random,
) -> Round:
    """网评: five judges per entry, anonymous, every scorecard submitted while it was open;
    then closed and published with a week of public notice. In the first track every judge
    without a conflict in it scores all its entries (five judges), so the statistics have its
    Kendall's W; the second track's judges are assigned automatically (load balanced), and its
    W cannot be computed (the statistics page says why)."""
    opens, closes = at(today - timedelta(days=20), 9), at(today - timedelta(days=6), 18)
    round_ = create_round(organizer, contest_, RoundInfo(
        name=ONLINE_ROUND, aggregation="trimmed_mean", advance_top_n=8, anonymous=True,
        opens_at=opens, closes_at=closes))
    _rubric(organizer, round_, ONLINE_RUBRIC)
    open_round(organizer, round_, now=opens)
    _whole_track_panel(organizer, round_, TRACKS[0])
    auto_assign(organizer, round_, 5)
    by_id = users_by_id(users)
    for assignment in assignments_of(round_):
        user = by_id[assignment.judge.user_id]
        when = opens + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 10),
                                 minutes=rng.randint(0, 59))
        save_scorecard(
            user, round_, assignment.entry,
            _scores(round_, quality[assignment.entry_id], BIAS.get(user.email, 1.0), rng),
            submit=True, now=when,
        )
    close_round(organizer, round_)
    publish_round(organizer, round_, notice_ends_at=at(today + timedelta(days=7), 18))
    return round_


def _whole_track_panel(organizer: User, round_: Round, track_name: str) -> None:
    """Assign every judge without a conflict in the track to every entry of it (docs/JUDGING.md
    §5: Kendall's W needs every judge of a track to score every entry)."""
    [track] = [t for t in tracks_of(round_.event) if t.name == track_name]
    entries = [e for e in round_entries(round_) if e.track_id == track.id]
    for judge in judges_of(round_.event):
        if not any(is_conflicted(judge, entry) for entry in entries):
            for entry in entries:
                assign(organizer, round_, judge.id, entry.id)


def users_by_id(users: dict[str, User]) -> dict[int, User]:
    return {user.id: user for user in users.values()}


def _final_round(
    organizer: User, contest_: Event, online: Round, users: dict[str, User],
    quality: dict[int, float], rng: random.Random,
) -> Round:
    """决赛路演, live: the entries the online round advanced in an order drawn by lot, every
    judge without a conflict, open, "8+7" minutes, 去掉最高分和最低分. The first entries
    have pitched and every judge submitted; the one on stage has just finished (judges are
    scoring: some submitted, judge1 has a draft); judge1 has drafted the next one too, and
    the others are still to come."""
    round_ = create_round(organizer, contest_, RoundInfo(
        name=FINAL_ROUND, aggregation="trimmed_mean"))
    _rubric(organizer, round_, FINAL_RUBRIC)
    advanced = [line["entry_id"]
                for track in round_results(online, online.aggregation.value)["tracks"]
                for line in track["entries"] if line["advances"]]
    set_round_entries(organizer, round_, advanced)
    open_round(organizer, round_)
    auto_assign(organizer, round_, len(users))
    order = sorted(advanced)
    rng.shuffle(order)  # 抽签 (the demo's draw is repeatable; the control panel's uses secrets)
    roadshow.set_order(organizer, round_, order)
    place = {entry_id: i for i, entry_id in enumerate(order)}
    by_id = users_by_id(users)
    for assignment in assignments_of(round_):
        user = by_id[assignment.judge.user_id]
        if is_conflicted(assignment.judge, assignment.entry):
            continue
        state = _final_state(place[assignment.entry_id], user.email == "judge1@example.com", rng)
        if state is None:
            continue
        scores = _scores(round_, quality[assignment.entry_id], BIAS.get(user.email, 1.0), rng)
        if state == "draft":  # half done: the last criteria not scored yet
            scores = dict(list(scores.items())[: rng.randint(2, 4)])
        save_scorecard(user, round_, assignment.entry, scores,
                               submit=state == "submitted")
    _stage(organizer, round_, order[ON_STAGE])
    return round_


#: The place (from 0) in the order of appearance of the entry on stage in the demo's final.
ON_STAGE = 3


def _final_state(place: int, judge1: bool, rng: random.Random) -> str | None:
    """A judge's scorecard of the entry at ``place`` in the final so far."""
    if place < ON_STAGE:
        return "submitted"
    if place == ON_STAGE:
        return "draft" if judge1 else rng.choices(["submitted", "draft", None], [6, 1, 1])[0]
    return "draft" if judge1 and place == ON_STAGE + 1 else None


def _stage(organizer: User, round_: Round, entry_id: int) -> None:
    """The entry on stage pitched (8 minutes) and answered questions (7): judges score now."""
    start = datetime.now(UTC) - timedelta(minutes=16)
    roadshow.set_durations(organizer, round_, 8 * 60, 7 * 60)
    roadshow.show_entry(organizer, round_, entry_id)
    roadshow.start_pitch(organizer, round_, now=start)
    roadshow.start_qa(organizer, round_, now=start + timedelta(minutes=8, seconds=12))
    roadshow.finish_entry(organizer, round_, now=start + timedelta(minutes=14, seconds=40))


# Investors at the final (融资对接) ------------------------------------------------------------

#: The contest's categories: (name, places, approval, investor). Its investors mark entries.
CONTEST_CATEGORIES = [
    ("参赛团队", None, False, False),
    ("观众", None, False, False),
    ("投资人", 20, True, True),
]
INVESTORS = [
    Person("investor1@example.com", "韩冰", "13904030001", "辽宁科技创业投资有限责任公司",
           "投资总监", label="投资人 investor1..investor3"),
    Person("investor2@example.com", "宋立峰", "13904030002", "大连海创投资管理有限公司",
           "合伙人"),
    Person("investor3@example.com", "沈佳慧", "13904030003", "沈阳国科创新创业投资基金",
           "投资经理"),
]
#: Marks on the live final's entries by their place in the order of appearance (the first
#: four have pitched): (investor email, place, level, consents to share contacts).
INVESTOR_MARKS = [
    ("investor1@example.com", 0, "interested", False),
    ("investor1@example.com", 2, "meeting", True),
    ("investor1@example.com", 3, "bp", True),
    ("investor2@example.com", 1, "bp", True),
    ("investor2@example.com", 2, "interested", False),
    ("investor3@example.com", 0, "meeting", True),
    ("investor3@example.com", 1, "interested", False),
    ("investor3@example.com", 3, "interested", False),
]
#: zhangwei's team: investor1 wants to meet it and zhangwei accepted (对接成功); investor2
#: asked for its business plan, which zhangwei has yet to accept; investor3 is interested.
CONNECTED_ENTRY = "面向中小企业的工业互联网设备管理平台"
CONNECTED_MARKS = [
    ("investor1@example.com", "meeting", True, "想约个时间到公司看看产线，方便的话请回电。"),
    ("investor2@example.com", "bp", True, "请把最新的商业计划书发到我的邮箱。"),
    ("investor3@example.com", "interested", False, ""),
]


def ensure_contest_form(actor: User, contest_: Event) -> None:
    """The contest's categories (teams, audience, investors who need approval), unless it has
    some."""
    if queries.categories_of(contest_):
        return
    for name, places, approval, investor in CONTEST_CATEGORIES:
        form_builder.save_category(actor, contest_, name, places, approval, investor=investor)


def load_investors(organizer: User, contest_: Event) -> None:
    """Three investors approved in the contest's investor category who, during the live final,
    marked entries that pitched (感兴趣 / 想约谈 / 要BP, most of them agreeing to share their
    contacts) and zhangwei's team, which accepted one of them; unless someone marked already.
    Through the registration and investor services, mail dropped."""
    if db.session.scalar(sa.select(InvestorInterest.id).limit(1)) is not None:
        return
    final = next((r for r in rounds_of(contest_) if r.name == FINAL_ROUND), None)
    if final is None:
        return
    ensure_contest_form(organizer, contest_)
    [category] = [c for c in queries.categories_of(contest_) if c.investor]
    people = {p.email: accounts.find_user_by_email(p.email) for p in INVESTORS}
    now = datetime.now(UTC)
    with no_mail():
        for user in people.values():
            registration = registrations.register(
                user, contest_, registrations.RegistrationInfo(category_id=category.id,
                                                               consent=True), notify=False)
            registrations.approve(organizer, registration, "欢迎观摩决赛路演，可在路演页面"
                                  "为感兴趣的项目点“感兴趣”“想约谈”或“要BP”。")
        order = roadshow.stage_order(final)
        for email, place, level, consent in INVESTOR_MARKS:
            when = now - timedelta(minutes=15 * (ON_STAGE - place) + 3)
            investors.mark_interest(people[email], order[place], level, consent=consent,
                                    now=when)
        led = [e for e in order if e.leader_id is not None]
        entry = next((e for e in led if e.title == CONNECTED_ENTRY), led[0] if led else None)
        for email, level, consent, note in CONNECTED_MARKS if entry else ():
            mark, _ = investors.mark_interest(people[email], entry, level, note=note,
                                              consent=consent, now=now - timedelta(hours=2))
            if email == "investor1@example.com" and entry.leader is not None:
                investors.accept_interest(entry.leader, mark, now=now - timedelta(hours=1))


# Big screen and after the event (签到墙、抽奖、投票、满意度、证书) ----------------------------


def load_big_screen(organizer: User, week_: Event, contest_: Event, past: Event,
                    with_wall: bool = True) -> None:
    """The big-screen suite at the demo's events, each part through its service and loaded
    once (each part is skipped when it exists, so a demo loaded earlier gets only what it
    lacks): the 创业周 opening's welcome wall (``with_wall``) and lucky draws, the live final's
    人气奖 poll, and last month's salon's door, satisfaction survey and certificates."""
    load_past_checkins(past)
    if with_wall:
        load_wall(week_)
    load_draws(organizer, week_)
    load_poll(organizer, contest_)
    load_survey(organizer, past)
    load_certificates(organizer, past, contest_)


#: Last month's salon: who came, of its 40 registrations, between 13:30 and 14:20.
PAST_ATTENDANCE = 34


def load_past_checkins(past: Event) -> None:
    """Last month's salon's door, unless it was scanned already: most of its registrants
    arrived in the half hour before it began, a few late, through the check-in service."""
    if db.session.scalar(sa.select(Scan.id).where(Scan.nonce == "demo-salon-0000")) is not None:
        return
    confirmed = list(db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == past.id,
               Registration.status == RegistrationStatus.confirmed)
        .order_by(Registration.id)
    ))
    rng = random.Random(2031)
    opens = past.starts_at - timedelta(minutes=30)
    arrivals = sorted((
        (opens + timedelta(minutes=min(max(rng.gauss(24, 10), 0), 50), seconds=rng.randint(0, 59)),
         registration)
        for registration in rng.sample(confirmed, min(PAST_ATTENDANCE, len(confirmed)))
    ), key=lambda arrival: arrival[0])
    organizer = accounts.find_user_by_email("organizer@example.com")
    main = checkin.lists_of(past)[0]
    for n, (when, registration) in enumerate(arrivals):
        checkin.scan(organizer, main, registration.ticket_code, f"demo-salon-{n:04d}",
                     device="前台", now=when)


def _arrivals(event: Event) -> list[Registration]:
    """The event's confirmed registrations checked in at its main door, in order of id."""
    return list(db.session.scalars(
        sa.select(Registration).where(Registration.id.in_(checkin.checked_in_query(event)))
        .order_by(Registration.id)))


#: Names some of the week's arrivals chose for the wall (the others show 张** by default):
#: {email local part or n-th arrival: name}.
WALL_NAMES = ["云机联 张伟", "东大创业社 小王", "来自大连的李同学", "硬科技老兵", "沈航 刘老师",
              "辽大创新创业学院", "盛京天使 周杰"]


def load_wall(week_: Event) -> None:
    """The 创业周's welcome wall, unless someone opted in already: about half of its first
    day's arrivals chose to appear on it (a few with a name of their own, zhangwei with his
    team's), each through the registrations service as the registrant; an organizer hid one
    name that should not be on a screen."""
    of_week = sa.select(Registration.id).where(Registration.event_id == week_.id,
                                               Registration.show_on_wall.is_(True))
    if db.session.scalar(of_week.limit(1)) is not None:
        return
    arrivals = _arrivals(week_)
    if not arrivals:
        return
    rng = random.Random(2032)
    zhangwei = next((r for r in arrivals if r.user.email == "zhangwei@example.com"), None)
    opted = [r for r in arrivals if r is not zhangwei and rng.random() < 0.5]
    custom = dict(zip(rng.sample(opted, len(WALL_NAMES) - 1), WALL_NAMES[1:], strict=True))
    if zhangwei is not None:
        opted.append(zhangwei)
        custom[zhangwei] = WALL_NAMES[0]
    for registration in opted:
        registrations.set_wall_choice(registration.user, registration, show_on_wall=True,
                                      wall_name=custom.get(registration, ""))
    organizer = accounts.find_user_by_email("organizer@example.com")
    hidden = next(r for r in opted if r not in custom)
    wall.hide(organizer, week_, hidden.id)


#: The opening's draw among people in the hall: prizes in the order they take winners.
OPENING_DRAW = ("开幕式幸运抽奖", [
    {"name": "一等奖 · 华为 MatePad 平板电脑", "count": 1},
    {"name": "二等奖 · 小米智能手环", "count": 3},
    {"name": "三等奖 · 创业周纪念文创礼盒", "count": 10},
])
#: Committed on the first day, run at the closing ceremony: everyone checked in on the first
#: day except the opening's winners.
CLOSING_DRAW = ("首日签到有礼 · 闭幕式开奖", [
    {"name": "特等奖 · 大疆 Mini 4 Pro 无人机", "count": 1},
    {"name": "一等奖 · 机械键盘", "count": 2},
    {"name": "纪念奖 · 创业周定制保温杯", "count": 20},
])
ABSENT_REASON = "现场三次唱名无人应答，已离场，按抽奖规则顺延给抽奖顺序中的下一位。"


def load_draws(organizer: User, week_: Event) -> None:
    """The 创业周 opening's lucky draws, unless the week has draws: one among the people
    checked in at the opening's hall, committed before the ceremony ended and run at its
    close (a third-prize winner had left: redrawn with the reason), and one among everyone
    checked in on the first day except those winners, committed that day and to be run at the
    closing ceremony. Through the draw service: the seeds are secret and random, so anyone can
    check the winners from the public record."""
    if draws.draws_of(week_):
        return
    day = week_.starts_at.astimezone(TZ).date()
    name, prizes = OPENING_DRAW
    hall = next((lst for lst in checkin.lists_of(week_) if not lst.is_main), None)
    room = checkin.stats(hall) if hall is not None else {"expected": 0, "checked_in": 0}
    if min(room["expected"], room["checked_in"]) <= sum(p["count"] for p in prizes):
        return  # too few to draw from (the draw service refuses an empty pool)
    opening = draws.create_draw(organizer, week_, name, prizes, "checked_in", list_id=hall.id)
    opening.created_at = at(day, 8)
    draws.commit_draw(organizer, opening, now=at(day, 11, 5))
    draws.run_draw(organizer, opening, now=at(day, 11, 20))
    winners, _ = draws.winners_of(opening)
    absent = next(w for w in winners if w["prize_index"] == len(prizes) - 1)
    draws.redraw(organizer, opening, absent["registration_id"], ABSENT_REASON,
                 now=at(day, 11, 24))
    name, prizes = CLOSING_DRAW
    closing = draws.create_draw(organizer, week_, name, prizes, "checked_in",
                                exclude_winners_of=[opening.id])
    closing.created_at = at(day, 8)
    draws.commit_draw(organizer, closing, now=at(day, 12))


POLL_QUESTION = "决赛路演 · 最佳人气奖：您最喜欢哪个项目？"


def load_poll(organizer: User, contest_: Event) -> None:
    """The live final's 人气奖 vote, unless the contest has polls: its options are the final
    round's entries, it opened as the final began and the audience (confirmed registrants) has
    been voting from their phones since, more for the entries that have pitched. Through the
    poll service, one vote per registration, from different phones at a human pace."""
    if polls.polls_of(contest_, drafts=True):
        return
    final = next((r for r in rounds_of(contest_) if r.name == FINAL_ROUND), None)
    if final is None:
        return
    rng = random.Random(2033)
    now = datetime.now(UTC)
    poll = polls.create_poll(organizer, contest_, POLL_QUESTION, "confirmed", round_id=final.id,
                             now=now - timedelta(hours=2))
    polls.open_poll(organizer, poll, now=now - timedelta(minutes=70))
    pitched = {entry.id for entry in roadshow.stage_order(final)[: ON_STAGE + 1]}
    weights = [rng.uniform(3, 8) if option.entry_id in pitched else rng.uniform(0.3, 1.5)
               for option in poll.options]
    audience = list(db.session.scalars(
        sa.select(Registration).where(Registration.event_id == contest_.id,
                                      Registration.status == RegistrationStatus.confirmed)
        .order_by(Registration.id)))
    voters = rng.sample(audience, len(audience) * 2 // 3)
    times = sorted(now - timedelta(minutes=rng.uniform(1, 65)) for _ in voters)
    for n, (registration, when) in enumerate(zip(voters, times, strict=True)):
        option = rng.choices(poll.options, weights)[0]
        phone = polls.device_key(f"10.45.{n // 200}.{n % 200 + 20}", "Mozilla/5.0 (iPhone)")
        polls.vote(registration, poll, [option.id], device=phone, now=when)


#: Last month's salon's survey: (label, kind, options, required).
SURVEY = [
    ("本次沙龙的总体满意度", "rating", [], True),
    ("嘉宾分享的内容对您有帮助吗", "rating", [], True),
    ("现场组织（场地、签到、茶歇）", "rating", [], False),
    ("您是从哪里得知本次活动的", "choice",
     ["微信公众号", "朋友推荐", "创业社群", "园区通知", "其他"], False),
    ("下期沙龙您最想听的主题", "choice",
     ["股权融资", "政府补贴申报", "知识产权", "市场营销"], False),
    ("其他意见和建议", "text", [], False),
]
#: Stars and how often they are given, per rating question.
STAR_WEIGHTS = [
    [1, 3, 12, 38, 46],
    [1, 4, 15, 40, 40],
    [3, 7, 22, 40, 28],
]
SUGGESTIONS = [
    "干货很多，尤其是估值和条款的部分，希望能拿到嘉宾的课件。",
    "希望多留一些时间给现场提问。",
    "场地有点挤，空调偏冷。",
    "建议下次请已经拿到融资的创业者来分享真实经历。",
    "签到很快，扫码就进了，点赞。",
    "茶歇可以再丰富一点。",
    "希望能按行业分组交流，硬科技和消费类项目关心的问题不一样。",
    "投资人讲得很实在，尽调清单非常有用。",
    "时间安排在周六下午挺好，希望保持。",
]


def load_survey(organizer: User, past: Event) -> None:
    """Last month's salon's satisfaction survey, unless it has one: ratings, choices and a
    free-text question, answered once by about three in four of those who came (mostly four
    and five stars, a few lower; a third left a comment) in the days after it, through the
    survey service, so the answers stay anonymous."""
    if surveys.questions_of(past):
        return
    questions = surveys.save_survey(organizer, past, [
        {"label": label, "kind": kind, "options": options, "required": required}
        for label, kind, options, required in SURVEY])
    rng = random.Random(2034)
    came = _arrivals(past)
    answering = rng.sample(came, round(len(came) * 0.75))
    ratings = [q for q in questions if q.kind.value == "rating"]
    for registration in answering:
        answers: dict[str, object] = {}
        for question, weights in zip(ratings, STAR_WEIGHTS, strict=True):
            if question.required or rng.random() < 0.9:
                answers[str(question.id)] = rng.choices(range(1, 6), weights)[0]
        for question in questions:
            if question.kind.value == "choice" and rng.random() < 0.85:
                answers[str(question.id)] = rng.choices(
                    question.options, range(len(question.options) + 1, 1, -1))[0]
            elif question.kind.value == "text" and rng.random() < 0.35:
                answers[str(question.id)] = rng.choice(SUGGESTIONS)
        when = past.ends_at + timedelta(hours=rng.uniform(0.5, 72))
        surveys.submit_response(registration.user, past, answers, now=when)


#: Awards of the contest's published online round, by rank in its track (网评).
ONLINE_AWARDS = [(1, "网评一等奖"), (3, "网评二等奖"), (8, "网评三等奖")]


def load_certificates(organizer: User, past: Event, contest_: Event) -> None:
    """Certificates, through the certificate service: 参会证明 for everyone who came to last
    month's salon (issued the day after it), unless it has certificates; and, once the
    contest's online round has published results and unless the contest has certificates,
    获奖证书 for the entries at the top of each track (一、二、三等奖 of the 网评 by rank),
    to the teams' members with an account (their leaders: entries without one get none)."""
    if not certificates.event_certificates(organizer, past):
        certificates.issue_certificates(organizer, past, "attendance",
                                        now=past.ends_at + timedelta(hours=19))
    online = next((r for r in rounds_of(contest_) if r.name == ONLINE_ROUND), None)
    if online is None or online.status != RoundStatus.published:
        return
    if certificates.event_certificates(organizer, contest_):
        return
    for track in round_results(online, online.aggregation.value)["tracks"]:
        for line in track["entries"]:
            award = next((name for last, name in ONLINE_AWARDS if line["rank"] <= last), None)
            entry = db.session.get(Entry, line["entry_id"])
            if award is not None and entry.leader_id is not None:
                certificates.issue_certificates(organizer, contest_, "award",
                                                entry_id=entry.id, award=award)


# The alliance's year (联盟、合作单位、系列活动) ------------------------------------------------

#: The alliance's members: the demo's four spaces, in the alliance since before the year shown.
ALLIANCE_MEMBERS = [MAKER_SPACE, UNIVERSITY_PARK, INCUBATOR, XINGHAI]
#: Who runs each member's events (its owner, or the 沈阳市众创空间's organizer).
HOSTS = {
    MAKER_SPACE: "organizer@example.com",
    UNIVERSITY_PARK: "dlut@example.com",
    INCUBATOR: "hunnan@example.com",
    XINGHAI: "xinghai@example.com",
}


@dataclass(frozen=True)
class YearEvent:
    """One of the members' events over the last year or still to come: ``months`` ago (0 or
    less: to come, ``day`` days from today), on the ``day`` of that month, with partners
    (组织, role) and ``people`` registered of whom ``came`` (a share) checked in."""

    months: int
    day: int
    host: str
    title: str
    kind: str
    venue: str
    lead: str
    partners: tuple[tuple[str, str], ...] = ()
    people: int = 30
    came: float = 0.8
    days: int = 1


#: A year of the members' events, at least one each month, with 联合主办 (co_host) between two
#: members, 承办 (undertaker) and 协办 (supporter); one has no 负责人 yet (the dashboard warns).
YEAR = [
    YearEvent(12, 18, INCUBATOR, "浑南智能制造创业训练营（第一期）", "camp",
              "沈阳浑南科技孵化器 2 楼培训室", "高峰", ((MAKER_SPACE, "supporter"),), 34, 0.85,
              days=2),
    YearEvent(11, 15, UNIVERSITY_PARK, "大工科技园 硬科技项目路演日", "roadshow",
              "大连理工大学 创新园大厦 B 座报告厅", "孙丽", ((XINGHAI, "co_host"),), 38, 0.79),
    YearEvent(10, 20, MAKER_SPACE, "辽宁省众创空间联盟 年度工作交流会", "forum",
              "沈阳市众创空间 3 楼共享大厅", "王建国",
              ((UNIVERSITY_PARK, "undertaker"), (INCUBATOR, "supporter"),
               (XINGHAI, "supporter")), 42, 0.9),
    YearEvent(9, 12, XINGHAI, "海洋经济创新创业论坛", "forum", "大连星海众创空间 路演厅",
              "陈海波", ((UNIVERSITY_PARK, "co_host"),), 40, 0.75),
    YearEvent(8, 16, MAKER_SPACE, "高校科技成果转化对接会", "other",
              "沈阳市众创空间 3 楼共享大厅", "李晓燕",
              ((UNIVERSITY_PARK, "co_host"), (INCUBATOR, "supporter")), 36, 0.81),
    YearEvent(7, 22, INCUBATOR, "浑南孵化器 开放日", "other", "沈阳浑南科技孵化器 1 楼大厅",
              "", ((MAKER_SPACE, "supporter"),), 28, 0.71),
    YearEvent(6, 14, UNIVERSITY_PARK, "大学生创业训练营（暑期班）", "camp",
              "大连理工大学 创新园大厦 B 座", "孙丽", ((XINGHAI, "supporter"),), 40, 0.88,
              days=2),
    YearEvent(5, 19, MAKER_SPACE, "政策解读会：研发费用加计扣除与科技型中小企业评价", "forum",
              "沈阳市众创空间 3 楼共享大厅", "王建国", ((INCUBATOR, "undertaker"),), 45, 0.84),
    YearEvent(4, 17, XINGHAI, "消费品牌创业营", "camp", "大连星海众创空间 2 楼培训室",
              "苏婉清", ((MAKER_SPACE, "supporter"),), 30, 0.8, days=2),
    YearEvent(3, 21, INCUBATOR, "智能制造项目路演（浑南站）", "roadshow",
              "沈阳浑南科技孵化器 路演厅", "高峰", ((MAKER_SPACE, "co_host"),), 38, 0.76),
    YearEvent(2, 13, UNIVERSITY_PARK, "知识产权与专利布局工作坊", "other",
              "大连理工大学科技园 创新园大厦 B 座 302 室", "何婧",
              ((INCUBATOR, "supporter"),), 26, 0.85),
    YearEvent(1, 16, MAKER_SPACE, "投融资对接会·冬季场", "roadshow",
              "沈阳市众创空间 3 楼共享大厅", "李晓燕",
              ((XINGHAI, "co_host"), (UNIVERSITY_PARK, "undertaker")), 44, 0.82),
    # To come (``months`` 0 or less: ``day`` days from today).
    YearEvent(0, 20, INCUBATOR, "浑南科技成果展示周", "other", "沈阳浑南科技孵化器 1 楼展厅",
              "高峰", ((MAKER_SPACE, "supporter"),), 0, days=3),
    YearEvent(0, 33, UNIVERSITY_PARK, "创新创业大讲堂：从实验室到市场", "forum",
              "大连理工大学 伯川图书馆报告厅", "杜文斌", ((XINGHAI, "co_host"),), 0),
]

#: The salon series of the 大连星海众创空间: a date each month, six behind us, one to come.
SERIES_TITLE = "星海创业沙龙"
SERIES_DESCRIPTION = (
    "**星海创业沙龙**每月一期，在大连星海众创空间举办：一位嘉宾分享，一场圆桌，一小时自由交流。"
    "面向大连地区的创业者、高校师生和投资人，免费参加，报名后凭电子票入场。\n\n"
    "订阅本系列，新一期发布时会收到一封邮件。\n"
)
#: (months ago, or -1 for next month; topic; lead)
SERIES_DATES = [
    (6, "海洋牧场的数字化机会", "陈海波"),
    (5, "冷链物流创业的坑与路", "陈海波"),
    (4, "消费品牌的冷启动", "苏婉清"),
    (3, "智能物联硬件的量产", "林海峰"),
    (2, "高校团队怎样找到第一个客户", "陈海波"),
    (1, "天使轮融资复盘", "林海峰"),
    (-1, "跨境电商与大连港", "陈海波"),
]
SERIES_ORDINALS = "一二三四五六七八九十"
#: The series' regulars (come to most dates) and how many others come to each date.
REGULARS, DROP_INS = 12, 14


def month_day(today: date, months: int, day: int) -> date:
    """The ``day`` of the month ``months`` before today's (after it, for negative months)."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1) + timedelta(days=day - 1)


def load_alliance_year(admin: User, organizations: dict[str, Organization], today: date) -> None:
    """The 辽宁省众创空间联盟 with the demo's spaces as members, their year of events with
    partners, registrations and check-ins (so the alliance's dashboard has every month), the
    星海创业沙龙 series with returning people and subscribers. Each part is made once: members
    and partners by the services' own "again changes nothing", events by title, people at an
    event only while it has none."""
    alliance = organizations[ALLIANCE]
    joined = datetime.combine(month_day(today, 14, 1), time(9), tzinfo=TZ).astimezone(UTC)
    for name in ALLIANCE_MEMBERS:
        _, added = alliances.add_member(admin, alliance, organizations[name].id)
        if added:
            link = db.session.get(AllianceMember, (alliance.id, organizations[name].id))
            link.created_at = joined
    rng = random.Random(2035)
    people = [accounts.find_user_by_email(f"{p[1]}@example.com") for p in PARTICIPANTS] + crowd()
    hosts = {name: accounts.find_user_by_email(email) for name, email in HOSTS.items()}
    with no_mail():
        for plan in YEAR:
            _year_event(plan, hosts, organizations, people, today, rng)
        _salon_series(hosts[XINGHAI], organizations[XINGHAI], people, today, rng)


def _year_event(plan: YearEvent, hosts: dict[str, User], organizations: dict[str, Organization],
                people: list[User], today: date, rng: random.Random) -> Event:
    first = (month_day(today, plan.months, plan.day) if plan.months > 0
             else today + timedelta(days=plan.day))
    actor, org = hosts[plan.host], organizations[plan.host]
    past = plan.months > 0
    event = find_event(org, plan.title)
    if event is None:
        event = ensure_event(actor, org, events.EventInfo(
            title=plan.title, kind=plan.kind,
            starts_at=at(first, 9 if plan.days > 1 else 14),
            ends_at=at(first + timedelta(days=plan.days - 1), 17),
            venue=plan.venue, description=f"{plan.title}，由{plan.host}主办。",
            capacity=plan.people + 20 if past else 120,
        ), lead=plan.lead)
        for partner, role in plan.partners:
            event_partners.set_partner(actor, event, organizations[partner].id, role)
    if past:
        _attend(actor, event, rng.sample(people, plan.people), plan.came, rng)
    return event


def _attend(actor: User, event: Event, people: Sequence[User], came: float,
            rng: random.Random) -> None:
    """People registered for a past event in the three weeks before it (through the
    registration service, at those times), of whom the share ``came`` checked in at the main
    door in the half hour around its start; then it is closed. Unless it has registrations."""
    if db.session.scalar(sa.select(Registration.id).where(
            Registration.event_id == event.id).limit(1)) is not None:
        return
    opened = event.starts_at - timedelta(days=21)
    event.published_at = opened
    done = []
    for n, user in enumerate(people):
        when = opened + timedelta(minutes=rng.randint(0, 20 * 24 * 60), seconds=n)
        done.append(registrations.register(
            user, event, registrations.RegistrationInfo(consent=True), notify=False, now=when))
    main = checkin.lists_of(event)[0]
    arrived = [r for r in done if r.ticket_code and rng.random() < came]
    for n, registration in enumerate(arrived):
        when = event.starts_at + timedelta(minutes=rng.uniform(-30, 20))
        checkin.scan(actor, main, registration.ticket_code, f"demo-year-{event.id}-{n:03d}",
                     device="前台", now=when)
    if event.status == EventStatus.published:
        events.change_status(actor, event, "close")


def _salon_series(actor: User, org: Organization, people: list[User], today: date,
                  rng: random.Random) -> Series:
    """星海创业沙龙: six monthly dates behind us (regulars come to most of them, others drop
    in), the next one published, and subscribers (regulars and a few more) who heard of it."""
    series = db.session.scalar(sa.select(Series).where(Series.org_id == org.id,
                                                       Series.title == SERIES_TITLE))
    if series is None:
        series = event_series.create_series(actor, org, SERIES_TITLE, SERIES_DESCRIPTION)
    regulars, others = people[:REGULARS], people[REGULARS:]
    for n, (months, topic, lead) in enumerate(SERIES_DATES):
        day = month_day(today, months, 26)
        title = f"{SERIES_TITLE} 第{SERIES_ORDINALS[n]}期·{topic}"
        if months < 0 and not event_series.subscriber_count(series):
            for user in regulars + rng.sample(others, 8):  # before the next date is published
                event_series.subscribe(user, series)
        event = ensure_event(actor, org, events.EventInfo(
            title=title, kind="salon", starts_at=at(day, 19), ends_at=at(day, 21),
            venue="大连星海众创空间 路演厅", address="辽宁省大连市高新园区黄浦路 537 号",
            description=f"{SERIES_DESCRIPTION}\n本期主题：**{topic}**。", capacity=60,
        ), lead=lead, series=series)
        if months > 0:
            coming = [u for u in regulars if rng.random() < 0.7] + rng.sample(others, DROP_INS)
            _attend(actor, event, coming, 0.85, rng)
    return series

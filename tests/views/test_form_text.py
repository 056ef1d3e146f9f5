"""HTML forms drop the characters no text may hold (eventhub.text): a person cannot see them,
so what they typed around them is kept; line breaks in multi-line fields stay."""

from __future__ import annotations

import flask
from flask_wtf import FlaskForm

from eventhub.registrations import services as reg
from eventhub.webforms import Form
from tests.views.conftest import fresh
from tests.views.test_registration_pages import answers, form_data, questions  # noqa: F401


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_the_app_is_built_on_the_one_base(app):
    forms = [f for f in _subclasses(FlaskForm) if f.__module__.startswith("eventhub.")]
    assert len(forms) > 30
    assert [f"{f.__module__}.{f.__qualname__}" for f in forms
            if not issubclass(f, Form)] == []


def test_registration_form_text_loses_control_characters(login, event, participant,
                                                         questions):  # noqa: F811
    registration = reg.register(participant, event, reg.RegistrationInfo(
        consent=True, phone="13812345678",
        answers={str(questions["company"].id): "旧名称", str(questions["stage"].id): "未融资"}))
    c = login(participant)
    url = f"/registrations/{registration.id}/edit"
    response = c.submit(url, form_data(
        **answers(questions, company="北京\b智能\x7f农机", about="第一行\r\n第二行\x0c"),
        organization="东北\x1b大学", job_title="学\x85生"))
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = fresh(registration)
    assert stored.answers[str(questions["company"].id)] == "北京智能农机"
    assert stored.answers[str(questions["about"].id)] == "第一行\r\n第二行"
    assert (stored.organization, stored.job_title) == ("东北大学", "学生")


def test_query_arguments_lose_control_characters(app):
    """A search typed with a NUL reaches no query with it (PostgreSQL answered 500 for it)."""
    with app.test_request_context("/?q=%E5%BC%A0%00%08%E4%B8%89&page=1&page=2"):
        assert flask.request.args["q"] == "张三"
        assert flask.request.args.getlist("page") == ["1", "2"]
    # The API refuses them instead (tests/api/test_errors.py).
    with app.test_request_context("/api/v1/events?q=a%00b"):
        assert flask.request.args["q"] == "a\x00b"

import pytest

from eventhub.accounts import services
from eventhub.errors import Conflict, InvalidCredentials, ValidationFailed


def test_sign_up_then_authenticate(app):
    user = services.sign_up(services.SignUpInfo("New@Example.com ", "abc12345", "新用户"))
    assert user.email == "new@example.com"
    assert services.authenticate("NEW@example.com", "abc12345").id == user.id
    with pytest.raises(InvalidCredentials):
        services.authenticate("new@example.com", "wrong-pass1")


def test_sign_up_twice_is_email_taken(app):
    services.sign_up(services.SignUpInfo("a@example.com", "abc12345", "甲"))
    with pytest.raises(Conflict) as info:
        services.sign_up(services.SignUpInfo("A@example.com", "abc12345", "乙"))
    assert info.value.code == "email_taken"


@pytest.mark.parametrize(
    ("phone", "password", "field"),
    [
        ("12345", "abc12345", "phone"),
        (None, "short1", "password"),
        (None, "abcdefghij", "password"),
    ],
)
def test_sign_up_rejects_bad_fields(app, phone, password, field):
    with pytest.raises(ValidationFailed) as info:
        services.sign_up(services.SignUpInfo("b@example.com", password, "丙", phone=phone))
    assert field in info.value.fields
    assert services.find_user_by_email("b@example.com") is None

"""Flask extensions, created unbound here and bound to the app in create_app()."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def email_or_address() -> str:
    """Rate-limit key for login: the address, plus the account tried, so one attacker cannot
    lock out a whole office behind one NAT address, nor spray one account from many."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly nested JSON; the endpoint answers 400 itself
        body = None
    email = request.form.get("email") or (body.get("email") if isinstance(body, dict) else "")
    email = email or ""
    return f"{get_remote_address()}|{str(email).strip().lower()[:254]}"

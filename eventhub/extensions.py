"""Flask extensions, created unbound here and bound to the app in create_app()."""

import flask_login
from flask import session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect


class LoginManager(flask_login.LoginManager):
    """Flask-Login's, with session protection skipped for an empty session (every Bearer
    call): it has nothing to protect, and Flask-Login would hash the client's address and
    user agent for each request before finding that out."""

    def _session_protection_failed(self) -> bool:
        return bool(session) and super()._session_protection_failed()


migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


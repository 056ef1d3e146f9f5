"""Sign-up, login, logout, password reset, profile, language, API tokens and account
security (signed-in devices, password change) pages."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_timezone, ngettext, refresh
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from eventhub.accounts import services, sessions, throttle
from eventhub.accounts.auth import current_session_id, sign_in, sign_out
from eventhub.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SignUpForm,
    TokenForm,
)
from eventhub.errors import DomainError
from eventhub.webforms import back_target, domain_errors, form_status, safe_next

bp = Blueprint("accounts", __name__)

#: One year: the language chosen in this browser outlives the session.
LOCALE_COOKIE_AGE = 365 * 24 * 3600


def _refused_on_form(page: Callable[[FlaskForm, int], str | Response | tuple[str, int]],
                     form_class: type[FlaskForm]) -> Callable[[RequestLimit], Response]:
    """Answer a breached rate limit with the form again, saying how long to wait (429)."""

    def on_breach(limit: RequestLimit) -> Response:
        form = form_class()
        wait = throttle.retry_after(limit)
        form.form_errors.append(_("Too many attempts. Please wait %(wait)s, then try again.",
                                  wait=throttle.wait_text(wait)))
        response = make_response(page(form, 429))
        response.headers["Retry-After"] = str(wait)
        return response

    return on_breach


def _login_page(form: FlaskForm, status: int) -> tuple[str, int]:
    next_url = request.args.get("next")
    safe = next_url if next_url and safe_next(next_url) == next_url else None
    return render_template("accounts/login.html", form=form, next=safe), status


def _signup_page(form: FlaskForm, status: int) -> tuple[str, int]:
    return render_template("accounts/signup.html", form=form), status


def _forgot_page(form: FlaskForm, status: int) -> tuple[str, int]:
    return render_template("accounts/forgot_password.html", form=form), status


@bp.before_app_request
def _language_from_query() -> None:
    # A shared link may carry ?lang=en; it sets this browser's language, like the switcher.
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["locale"] = lang


@bp.route("/signup", methods=["GET", "POST"])
@throttle.limit_signup(on_breach=_refused_on_form(_signup_page, SignUpForm))
def signup() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("events.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        info = services.SignUpInfo(
            email=form.email.data or "",
            password=form.password.data or "",
            name=form.name.data or "",
            phone=form.phone.data or None,
            locale=session.get("locale"),
        )
        with domain_errors(form):
            user = services.sign_up(info)
            sign_in(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")))
    return _signup_page(form, form_status(form))


@bp.route("/login", methods=["GET", "POST"])
@throttle.limit_login(on_breach=_refused_on_form(_login_page, LoginForm))
def login() -> str | Response | tuple[str, int]:
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(safe_next(next_url))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        try:
            with domain_errors(form), throttle.login_attempt(email):
                user = services.authenticate(email, form.password.data or "")
                sign_in(user, remember=bool(form.remember.data))
                response = redirect(safe_next(next_url))
                throttle.remember_device(response, email)
                return response
        except throttle.LoginThrottled as refused:
            form.form_errors.append(_(
                "This account had too many failed sign-ins. Please wait %(wait)s, then try "
                "again.", wait=throttle.wait_text(refused.wait)))
            page, status = _login_page(form, 429)
            return page, status, {"Retry-After": str(refused.wait)}
    return _login_page(form, form_status(form))


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("events.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@throttle.limit_reset_request(on_breach=_refused_on_form(_forgot_page, ForgotPasswordForm))
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data or "")
        flash(_("If an account exists for this address, we have sent it a link to choose a "
                "new password. Please check your mailbox."), "info")
        return redirect(url_for("accounts.login"))
    return _forgot_page(form, 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    try:
        user = services.user_from_reset_token(token)
    except DomainError as error:
        return render_template("accounts/reset_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with domain_errors(form):
            user = services.reset_password(token, form.password.data or "")
            sign_in(user)
            flash(_("Your new password is set. You are signed in."), "success")
            return redirect(url_for("events.home"))
    return (
        render_template("accounts/reset_password.html", form=form, user=user, token=token),
        form_status(form),
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> str | Response | tuple[str, int]:
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        info = services.ProfileInfo(
            name=form.name.data or "",
            phone=form.phone.data or None,
            organization=form.organization.data or None,
            job_title=form.job_title.data or None,
            locale=form.locale.data or None,
        )
        with domain_errors(form):
            services.update_profile(user, info)
            session["locale"] = user.locale
            refresh()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form), form_status(form)


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    form = LanguageForm()
    target = back_target()
    if not form.validate_on_submit():
        flash(_("Choose a language from the list."), "error")
        return redirect(target)
    if current_user.is_authenticated:
        services.set_locale(current_user._get_current_object(), form.locale.data)
    session["locale"] = form.locale.data
    response = redirect(target)
    response.set_cookie("locale", form.locale.data, max_age=LOCALE_COOKIE_AGE,
                        samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> str | tuple[str, int]:
    user = current_user._get_current_object()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        with domain_errors(form):
            _row, new_token = services.create_token(user, form.name.data or "")
            form = TokenForm(formdata=None)
    return (
        render_template("accounts/tokens.html", form=form, tokens=services.list_tokens(user),
                        new_token=new_token, viewer_tz=str(get_timezone())),
        form_status(form),
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> Response:
    services.revoke_token(current_user._get_current_object(), token_id)
    flash(_("The token is revoked; programs using it can no longer sign in."), "success")
    return redirect(back_target("accounts.tokens"))


@bp.route("/account/security", methods=["GET", "POST"])
@login_required
@throttle.limit_login()  # a wrong current password counts as a failed sign-in
def security() -> str | Response | tuple[str, int]:
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with domain_errors(form):
            services.change_own_password(user, form.current_password.data or "",
                                         form.password.data or "",
                                         keep_session_id=current_session_id())
            flash(_("Your new password is set. Your other devices and your API tokens are "
                    "signed out."), "success")
            return redirect(url_for("accounts.security"))
    return (
        render_template(
            "accounts/security.html",
            form=form,
            has_password=bool(user.password_hash),
            sessions=sessions.list_sessions(user),
            current_session_id=current_session_id(),
            tokens=services.list_tokens(user),
            describe_device=sessions.describe_device,
            viewer_tz=str(get_timezone()),
        ),
        form_status(form),
    )


@bp.route("/account/security/sessions/<int:session_id>/revoke", methods=["POST"])
@login_required
def revoke_session(session_id: int) -> Response:
    sessions.revoke_session(current_user._get_current_object(), session_id)
    if session_id == current_session_id():
        sign_out()
        flash(_("You are signed out."), "info")
        return redirect(url_for("accounts.login"))
    flash(_("That device is signed out."), "success")
    return redirect(url_for("accounts.security"))


@bp.route("/account/security/sessions/revoke-others", methods=["POST"])
@login_required
def revoke_other_sessions() -> Response:
    count = sessions.revoke_other_sessions(current_user._get_current_object(),
                                           current_session_id())
    flash(ngettext("%(num)d other device is signed out.",
                   "%(num)d other devices are signed out.", count), "success")
    return redirect(url_for("accounts.security"))

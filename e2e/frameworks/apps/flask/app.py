"""The Flask app of the framework e2e tests, in one file.

One process serves both the shop and the checkout host with Flask's stock
signed cookie session (cookie session, a browser-session cookie),
Flask-Login with remember-me (cookie remember_token, 365 days, which signs
the user back in when the session cookie is gone) and Flask-WTF's
CSRFProtect (its token kept in the session, field csrf_token). Nothing here
implements sessions, sign-in or CSRF; it only configures the extensions and
answers the HTTP contract every app of the suite implements.

Environment:
  SESSION_SECRET  Flask's SECRET_KEY, which signs both cookies and the CSRF
                  tokens (required)
  PORT            listen on 127.0.0.1:PORT (required)
  SHOP_URL, CHECKOUT_URL  public base URLs, e.g. http://checkout.test
                  (CHECKOUT_URL required)

Run: python3 app.py
"""

import os
import secrets
import sys
from urllib.parse import quote

from flask import Flask, redirect, render_template_string, request, session
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect


def required(name):
    value = os.environ.get(name, "")
    if not value:
        sys.stderr.write(f"{name} is required\n")
        sys.exit(2)
    return value


SECRET = required("SESSION_SECRET")
PORT = int(required("PORT"))
CHECKOUT_URL = required("CHECKOUT_URL").rstrip("/")
SHOP_URL = os.environ.get("SHOP_URL", "").rstrip("/")
USERS = {"alice": "alice-password", "mallory": "mallory-password"}
MAX_BIG_BYTES = 16 * 1024 * 1024

app = Flask(__name__)
app.config.update(
    SECRET_KEY=SECRET,
    # The defaults, spelled out: the session in the signed cookie session,
    # without Expires (session.permanent stays False), and Flask-Login's
    # remember_token for 365 days.
    SESSION_COOKIE_NAME="session",
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
    REMEMBER_COOKIE_NAME="remember_token",
    REMEMBER_COOKIE_HTTPONLY=True,
    REMEMBER_COOKIE_SAMESITE="Lax",
)
csrf = CSRFProtect(app)
login_manager = LoginManager(app)


class User(UserMixin):
    def __init__(self, name):
        self.id = name


@login_manager.user_loader
def load_user(user_id):
    return User(user_id) if user_id in USERS else None


@login_manager.unauthorized_handler
def unauthorized():
    # Flask-Login's own handler would spell next as %2Faccount and flash a
    # message into the session; the contract's is /login?next=/account.
    target = request.path
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return redirect("/login?next=" + quote(target, safe="/"), 302)


@app.errorhandler(CSRFError)
def csrf_error(err):
    return f"403 {err.description}\n", 403, {"Content-Type": "text/plain; charset=utf-8"}


def host():
    """The host name the request was made for, without its port."""
    h = request.host
    if h.startswith("["):
        return h[: h.find("]") + 1]
    return h.rsplit(":", 1)[0] if ":" in h else h


def safe_next(target):
    """Whether target is a local path or a URL on the checkout."""
    if not target:
        return False
    if target.startswith("/"):
        return not target.startswith("//") and not target.startswith("/\\")
    if target == CHECKOUT_URL:
        return True
    rest = target[len(CHECKOUT_URL):]
    return target.startswith(CHECKOUT_URL) and rest[:1] in ("/", "?", "#")


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
{{ body | safe }}
</body></html>
"""


def page(title, body_template, **context):
    body = render_template_string(body_template, **context)
    return render_template_string(PAGE, title=title, body=body)


@app.get("/login")
def login_form():
    return page(
        "Sign in",
        """<h1>Sign in on {{ host }}</h1>
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input type="hidden" name="next" value="{{ next }}">
<label>Username <input type="text" name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>""",
        host=host(),
        next=request.args.get("next", ""),
    )


@app.post("/login")
def login():
    username = request.form.get("username", "")
    if username not in USERS or not secrets.compare_digest(USERS[username], request.form.get("password", "")):
        return "Bad username or password\n", 403, {"Content-Type": "text/plain; charset=utf-8"}
    login_user(User(username), remember=True)
    target = request.form.get("next") or request.args.get("next", "")
    return redirect(target if safe_next(target) else "/account", 302)


@app.get("/account")
@login_required
def account():
    return page(
        "Account",
        """<h1>Account</h1>
<p>Signed in as {{ user }}</p>
<p>Host: {{ host }}</p>
<p><a href="/note">Note</a> <a href="/to-checkout?path=/account">Checkout</a> <a href="/logout">Sign out</a></p>""",
        user=current_user.id,
        host=host(),
    )


@app.get("/to-checkout")
def to_checkout():
    target = request.args.get("path") or "/account"
    if not target.startswith("/") or target.startswith("//") or target.startswith("/\\"):
        return "path must be a local path\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    return redirect(CHECKOUT_URL + target, 302)


@app.get("/note")
@login_required
def note_form():
    return page(
        "Note",
        """<h1>Note of {{ user }}</h1>
{% if has_note %}<p>Current note: {{ note }}</p>{% endif %}
<form method="post" action="/note">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input type="text" name="note">
<button type="submit">Save</button>
</form>""",
        user=current_user.id,
        has_note="note" in session,
        note=session.get("note", ""),
    )


@app.post("/note")
@login_required
def note():
    text = request.form.get("note", "")
    session["note"] = text
    return page("Saved", "<p>Saved: {{ note }}</p>", note=text)


@app.get("/logout")
def logout():
    # Signs out and deletes remember_token and, with the session cleared,
    # the session cookie too: a redirect that deletes the primary cookie is
    # what starts the sign-out chain (docs/frameworks.md). Flask-Login's
    # "_remember" note, which deletes remember_token after the view, is
    # kept; it pops it before the session is saved, empty, so deleted.
    logout_user()
    remember = session.get("_remember")
    session.clear()
    if remember:
        session["_remember"] = remember
    return redirect("/login", 302)


@app.get("/big")
@login_required
def big():
    try:
        n = int(request.args.get("bytes", ""))
    except ValueError:
        n = -1
    if n < 0 or n > MAX_BIG_BYTES:
        return f"bytes must be an integer in [0, {MAX_BIG_BYTES}]\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    # Random characters: Flask compresses the session before signing it, and
    # n repeated bytes would shrink to nothing.
    session["big"] = secrets.token_urlsafe(n)[:n]
    return f"Stored {n} bytes\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/healthz")
def healthz():
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


if __name__ == "__main__":
    print(f"flask app on 127.0.0.1:{PORT}, shop {SHOP_URL or '-'}, checkout {CHECKOUT_URL}", flush=True)
    # Werkzeug's development server; SIGTERM ends it at once.
    app.run(host="127.0.0.1", port=PORT, threaded=True, use_reloader=False, debug=False)

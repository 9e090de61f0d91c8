"""The Django app of the framework e2e tests, in one file.

One process serves both the shop and the checkout host with Django's stock
machinery: database sessions (django.contrib.sessions on SQLite), the stock
User model and LoginView, login_required and CsrfViewMiddleware. Nothing
here implements sessions, sign-in or CSRF; it only configures Django and
answers the HTTP contract every app of the suite implements.

Environment:
  SESSION_SECRET  Django's SECRET_KEY, which signs the CSRF and password
                  reset tokens (required)
  PORT            listen on 127.0.0.1:PORT (required)
  SHOP_URL, CHECKOUT_URL  public base URLs, e.g. http://checkout.test
                  (CHECKOUT_URL required)
  SESSION_DB      the SQLite file of users and sessions (default: a file in
                  a new temporary folder); migrated and seeded at start

Run: python3 app.py
"""

import os
import sys
import tempfile
from urllib.parse import urlsplit


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
DB = os.environ.get("SESSION_DB") or os.path.join(tempfile.mkdtemp(prefix="django-app-"), "db.sqlite3")
USERS = {"alice": "alice-password", "mallory": "mallory-password"}
MAX_BIG_BYTES = 16 * 1024 * 1024

from django.conf import settings  # noqa: E402

settings.configure(
    DEBUG=False,
    SECRET_KEY=SECRET,
    ALLOWED_HOSTS=[
        urlsplit(u).hostname for u in (SHOP_URL, CHECKOUT_URL) if u
    ] + ["127.0.0.1"],
    # Django 4 and later check the Origin header of unsafe requests against
    # these (as well as against the request's own host).
    CSRF_TRUSTED_ORIGINS=[u for u in (SHOP_URL, CHECKOUT_URL) if u],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "django.contrib.sessions",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DB}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    # The defaults, spelled out: database sessions in the cookie sessionid,
    # which lives two weeks (SESSION_COOKIE_AGE, 1209600 s).
    SESSION_ENGINE="django.contrib.sessions.backends.db",
    SESSION_COOKIE_NAME="sessionid",
    LOGIN_URL="/login",
    LOGIN_REDIRECT_URL="/account",
    USE_TZ=True,
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "login.html": """<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in</title></head>
<body>
<h1>Sign in on {{ host }}</h1>
{% if form.errors %}<p>Bad username or password</p>{% endif %}
<form method="post" action="/login">
{% csrf_token %}
<input type="hidden" name="next" value="{{ next }}">
<label>Username <input type="text" name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>
</body></html>
""",
                            "account.html": """<!doctype html>
<html><head><meta charset="utf-8"><title>Account</title></head>
<body>
<h1>Account</h1>
<p>Signed in as {{ user.username }}</p>
<p>Host: {{ host }}</p>
<p><a href="/note">Note</a> <a href="/to-checkout?path=/account">Checkout</a> <a href="/logout">Sign out</a></p>
</body></html>
""",
                            "note.html": """<!doctype html>
<html><head><meta charset="utf-8"><title>Note</title></head>
<body>
<h1>Note of {{ user.username }}</h1>
{% if has_note %}<p>Current note: {{ note }}</p>{% endif %}
<form method="post" action="/note">
{% csrf_token %}
<input type="text" name="note">
<button type="submit">Save</button>
</form>
</body></html>
""",
                            "saved.html": """<!doctype html>
<html><head><meta charset="utf-8"><title>Saved</title></head>
<body>
<p>Saved: {{ note }}</p>
</body></html>
""",
                        },
                    )
                ],
                "context_processors": ["django.contrib.auth.context_processors.auth"],
            },
        }
    ],
)

import django  # noqa: E402

django.setup()

from django.contrib.auth import logout  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.contrib.auth.views import LoginView  # noqa: E402
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect  # noqa: E402
from django.http.request import split_domain_port  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.http import require_GET, require_http_methods  # noqa: E402


def host(request):
    """The host name the request was made for, without its port."""
    return split_domain_port(request.get_host())[0]


class AppLoginView(LoginView):
    """The stock LoginView, whose next may also go to the checkout."""

    template_name = "login.html"
    success_url_allowed_hosts = {urlsplit(CHECKOUT_URL).netloc}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["host"] = host(self.request)
        return context


@login_required
def account(request):
    return render(request, "account.html", {"host": host(request)})


@require_GET
def to_checkout(request):
    target = request.GET.get("path") or "/account"
    if not target.startswith("/") or target.startswith("//") or target.startswith("/\\"):
        return HttpResponseBadRequest("path must be a local path\n", content_type="text/plain")
    return HttpResponseRedirect(CHECKOUT_URL + target)


@login_required
@require_http_methods(["GET", "POST"])
def note(request):
    if request.method == "POST":
        text = request.POST.get("note", "")
        request.session["note"] = text
        return render(request, "saved.html", {"note": text})
    return render(
        request,
        "note.html",
        {"has_note": "note" in request.session, "note": request.session.get("note", "")},
    )


@require_GET
def logout_view(request):
    logout(request)
    return HttpResponseRedirect("/login")


@login_required
@require_GET
def big(request):
    try:
        n = int(request.GET.get("bytes", ""))
    except ValueError:
        n = -1
    if n < 0 or n > MAX_BIG_BYTES:
        return HttpResponseBadRequest(f"bytes must be an integer in [0, {MAX_BIG_BYTES}]\n", content_type="text/plain")
    request.session["big"] = "x" * n
    return HttpResponse(f"Stored {n} bytes\n", content_type="text/plain")


def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [
    path("login", AppLoginView.as_view()),
    path("account", account),
    path("to-checkout", to_checkout),
    path("note", note),
    path("logout", logout_view),
    path("big", big),
    path("healthz", healthz),
]


def main():
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    for name, password in USERS.items():
        if not User.objects.filter(username=name).exists():
            User.objects.create_user(name, password=password)
    print(f"django app on 127.0.0.1:{PORT}, shop {SHOP_URL or '-'}, checkout {CHECKOUT_URL}, db {DB}", flush=True)
    # The development server, without its autoreloader (a second process);
    # SIGTERM ends it at once.
    call_command("runserver", f"127.0.0.1:{PORT}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main()

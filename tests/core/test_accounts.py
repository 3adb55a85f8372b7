"""Accounts, language, security headers, production settings and the demo data command."""

import base64
import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.models import User
from tests import factories

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "demo-Alueagentti-2026"
DEMO_ACCOUNTS = [
    "oppija@demo.alueagentti.fi",
    "ohjaaja@demo.alueagentti.fi",
    "koordinaattori@demo.alueagentti.fi",
    "admin@demo.alueagentti.fi",
]


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# --- sign-up and sign-in ---------------------------------------------------------------------


def test_sign_up_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert 'name="password1"' not in response.content.decode()


def test_posting_to_sign_up_creates_no_account(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "uusi@example.fi",
            "password1": "Pitka-salasana-9",
            "password2": "Pitka-salasana-9",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="uusi@example.fi").exists()
    assert signed_in_user_id(client) is None


def test_a_person_signs_in_with_their_verified_email_address(client, learner):
    response = client.post(
        reverse("account_login"), {"login": learner.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert signed_in_user_id(client) == str(learner.pk)


def test_the_email_address_is_not_case_sensitive_at_sign_in(client, learner):
    client.post(
        reverse("account_login"), {"login": learner.email.upper(), "password": factories.PASSWORD}
    )
    assert signed_in_user_id(client) == str(learner.pk)


def test_a_wrong_password_does_not_sign_in(client, learner):
    response = client.post(reverse("account_login"), {"login": learner.email, "password": "väärä"})
    assert response.status_code == 200
    assert signed_in_user_id(client) is None


def test_an_unverified_address_cannot_sign_in(client, learner):
    EmailAddress.objects.filter(user=learner).update(verified=False)
    client.post(reverse("account_login"), {"login": learner.email, "password": factories.PASSWORD})
    assert signed_in_user_id(client) is None


def test_the_admin_login_goes_through_allauths_login(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('account_login')}?next=")


def test_the_admin_is_closed_to_a_signed_in_learner(client_for, learner):
    response = client_for(learner).get("/admin/login/")
    assert response.status_code == 403


# --- language --------------------------------------------------------------------------------


def html_lang(response):
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_interface_speaks_finnish_by_default(client_for, learner):
    response = client_for(learner).get(reverse("core:home"))
    assert html_lang(response) == "fi"
    assert "Etusivu" in response.content.decode()


def test_switching_the_language_saves_it_on_the_person_and_the_next_page_is_swedish(
    client_for, learner
):
    client = client_for(learner)
    response = client.post(reverse("core:set_language"), {"language": "sv", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    learner.refresh_from_db()
    assert learner.language == "sv"

    page = client.get("/")
    assert html_lang(page) == "sv"
    assert page["Content-Language"] == "sv"


def test_the_saved_language_wins_over_the_browser_in_a_new_session(client, learner):
    learner.language = "sv"
    learner.save(update_fields=["language"])
    client.force_login(learner)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fi")
    assert html_lang(page) == "sv"


def test_the_browsers_language_does_not_override_finnish(client):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="sv,en;q=0.8")
    assert html_lang(page) == "fi"


def test_an_unknown_language_is_not_saved(client_for, learner):
    client_for(learner).post(reverse("core:set_language"), {"language": "xx", "next": "/"})
    learner.refresh_from_db()
    assert learner.language == "fi"


def test_an_anonymous_visitor_can_switch_the_language_of_the_sign_in_page(client):
    client.post(reverse("core:set_language"), {"language": "sv", "next": "/accounts/login/"})
    assert html_lang(client.get(reverse("account_login"))) == "sv"


# --- Content-Security-Policy and inline code ---------------------------------------------------


class InlineCodeFinder(HTMLParser):
    """Collects what a strict Content-Security-Policy would block."""

    DATA_TYPES = {"application/json", "application/ld+json"}

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self.scripts_with_src = 0
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name in attributes if name.startswith("on")]
        if tag == "script":
            if attributes.get("src"):
                self.scripts_with_src += 1
            # A JSON data block is never executed, so the policy does not need to allow it.
            elif (attributes.get("type") or "").lower() not in self.DATA_TYPES:
                self._in_inline_script = True
                self.inline_scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script:
            self.inline_scripts[-1] += data


@pytest.fixture
def site(learner, instructor, coordinator, cohort, course, assignment):
    submission = factories.SubmissionFactory(learner=learner, cohort=cohort, assignment=assignment)
    item = course.modules.first().items.first()
    return {
        "learner": learner,
        "instructor": instructor,
        "coordinator": coordinator,
        "pages": {
            "account_login": [],
            "account_signup": [],
            "account_reset_password": [],
            "core:home": [],
            "courses:detail": [course.pk],
            "courses:item": [item.pk],
            "workshops:assignment": [assignment.pk],
            "workshops:submission_detail": [submission.pk],
            "workshops:review": [submission.pk],
            "workshops:review_queue": [],
            "learners:cohort_list": [],
            "learners:cohort_detail": [cohort.pk],
            "notifications:list": [],
            "account_email": [],
            "account_change_password": [],
            "mfa_index": [],
        },
    }


PAGES_BY_PERSON = [
    (None, ["account_login", "account_signup", "account_reset_password"]),
    (
        "learner",
        [
            "core:home",
            "courses:detail",
            "courses:item",
            "workshops:assignment",
            "workshops:submission_detail",
            "notifications:list",
            "account_email",
            "account_change_password",
            "mfa_index",
        ],
    ),
    (
        "instructor",
        [
            "core:home",
            "workshops:review",
            "workshops:review_queue",
            "learners:cohort_list",
            "learners:cohort_detail",
        ],
    ),
    ("coordinator", ["core:home", "learners:cohort_detail"]),
]


def fetch_pages(client, site, person, names):
    if person:
        client.force_login(site[person])
    for name in names:
        response = client.get(reverse(name, args=site["pages"][name]))
        assert response.status_code == 200, name
        yield name, response


@pytest.mark.parametrize(("person", "names"), PAGES_BY_PERSON, ids=lambda v: str(v)[:20])
def test_every_page_sends_a_strict_content_security_policy(client, site, person, names):
    for name, response in fetch_pages(client, site, person, names):
        policy = response["Content-Security-Policy"]
        directives = dict(
            (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
        )
        assert "'unsafe-inline'" not in policy, name
        assert "'unsafe-eval'" not in policy, name
        assert directives["script-src"] == ["'self'"], name
        assert directives["object-src"] == ["'none'"], name
        assert directives["frame-ancestors"] == ["'none'"], name


@pytest.mark.parametrize(("person", "names"), PAGES_BY_PERSON, ids=lambda v: str(v)[:20])
def test_no_page_has_inline_script_or_event_handlers(client, site, person, names):
    for name, response in fetch_pages(client, site, person, names):
        finder = InlineCodeFinder()
        finder.feed(response.content.decode())
        assert finder.inline_scripts == [], name
        assert finder.handlers == [], name
        assert finder.scripts_with_src >= 1, name


# --- production settings ---------------------------------------------------------------------

PRINT_SETTINGS = """
import json
import config.settings.production as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "DEMO_DATA_ALLOWED": s.DEMO_DATA_ALLOWED,
    "CACHE": s.CACHES["default"]["BACKEND"],
}))
"""


def load_production_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env={"CERTIFICATE_SIGNING_KEY": SIGNING_KEY, **clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Fresh random keys: production refuses public or readable ones (tests/core/test_production.py).
GOOD_SECRET = secrets.token_urlsafe(60)
SIGNING_KEY = base64.b64encode(secrets.token_bytes(32)).decode()


def test_production_settings_are_https_only(db):
    result = load_production_settings(
        DJANGO_SECRET_KEY=GOOD_SECRET, REDIS_URL="redis://redis:6379/0"
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] > 0
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["DEMO_DATA_ALLOWED"] is False
    assert values["CACHE"].endswith("RedisCache")


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"REDIS_URL": "redis://redis:6379/0"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "too-short", "REDIS_URL": "redis://r:6379/0"}, "50 characters"),
        (
            {"DJANGO_SECRET_KEY": "dev-only-" + "x" * 60, "REDIS_URL": "redis://r:6379/0"},
            "publicly known",
        ),
        ({"DJANGO_SECRET_KEY": GOOD_SECRET}, "REDIS_URL"),
        (
            {
                "DJANGO_SECRET_KEY": GOOD_SECRET,
                "REDIS_URL": "redis://r:6379/0",
                "CERTIFICATE_SIGNING_KEY": "",
            },
            "CERTIFICATE_SIGNING_KEY",
        ),
    ],
    ids=["no-secret", "short-secret", "dev-secret", "no-redis", "no-signing-key"],
)
def test_production_settings_refuse_to_start_without_real_secrets(db, env, complaint):
    result = load_production_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


# --- demo data -------------------------------------------------------------------------------


def row_counts():
    counted = ["core", "courses", "learners", "workshops", "notifications"]
    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        # Unmanaged models are the search index's SQLite FTS5 tables, absent on PostgreSQL.
        if model._meta.app_label in counted and model._meta.managed
    }
    counts["account.EmailAddress"] = EmailAddress.objects.count()
    return counts


def test_seed_demo_can_run_twice_without_duplicating_anything(demo_data):
    first = row_counts()
    call_command("seed_demo", stdout=StringIO())
    assert row_counts() == first
    assert first["core.User"] >= 4
    assert first["courses.Item"] > 0
    assert first["workshops.Submission"] > 0


@pytest.mark.parametrize("email", DEMO_ACCOUNTS)
def test_the_demo_accounts_can_sign_in_with_the_published_password(demo_data, client, email):
    response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(User.objects.get(email=email).pk)
    assert client.get(reverse("core:home")).status_code == 200


def test_seed_demo_refuses_when_demo_data_is_not_allowed(db, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()

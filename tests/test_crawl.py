"""Crawl the site as each persona: every page works, stays closed to others, and is in Finnish.

For each persona a signed-in test client starts from "/" and follows every same-site link
breadth-first. No page may answer 5xx. Every page one persona reached is then requested as
every other persona (and anonymously), and the rules below decide who should get it; the
rules are written from the memberships, independently of the apps' access.py modules. While
crawling, every translation lookup of a string from our own catalogue is watched: a string
that comes back in English is untranslated.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import trans_real

from courses import services as course_services
from courses.models import Item
from learners.models import Cohort, Membership
from tests import factories
from tests.pdfs import corrupted_pdf, pdf_upload
from workshops import services as workshop_services
from workshops.models import (
    Assignment,
    Experiment,
    ExperimentMember,
    Review,
    Submission,
    SubmissionFile,
)

pytestmark = pytest.mark.django_db

MAX_PAGES = 200
CRAWLERS = ("learner", "instructor", "coordinator", "superuser")
# Who else asks for every page: the same roles, plus people of the same course who must still
# be kept out (another learner of the cohort, the other cohort's people) and nobody signed in.
CHECKERS = (*CRAWLERS, "other_learner", "outsider_learner", "other_instructor", "anonymous")
STAFF = (Membership.Role.INSTRUCTOR, Membership.Role.COORDINATOR)
OUR_NAMESPACES = {"core", "courses", "learners", "workshops", "notifications", "admin"}
# allauth pages that anyone may open without signing in.
PUBLIC_VIEWS = {
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_inactive",
    # A learner's calendar feed: calendar apps cannot sign in, the secret token is the key.
    "calendar_feed",
    # Osaamisväylä's public gallery and public cards (only approved public cards are found).
    "public_gallery",
    "public_card",
    # The privacy notice (privacy/): linked in every page's footer, for anyone.
    "notice",
    # The REST API's documentation and OpenAPI schema (api/): what the API offers, no data.
    "docs",
    "schema",
}
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"


# --- the data ------------------------------------------------------------------------------


@pytest.fixture
def people(
    course,
    cohort,
    other_cohort,
    assignment,
    learner,
    other_learner,
    outsider_learner,
    instructor,
    other_instructor,
    coordinator,
    superuser,
    django_capture_on_commit_callbacks,
):
    """A cohort in the middle of the course: progress, versions, reviews, a rejected file."""
    second = factories.AssignmentFactory(workshop=assignment.workshop, phase=2, title="Ideoi")

    def run(operation, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return operation(**kwargs)

    for item in course.modules.order_by("position").first().items.order_by("position")[:2]:
        course_services.item_complete(user=learner, item=item)
    v1 = run(
        workshop_services.submission_submit,
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Haasteemme on matkaketjujen toimivuus.",
        upload=pdf_upload("haaste.pdf"),
    )
    run(
        workshop_services.submission_review,
        submission=v1,
        reviewer=instructor,
        decision=Review.Decision.REVISE,
        feedback="Kuvaa vielä, keitä haaste koskee.",
    )
    run(
        workshop_services.submission_submit,
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Haasteemme on matkaketjujen toimivuus nuorille ja ikääntyneille.",
        upload=pdf_upload("haaste-v2.pdf", pages=3),
    )
    approved = run(
        workshop_services.submission_submit,
        learner=other_learner,
        assignment=assignment,
        cohort=cohort,
        text="Haasteemme on nuorten pito-voima.",
        upload=pdf_upload("olli.pdf"),
    )
    run(
        workshop_services.submission_review,
        submission=approved,
        reviewer=instructor,
        decision=Review.Decision.APPROVE,
        feedback="Selkeä kuvaus.",
    )
    run(
        workshop_services.submission_submit,
        learner=other_learner,
        assignment=second,
        cohort=cohort,
        text="Idea: kylätaksi.",
        upload=corrupted_pdf(),
    )
    run(
        workshop_services.submission_submit,
        learner=outsider_learner,
        assignment=assignment,
        cohort=other_cohort,
        text="Haasteemme on palveluiden saavutettavuus.",
        upload=pdf_upload("ulla.pdf"),
    )
    statuses = set(Submission.objects.values_list("status", flat=True))
    assert statuses == {"received", "revision", "approved"}, statuses
    # A file that fails the check is rejected alone; its text still goes to review.
    assert SubmissionFile.objects.filter(status=SubmissionFile.Status.REJECTED).exists()
    return {
        "learner": learner,
        "other_learner": other_learner,
        "outsider_learner": outsider_learner,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "coordinator": coordinator,
        "superuser": superuser,
        "anonymous": None,
    }


def signed_in_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fi")
    if user is not None:
        client.force_login(user)
    return client


# --- crawling ------------------------------------------------------------------------------


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def same_site_path(base: str, href: str) -> str | None:
    """The path (and query) of a link to follow, or None for one to leave alone."""
    parts = urlsplit(urljoin(f"http://testserver{base}", href.strip()))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    path = parts.path
    if (
        path.startswith(("/accounts/logout/", "/i18n/", settings.STATIC_URL, settings.MEDIA_URL))
        or path.startswith("/admin/")
        and path != "/admin/"
    ):
        return None
    return f"{path}?{parts.query}" if parts.query else path


def body_of(response) -> bytes:
    """The response body. Reading a file response to the end makes the test client close it
    (closing it again here would fire request_finished and close the test's DB connection)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@dataclass
class Crawl:
    reached: dict[str, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)


def crawl(user) -> Crawl:
    client = signed_in_client(user)
    result = Crawl()
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    queued = {"/"}
    while queue and len(result.reached) < MAX_PAGES:
        url, found_on = queue.popleft()
        response = client.get(url)
        body = body_of(response)
        status = response.status_code
        result.reached[url] = status
        content_type = response.get("Content-Type", "")
        links: list[str] = []
        if status >= 500:
            result.server_errors.append(f"{status} {url} (linked from {found_on})")
        elif status in (403, 404):
            result.broken_links.append(f"{status} {url} (linked from {found_on})")
        elif 300 <= status < 400:
            links = [response["Location"]]
        elif content_type.startswith("application/octet-stream"):
            assert body.startswith(b"%PDF"), f"{url} is not the uploaded PDF"
        elif content_type.startswith("text/html"):
            parser = LinkParser()
            parser.feed(body.decode(response.charset or "utf-8"))
            links = parser.links
        for href in links:
            target = same_site_path(url, href)
            if target is not None and target not in queued:
                queued.add(target)
                queue.append((target, url))
    return result


# --- who may see what ----------------------------------------------------------------------


def _member(user, cohort_id: int, *roles: str) -> bool:
    return Membership.objects.filter(user=user, cohort_id=cohort_id, role__in=roles).exists()


def _has_role(user, *roles: str) -> bool:
    return Membership.objects.filter(user=user, role__in=roles).exists()


def _may_see_submission(user, submission: Submission) -> bool:
    return submission.learner_id == user.pk or _member(user, submission.cohort_id, *STAFF)


def audience(user, url: str) -> bool | None:
    """True/False when a rule says whether `user` may open `url`; None when anyone signed in may.

    The superuser may open everything with a rule except the learner's own assignment form
    and the team's own experiment form.
    """
    match = resolve(urlsplit(url).path)
    name, pk = match.view_name, match.kwargs.get("pk")
    if name == "workshops:experiment_edit":
        return ExperimentMember.objects.filter(experiment_id=pk, user=user).exists()
    if name == "workshops:team_leave":
        return ExperimentMember.objects.filter(experiment_id=pk, user=user).exists() and _member(
            user, Experiment.objects.get(pk=pk).cohort_id, Membership.Role.LEARNER
        )
    if name == "workshops:team_remove":
        return user.is_superuser or _member(user, Experiment.objects.get(pk=pk).cohort_id, *STAFF)
    if name == "workshops:experiment":
        experiment = Experiment.objects.get(pk=pk)
        return user.is_superuser or (
            ExperimentMember.objects.filter(experiment=experiment, user=user).exists()
            or _member(user, experiment.cohort_id, *STAFF)
        )
    if name in ("impact:plan", "impact:history", "impact:pdf", "impact:column"):
        experiment = Experiment.objects.get(pk=pk)
        return user.is_superuser or (
            ExperimentMember.objects.filter(experiment=experiment, user=user).exists()
            or _member(user, experiment.cohort_id, *STAFF)
        )
    if name in ("impact:indicator_add", "impact:statement_edit", "impact:indicator_edit"):
        from impact.models import Indicator, Statement

        model = {"impact:statement_edit": Statement, "impact:indicator_edit": Indicator}.get(name)
        experiment = (
            Experiment.objects.get(pk=pk)
            if model is None
            else model.objects.get(pk=pk).plan.experiment
        )
        return ExperimentMember.objects.filter(
            experiment=experiment, user=user
        ).exists() and _member(user, experiment.cohort_id, Membership.Role.LEARNER)
    if name == "impact:review":
        submission = Submission.objects.get(pk=pk)
        return user.is_superuser or _member(user, submission.cohort_id, Membership.Role.INSTRUCTOR)
    if name == "workshops:assignment":
        course_id = Assignment.objects.get(pk=pk).workshop.course_id
        return Membership.objects.filter(
            user=user, role=Membership.Role.LEARNER, cohort__course_id=course_id
        ).exists()
    if user.is_superuser and (name.startswith("admin:") or name.split(":")[0] in OUR_NAMESPACES):
        return True
    if name.startswith("admin:"):
        return False
    if name in ("portfolio:card_edit", "portfolio:card_publish"):
        from portfolio.models import Card

        card = Card.objects.get(pk=pk)
        return ExperimentMember.objects.filter(experiment_id=card.experiment_id, user=user).exists()
    if name == "portfolio:approvals":
        return user.is_superuser or _has_role(user, Membership.Role.COORDINATOR)
    if name == "privacy:erasures":
        return user.is_superuser or _has_role(user, Membership.Role.COORDINATOR)
    if name == "core:stuck_work":
        return user.is_superuser or _has_role(user, Membership.Role.COORDINATOR)
    if name == "workshops:review_queue":
        return _has_role(user, Membership.Role.INSTRUCTOR)
    if name == "workshops:review":
        submission = Submission.objects.get(pk=pk)
        return _member(user, submission.cohort_id, Membership.Role.INSTRUCTOR)
    if name == "workshops:submission_detail":
        return _may_see_submission(user, Submission.objects.get(pk=pk))
    if name == "workshops:file_download":
        return _may_see_submission(user, SubmissionFile.objects.get(pk=pk).submission)
    if name in ("learners:cohort_list", "courses:list"):
        return _has_role(user, *STAFF)
    if name == "learners:cohort_detail":
        return _member(user, pk, *STAFF)
    if name in ("courses:detail", "courses:item"):
        course_id = pk if name == "courses:detail" else Item.objects.get(pk=pk).module.course_id
        return Cohort.objects.filter(course_id=course_id, memberships__user=user).exists()
    return None


def check_access(url: str, persona: str, user) -> str | None:
    """Request `url` as `persona`; return what is wrong, or None."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    response = signed_in_client(user).get(url, follow=True)
    body_of(response)
    status = response.status_code
    final_path = response.request["PATH_INFO"]
    login = reverse("account_login")
    if status >= 500:
        return f"{persona}: {url} answered {status}"
    if user is None:
        if match.url_name not in PUBLIC_VIEWS and final_path != login:
            return f"anonymous: {url} gave {status} at {final_path}, not the sign-in page"
        return None
    allowed = audience(user, url)
    if allowed is None:
        return None
    if allowed and (status != 200 or final_path == login):
        return f"{persona}: {url} should open but gave {status} at {final_path}"
    if not allowed and status not in (403, 404):
        return f"{persona}: {url} should be closed but gave {status} at {final_path}"
    return None


# --- translations --------------------------------------------------------------------------


def catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po)


class UntranslatedRecorder:
    """Which of our own msgids come back untranslated while Finnish is active."""

    def __init__(self) -> None:
        self.singular: dict[tuple[str | None, str], bool] = {}
        self.plural: dict[tuple[str | None, str, str], bool] = {}
        for message in catalogue("fi"):
            if not message.id:
                continue
            # An entry translated on purpose to the same words (a name, "1/3") is not missing.
            if isinstance(message.id, tuple):
                same = not message.fuzzy and tuple(message.string[:2]) == message.id[:2]
                self.plural[(message.context, message.id[0], message.id[1])] = same
            else:
                same = not message.fuzzy and message.string == message.id
                self.singular[(message.context, message.id)] = same
        self.missing: set[str] = set()
        # Our msgids looked up at all: proves the wrapping is in place.
        self.seen: set[tuple] = set()

    @staticmethod
    def _split(message: str) -> tuple[str | None, str]:
        context, separator, msgid = message.partition(trans_real.CONTEXT_SEPARATOR)
        return (context, msgid) if separator else (None, message)

    @staticmethod
    def _finnish() -> bool:
        return (translation.get_language() or "").startswith("fi")

    def gettext(self, original):
        def recording(message):
            result = original(message)
            if self._finnish():
                context, msgid = self._split(str(message))
                key = (context, msgid)
                if key in self.singular:
                    self.seen.add(key)
                untranslated = result in (message, msgid)
                if key in self.singular and untranslated and not self.singular[key]:
                    self.missing.add(f"{context}|{msgid}" if context else msgid)
            return result

        return recording

    def ngettext(self, original):
        def recording(singular, plural, number):
            result = original(singular, plural, number)
            if self._finnish():
                context, one = self._split(str(singular))
                _, many = self._split(str(plural))
                key = (context, one, many)
                if key in self.plural:
                    self.seen.add(key)
                untranslated = result in (singular, plural, one, many)
                if key in self.plural and untranslated and not self.plural[key]:
                    self.missing.add(f"{context}|{one}" if context else one)
            return result

        return recording


@contextmanager
def recording_untranslated(monkeypatch) -> Iterator[UntranslatedRecorder]:
    """Wrap gettext and ngettext where Django looks them up.

    `django.utils.translation.gettext` and friends go through `_trans`; Django 5.2's
    `trans_real.pgettext` and `npgettext` call the module-level `gettext`/`ngettext` of
    trans_real with "context\\x04msgid", so wrapping those catches strings with a context too.
    """
    recorder = UntranslatedRecorder()
    real_gettext, real_ngettext = trans_real.gettext, trans_real.ngettext
    trans = translation._trans
    with monkeypatch.context() as patch:
        for target in (trans, trans_real):
            patch.setattr(target, "gettext", recorder.gettext(real_gettext))
            patch.setattr(target, "ngettext", recorder.ngettext(real_ngettext))
        # Let _trans route the context variants through the wrapped module functions.
        patch.setattr(trans, "pgettext", trans_real.pgettext)
        patch.setattr(trans, "npgettext", trans_real.npgettext)
        yield recorder


# --- the tests -----------------------------------------------------------------------------


def crawl_everyone(people) -> dict[str, Crawl]:
    return {role: crawl(people[role]) for role in CRAWLERS}


def save_reached(crawls: dict[str, Crawl]) -> None:
    folder = Path(settings.BASE_DIR) / "test-artifacts"
    folder.mkdir(exist_ok=True)
    reached = {role: dict(sorted(c.reached.items())) for role, c in crawls.items()}
    (folder / "crawl.json").write_text(json.dumps(reached, indent=2), encoding="utf-8")


def test_every_page_works_for_its_audience_and_is_closed_to_everyone_else(people):
    crawls = crawl_everyone(people)
    save_reached(crawls)
    problems = [e for c in crawls.values() for e in c.server_errors + c.broken_links]
    assert not problems, "Pages that failed while crawling:\n" + "\n".join(problems)

    # The crawl really went everywhere each role works.
    def opened(role: str, view_name: str) -> bool:
        return any(
            status == 200 and resolve(urlsplit(url).path).view_name == view_name
            for url, status in crawls[role].reached.items()
        )

    expected = {
        "learner": ["courses:item", "workshops:assignment", "workshops:submission_detail"],
        "instructor": ["workshops:review_queue", "workshops:review", "learners:cohort_detail"],
        "coordinator": ["learners:cohort_detail", "workshops:submission_detail"],
        "superuser": ["admin:index", "workshops:review", "learners:cohort_detail"],
    }
    unreached = [f"{r}: {v}" for r, views in expected.items() for v in views if not opened(r, v)]
    assert not unreached, "The crawl never reached:\n" + "\n".join(unreached)
    downloads = [u for u in crawls["learner"].reached if "/download/" in u]
    assert downloads, "the learner's crawl found no file to download"

    urls = sorted(
        {url for c in crawls.values() for url, status in c.reached.items() if status == 200}
    )
    violations = [
        problem
        for url in urls
        for persona in CHECKERS
        if (problem := check_access(url, persona, people[persona]))
    ]
    assert not violations, (
        f"Access rules broken ({len(violations)} of {len(urls)} pages x {len(CHECKERS)} people):\n"
        + "\n".join(violations)
    )


def test_every_page_reached_in_finnish_is_translated(people, monkeypatch):
    with recording_untranslated(monkeypatch) as recorder:
        crawls = crawl_everyone(people)
        # The error pages are ours too.
        signed_in_client(people["learner"]).get("/cohorts/")
        signed_in_client(people["learner"]).get("/workshops/submissions/999999/")
    assert sum(len(c.reached) for c in crawls.values()) > 20
    # Lookups with and without a context and plurals all went through the recorder.
    assert len(recorder.seen) > 50, recorder.seen
    assert any(len(key) == 3 for key in recorder.seen), "no plural lookup was seen"
    assert any(key[0] for key in recorder.seen), "no lookup with a context was seen"
    assert not recorder.missing, (
        f"{len(recorder.missing)} strings of our Finnish catalogue are shown in English:\n"
        + "\n".join(sorted(recorder.missing))
    )


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_catalogue_entry_is_translated(language):
    missing = []
    for message in catalogue(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.id, tuple) else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            shown = message.id[0] if isinstance(message.id, tuple) else message.id
            missing.append(("(fuzzy) " if message.fuzzy else "") + shown)
    assert not missing, (
        f"{len(missing)} entries of locale/{language}/LC_MESSAGES/django.po lack a translation:\n"
        + "\n".join(missing)
    )

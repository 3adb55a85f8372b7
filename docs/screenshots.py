"""`make screenshots`: retake every README screenshot from the demo data, in Finnish.

Run as `.venv/bin/python docs/screenshots.py` (what `make screenshots` does). It

1. creates a throwaway SQLite database and media folders in a temporary directory,
2. migrates it and runs `seed_demo`,
3. serves the app with `runserver` on a free local port (DEBUG on, so whitenoise serves the
   static files; Celery tasks run in-process),
4. signs each demo persona in through the real allauth login form in Chromium (Playwright,
   `/usr/bin/chromium`) and captures the pages declared in `SHOTS` below into
   `docs/screenshots/<name>.png`,
5. fails (exit status 1, nothing written for that page) when a page answers anything but 200
   or logs a console error, which is how a Content-Security-Policy violation shows up.

A full run names the PNGs in docs/screenshots/ that `SHOTS` does not declare; `--prune` deletes
them, so the folder matches the list (not by default: a picture someone added by hand, such as
a close-up, is not lost by accident). `--only NAME[,NAME]` retakes some pictures and keeps the
rest; `--list` prints the declared pictures; `--keep` leaves the temporary directory (database
and server log) in place for a look afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
# With LANGUAGE=fi (see capture()) and Debian's chromium-l10n, the browser's own widgets (date
# fields, "choose file") are Finnish as well.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--lang=fi-FI",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PASSWORD = "demo-Alueagentti-2026"  # noqa: S105 - the README's published demo password
DOMAIN = "demo.alueagentti.fi"
TIMEOUT_MS = 30_000

# Who signs in for each persona (None: nobody, the anonymous visitor).
PERSONAS: dict[str, str | None] = {
    "learner": f"oppija@{DOMAIN}",
    "mikko": f"mikko.laine@{DOMAIN}",  # a demo learner whose experiment is in phase 4
    "instructor": f"ohjaaja@{DOMAIN}",
    "coordinator": f"koordinaattori@{DOMAIN}",
    "admin": f"admin@{DOMAIN}",
    "anonymous": None,
}


@dataclass(frozen=True)
class Shot:
    name: str
    persona: str
    url: Callable[[SimpleNamespace], str]  # the demo objects -> a path on the site
    caption: str
    viewport: str = "desktop"
    full_page: bool = True
    wait_for: str = "main"  # a selector that must be visible before the picture is taken
    scroll_to: str = ""  # for a viewport-sized picture: scroll this element to the top first


def _u(name: str, *attrs: str, query: str = "") -> Callable[[SimpleNamespace], str]:
    """A URL builder: `reverse(name)` with the primary keys of the named demo objects."""

    def build(demo: SimpleNamespace) -> str:
        from django.urls import reverse

        return reverse(name, args=[getattr(demo, a).pk for a in attrs]) + query

    return build


SHOTS = [
    # The learner (Oona Oppija, Hämeenlinna).
    Shot("learner-dashboard", "learner", _u("core:home"), "The learner's dashboard."),
    Shot(
        "learner-outline",
        "learner",
        _u("courses:detail", "course"),
        "The course outline: modules, each item's state, search and the learning journal.",
    ),
    Shot("learner-text", "learner", _u("courses:item", "page"), "A text page of a lesson."),
    Shot(
        "learner-quiz",
        "learner",
        _u("courses:item", "typed_quiz"),
        "A knowledge check with a number, a short answer, matching and ordering.",
    ),
    Shot(
        "learner-experiment",
        "learner",
        _u("workshops:experiment", "oona_experiment"),
        "The learner's experiment: the six-phase track, versions, sessions.",
    ),
    Shot(
        "workshops-feedback",
        "learner",
        _u("workshops:submission_detail", "oona_answer"),
        "Feedback on a phase: rubric levels, strengths, questions, suggestions and the thread.",
    ),
    Shot(
        "workshops-revision",
        "learner",
        _u("workshops:assignment", "oona_assignment"),
        "The revision loop: the feedback above the answer form, the previous version carried in.",
    ),
    Shot(
        "privacy-my-data",
        "learner",
        _u("privacy:my_data"),
        "My data: the personal data archive, who has opened the learner's work, erasure.",
    ),
    Shot(
        "workshops-sessions",
        "learner",
        _u("workshops:my_sessions"),
        "The learner's workshop sessions with materials and a private calendar address.",
    ),
    Shot(
        "workshops-session-recording",
        "learner",
        _u("workshops:session_detail", "recorded_session"),
        "A held workshop session's page with its recording and slides.",
    ),
    Shot(
        "impact-plan",
        "mikko",
        _u("impact:plan", "mikko_experiment"),
        "An impact plan: the logic model, indicators and their measurements on a chart.",
    ),
    Shot(
        "impact-plan-phone",
        "mikko",
        _u("impact:plan", "mikko_experiment"),
        "The same impact plan on a phone: the columns become a list.",
        viewport="phone",
        full_page=False,
        scroll_to="#column-resources",
    ),
    Shot(
        "portfolio-page",
        "mikko",  # his course is done: a published card, reflections and a certificate
        _u("portfolio:home"),
        "A learner's portfolio: experiment cards, reflections, certificates, PDF export.",
    ),
    Shot(
        "portfolio-gallery",
        "learner",
        _u("portfolio:gallery"),
        "Osaamisväylä: the network's experiment gallery with search and filters.",
    ),
    Shot(
        "portfolio-card",
        "learner",
        _u("portfolio:card", "asked_card"),
        "A gallery card with similar experiments and questions to the team.",
    ),
    Shot(
        "scores-mine",
        "learner",
        _u("scores:mine"),
        "My results: the learner's own row of the scores overview.",
    ),
    Shot(
        "discussions-thread",
        "learner",
        _u("discussions:thread", "discussion"),
        "A cohort discussion: replies quoting each other, a pinned post and a hidden one.",
    ),
    Shot(
        "discussions-question",
        "learner",
        _u("discussions:thread", "question"),
        "A question on a lesson with the instructor's reply marked as the answer.",
    ),
    # The anonymous visitor.
    Shot(
        "portfolio-public-card",
        "anonymous",
        _u("portfolio:public_card", "public_card"),
        "A public card anyone can read, without signing in.",
    ),
    Shot(
        "portfolio-public-gallery-phone",
        "anonymous",
        _u("portfolio:public_gallery"),
        "The public Osaamisväylä on a phone.",
        viewport="phone",
        full_page=False,
    ),
    # The instructor (Olli Ohjaaja, Careeria).
    Shot(
        "instructor-queue",
        "instructor",
        _u("workshops:review_queue"),
        "The review queue with filters by cohort, phase, municipality, status and lateness.",
    ),
    Shot(
        "instructor-review",
        "instructor",
        _u("workshops:review", "waiting_answer"),
        "Reviewing a phase with its rubric and structured feedback.",
    ),
    Shot(
        "instructor-review-files",
        "instructor",
        _u("workshops:review", "reviewed_answer"),
        "A sent review on the review page, with the instructor's feedback file.",
    ),
    Shot(
        "impact-review",
        "instructor",
        _u("impact:review", "mikko_phase3"),
        "Reviewing the impact plan sent with phase 3: what changed and feedback per part.",
    ),
    Shot(
        "author-course-edit",
        "instructor",
        _u("courses:edit", "course"),
        "Authoring a course: modules and items, reordering, drafts, missing languages.",
    ),
    Shot(
        "courses-author-editor",
        "instructor",
        _u("courses:item_edit", "page"),
        "Editing a text page: Finnish, Swedish and English side by side.",
    ),
    Shot(
        "workshops-session-files",
        "instructor",
        _u("workshops:session_edit", "session"),
        "A workshop session with its agenda and shared files.",
    ),
    Shot(
        "workshops-session-settings",
        "instructor",
        _u("workshops:session_settings", "cohort"),
        "Session settings: whether a watched recording counts as attendance, per workshop.",
    ),
    Shot(
        "workshops-phase-texts",
        "instructor",
        _u("workshops:phase_texts", "phase1"),
        "The phase text editor: phase 1 and its rubric in fi | sv | en, Swedish filled in.",
        full_page=False,  # the phase and the first criterion; the whole rubric is 4,000 px
    ),
    Shot(
        "courses-question-bank",
        "instructor",
        _u("courses:question_bank", "course"),
        "The question bank: tags, question types and the languages each question lacks.",
    ),
    Shot(
        "courses-settings",
        "instructor",
        _u("courses:settings", "course"),
        "The course's title and description in Finnish, Swedish and English.",
    ),
    # The coordinator (Kaisa Koordinaattori, Suomen kasvukäytävä).
    Shot(
        "coordinator-cohort",
        "coordinator",
        _u("learners:cohort_detail", "cohort"),
        "The cohort's progress heatmap.",
    ),
    Shot(
        "coordinators-table",
        "coordinator",
        _u("learners:cohort_detail", "cohort", query="?view=table"),
        "The same progress as a table.",
    ),
    Shot(
        "coordinator-summary",
        "coordinator",
        _u("learners:dashboard", "cohort"),
        "The cohort's summary from the progress rollup, with the figures' age.",
    ),
    Shot(
        "coordinator-phases",
        "coordinator",
        _u("learners:funnel", "cohort"),
        "How far the cohort's experiments have come, phase by phase.",
    ),
    Shot(
        "scores-overview",
        "instructor",
        _u("scores:overview", "cohort"),
        "The scores overview: best check results, rubric points, modules and certificates.",
    ),
    Shot(
        "coordinator-at-risk",
        "coordinator",
        _u("learners:at_risk", "cohort"),
        "Learners at risk, with the reasons and a one-click nudge.",
    ),
    Shot(
        "portfolio-approvals",
        "coordinator",
        _u("portfolio:approvals"),
        "Cards waiting for approval before they are public.",
    ),
    Shot(
        "portfolio-approval",
        "coordinator",
        _u("portfolio:approval", "pending_card"),
        "Approving one card for the public Osaamisväylä.",
    ),
    Shot(
        "coordinator-exports",
        "coordinator",
        _u("learners:exports", "cohort"),
        "The cohort's CSV and XLSX exports.",
    ),
    Shot(
        "background-work",
        "coordinator",
        _u("core:stuck_work"),
        "Background work: what waits, is in progress or failed, with Retry now.",
    ),
    Shot(
        "api-tokens",
        "coordinator",
        _u("api:tokens"),
        "The REST API's personal access tokens.",
    ),
    Shot(
        "notifications",
        "coordinator",
        _u("notifications:list"),
        "The notification centre.",
    ),
    # The superuser.
    Shot(
        "admin-overview",
        "admin",
        _u("learners:cross_cohort"),
        "Every cohort at a glance.",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")


def demo_objects() -> SimpleNamespace:
    """The demo rows the pictures show, found by what seed_demo made (not by guessing ids)."""
    from courses.models import Course, Item, Question
    from demo.content import fi as demo_content
    from discussions.models import Thread
    from learners.models import Membership
    from portfolio.models import Card
    from workshops.models import (
        Assignment,
        Experiment,
        Review,
        SessionMaterial,
        Submission,
        WorkshopSession,
    )

    course = Course.objects.get(slug=demo_content.COURSE["slug"])
    learner = Membership.objects.select_related("cohort").get(
        user__email=PERSONAS["learner"], cohort__course=course, role=Membership.Role.LEARNER
    )
    items = Item.objects.filter(module__course=course).order_by("module__position", "position")

    def experiment_of(email: str | None) -> Experiment:
        return Experiment.objects.get(members__user__email=email, cohort=learner.cohort)

    oona, mikko = experiment_of(PERSONAS["learner"]), experiment_of(PERSONAS["mikko"])
    public = Card.objects.filter(scope=Card.Scope.PUBLIC, public_status=Card.PublicStatus.APPROVED)
    return SimpleNamespace(
        course=course,
        cohort=learner.cohort,
        page=items.filter(kind=Item.Kind.PAGE).first(),
        quiz=items.filter(kind=Item.Kind.QUIZ).first(),
        # The check with numeric, short-text, matching and ordering questions (module 3).
        typed_quiz=items.filter(kind=Item.Kind.QUIZ, questions__kind=Question.Kind.MATCHING)
        .distinct()
        .first(),
        phase1=Assignment.objects.filter(workshop__course=course, phase=1).order_by("pk").first(),
        oona_experiment=oona,
        oona_answer=Submission.objects.filter(experiment=oona).order_by("-version").first(),
        oona_assignment=Submission.objects.filter(experiment=oona)
        .order_by("-version")
        .first()
        .assignment,
        mikko_experiment=mikko,
        mikko_phase3=Submission.objects.filter(experiment=mikko, assignment__phase=3).first(),
        waiting_answer=Submission.objects.filter(
            cohort=learner.cohort, status=Submission.Status.RECEIVED, assignment__phase=1
        )
        .order_by("pk")
        .first(),
        session=SessionMaterial.objects.filter(session__cohort=learner.cohort)
        .select_related("session")
        .first()
        .session,
        asked_card=Card.objects.filter(messages__isnull=False).order_by("pk").first(),
        public_card=public.filter(messages__isnull=False).order_by("pk").first()
        or public.order_by("pk").first(),
        pending_card=Card.objects.filter(public_status=Card.PublicStatus.PENDING).first(),
        discussion=Thread.objects.filter(
            cohort=learner.cohort, kind=Thread.Kind.DISCUSSION, is_pinned=False
        ).first(),
        question=Thread.objects.filter(cohort=learner.cohort, kind=Thread.Kind.QUESTION).first(),
        recorded_session=WorkshopSession.objects.filter(cohort=learner.cohort)
        .exclude(recording_url="")
        .order_by("starts_at")
        .first(),
        reviewed_answer=getattr(
            Review.objects.filter(submission__cohort=learner.cohort, files__isnull=False)
            .select_related("submission")
            .order_by("pk")
            .first(),
            "submission",
            None,
        ),
    )


def wait_for_server(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"runserver exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    sys.exit(f"runserver did not answer within 60 s:\n{log.read_text()[-4000:]}")


def capture(base: str, shots: list[tuple[Shot, str]]) -> list[str]:
    """Take the pictures; return the problems (an empty list when every page was clean)."""
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            env={**os.environ, "LANGUAGE": "fi", "LANG": "fi_FI.UTF-8"},
        )
        pages: dict[tuple[str, str], object] = {}
        errors: list[str] = []

        def page_for(persona: str, viewport: str):
            key = (persona, viewport)
            if key in pages:
                return pages[key]
            context = browser.new_context(
                viewport=VIEWPORTS[viewport],
                device_scale_factor=1,
                locale="fi-FI",
                timezone_id="Europe/Helsinki",
                reduced_motion="reduce",  # no smooth scrolling or transitions mid-picture
                is_mobile=viewport == "phone",
                has_touch=viewport == "phone",
            )
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.on(
                "console",
                lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"),
            )
            page.on("pageerror", lambda exc: errors.append(f"script error: {exc}"))
            email = PERSONAS[persona]
            if email:
                page.goto(f"{base}/accounts/login/")
                expect(page.locator("html")).to_have_attribute("lang", "fi")
                form = page.locator("form:has(input[name='login'])")
                form.locator("input[name='login']").fill(email)
                form.locator("input[name='password']").fill(PASSWORD)
                form.locator("button[type='submit']").click()
                expect(page).to_have_url(f"{base}/")
            pages[key] = page
            return page

        for shot, path in shots:
            errors.clear()
            try:
                page = page_for(shot.persona, shot.viewport)
                response = page.goto(f"{base}{path}")
                status = response.status if response else 0
                if status != 200:
                    problems.append(f"{shot.name}: {path} answered {status}")
                    continue
                expect(page.locator("html")).to_have_attribute("lang", "fi")
                expect(page.locator(shot.wait_for).first).to_be_visible()
                page.wait_for_load_state("networkidle")
                if shot.scroll_to:
                    target = page.locator(shot.scroll_to).first
                    expect(target).to_be_visible()
                    target.evaluate(
                        "el => el.scrollIntoView({block: 'start', behavior: 'instant'})"
                    )
                page.evaluate("document.fonts.ready.then(() => true)")
                image = page.screenshot(
                    full_page=shot.full_page, caret="initial", animations="disabled"
                )
            except Exception as exc:  # a broken page must not stop the other pictures
                problems.append(f"{shot.name}: {path}: {exc}")
                continue
            if errors:
                problems.append(f"{shot.name}: {path}:\n    " + "\n    ".join(errors))
                continue
            (OUT / f"{shot.name}.png").write_bytes(image)
            print(f"  {shot.name}.png  {shot.persona:<11} {shot.viewport:<7} {path}")
        browser.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated names to retake")
    parser.add_argument("--list", action="store_true", help="print the declared pictures")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--prune", action="store_true", help="delete undeclared PNGs")
    args = parser.parse_args()
    if args.list:
        for shot in SHOTS:
            print(f"{shot.name}.png\t{shot.persona}\t{shot.viewport}\t{shot.caption}")
        return 0
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = wanted - {shot.name for shot in SHOTS}
    if unknown:
        sys.exit(f"Unknown screenshot names: {', '.join(sorted(unknown))}")
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium)")
    if not any(Path("/usr/share/fonts").rglob("*[Ee]moji*")):
        print(
            "Warning: no emoji font, so icons such as the lock show as boxes "
            "(apt-get install fonts-noto-color-emoji).",
            file=sys.stderr,
        )
    if not Path("/usr/lib/chromium/locales/fi.pak").exists():
        print(
            "Warning: Chromium has no Finnish strings, so date fields and file pickers show "
            "in English (apt-get install chromium-l10n).",
            file=sys.stderr,
        )
    shots = [shot for shot in SHOTS if not wanted or shot.name in wanted]

    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="alueagentti-screenshots-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private_media"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        "SITE_URL": "https://alueagentti.fi",  # links in notification texts look real
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    for key in ("CERTIFICATE_SIGNING_KEY", "CLAMD_SOCKET", "CLAMD_HOST"):
        env.pop(key, None)
    server = None
    try:
        print(f"Building the demo in {tmp} ...")
        run([sys.executable, "manage.py", "migrate", "--noinput"], env)
        run([sys.executable, "manage.py", "seed_demo"], env)

        # The URLs come from the ORM here, before Playwright starts its event loop.
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        demo = demo_objects()
        missing = [name for name, value in vars(demo).items() if value is None]
        if missing:
            sys.exit(f"The demo data has no {', '.join(missing)}: did seed_demo change?")
        resolved = [(shot, shot.url(demo)) for shot in shots]

        log = tmp / "runserver.log"
        with log.open("w") as out:
            server = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for_server(base, server, log)
        print(f"Serving at {base}; taking {len(resolved)} pictures into {OUT.relative_to(ROOT)}/")
        OUT.mkdir(parents=True, exist_ok=True)
        problems = capture(base, resolved)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
        if args.keep:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    if not wanted and not problems:
        declared = {f"{shot.name}.png" for shot in SHOTS}
        for stale in sorted(OUT.glob("*.png")):
            if stale.name not in declared and args.prune:
                stale.unlink()
                print(f"  removed {stale.name} (not declared)")
            elif stale.name not in declared:
                print(f"  kept {stale.name}: not declared here (--prune deletes it)")
    elapsed = time.monotonic() - started
    if problems:
        print(f"\n{len(problems)} page(s) failed:\n" + "\n".join(problems), file=sys.stderr)
        return 1
    print(f"Done: {len(resolved)} pictures in {elapsed:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

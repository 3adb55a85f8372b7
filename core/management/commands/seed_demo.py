"""Load the Alueagentti demo: course, organisations, a cohort, a workshop and demo accounts.

Idempotent: running it again updates the same rows and never duplicates anything.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core import demo_content as content
from core.demo import DEMO_DOMAIN as DOMAIN
from core.demo import DEMO_PASSWORD, demo_account
from core.models import Organisation
from core.search import rebuild_all as search_rebuild_all
from courses import demo as course_demo
from courses.models import Completion, Course, Item, Module
from impact import demo as impact_demo
from learners import demo as learners_demo
from learners.models import Cohort, Membership
from portfolio import demo as portfolio_demo
from workshops import demo as workshops_demo
from workshops.models import Assignment, Review, Submission, Workshop

# (email local part, first name, last name, organisation, cohort role or "superuser")
ACCOUNTS = [
    ("oppija", "Oona", "Oppija", "Hämeenlinnan kaupunki", Membership.Role.LEARNER),
    ("ohjaaja", "Olli", "Ohjaaja", "Careeria", Membership.Role.INSTRUCTOR),
    (
        "koordinaattori",
        "Kaisa",
        "Koordinaattori",
        "Suomen kasvukäytävä",
        Membership.Role.COORDINATOR,
    ),
    ("admin", "Aino", "Ylläpitäjä", "Suomen kasvukäytävä", "superuser"),
    ("laura.virtanen", "Laura", "Virtanen", "Tampereen kaupunki", Membership.Role.LEARNER),
    ("mikko.laine", "Mikko", "Laine", "Seinäjoen kaupunki", Membership.Role.LEARNER),
    ("sanna.korhonen", "Sanna", "Korhonen", "Riihimäen kaupunki", Membership.Role.LEARNER),
    ("jari.makinen", "Jari", "Mäkinen", "Lempäälän kunta", Membership.Role.LEARNER),
]

OTHER_ANSWERS = {
    "laura.virtanen": (
        "Tampereen kaupunkiseudulla monipaikkaiset asukkaat eivät löydä tietoa siitä, miten "
        "kunnan palvelut toimivat, kun osa viikosta asutaan mökillä naapurikunnassa.\n\n"
        "Haluan kokeilla yhteistä palveluopasta kahden naapurikunnan kanssa."
    ),
    "mikko.laine": (
        "Seinäjoella yritysten ja oppilaitosten yhteistyö jää usein yksittäisten ihmisten "
        "varaan. Haasteeni on rakentaa verkosto, joka jatkaa toimintaansa, vaikka ihmiset "
        "vaihtuvat.\n\nKokeilen neljännesvuosittaista yhteiskehittämisen aamua."
    ),
}


class Command(BaseCommand):
    help = "Load the Alueagentti demo data (idempotent). Never runs with production settings."

    def handle(self, *args: object, **options: object) -> None:
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError("Demo data is not allowed with these settings.")
        with transaction.atomic():
            self.seed()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Accounts:"))
        for local, *_names, role in ACCOUNTS[:4]:
            email = f"{local}@{DOMAIN}"
            self.stdout.write(f"  {email:<36} {role:<12} password {DEMO_PASSWORD}")

    def seed(self) -> None:
        orgs = {
            name: Organisation.objects.update_or_create(name=name, defaults={"kind": kind})[0]
            for name, kind in content.ORGANISATIONS
        }
        course, _ = Course.objects.update_or_create(
            slug=content.COURSE["slug"],
            defaults={
                "title": content.COURSE["title"],
                "description": content.COURSE["description"],
            },
        )
        items: list[Item] = []
        for m_pos, module_data in enumerate(content.MODULES, start=1):
            module, _ = Module.objects.update_or_create(
                course=course,
                position=m_pos,
                defaults={"title": module_data["title"], "summary": module_data["summary"]},
            )
            for i_pos, item_data in enumerate(module_data["items"], start=1):
                item, _ = Item.objects.update_or_create(
                    module=module,
                    position=i_pos,
                    defaults={
                        "title": item_data["title"],
                        "kind": item_data["kind"],
                        "body": item_data["body"],
                        "minutes": item_data["minutes"],
                        "video_url": item_data.get("video_url", ""),
                    },
                )
                items.append(item)

        workshop, _ = Workshop.objects.update_or_create(
            course=course,
            title=content.WORKSHOP["title"],
            defaults={"description": content.WORKSHOP["description"]},
        )
        first = content.WORKSHOP["first_assignment"]
        assignment, _ = Assignment.objects.update_or_create(
            workshop=workshop,
            phase=1,
            defaults={"title": first["title"], "instructions": first["instructions"]},
        )

        today = timezone.localdate()
        cohort, _ = Cohort.objects.update_or_create(
            course=course,
            name="Alueagentti 2026 – syksyn ryhmä",
            defaults={
                "start_date": date(today.year, 9, 1) if today.month >= 9 else today,
                "end_date": date(today.year + 1, 5, 31),
            },
        )

        users = {}
        for local, first_name, last_name, org_name, role in ACCOUNTS:
            user = demo_account(
                local, first_name, last_name, orgs[org_name], superuser=role == "superuser"
            )
            users[local] = user
            if role != "superuser":
                Membership.objects.update_or_create(
                    cohort=cohort, user=user, defaults={"role": role}
                )

        # Varied progress so the coordinator's view tells a story.
        for local, share in [
            ("laura.virtanen", 0.8),
            ("mikko.laine", 1.0),
            ("sanna.korhonen", 0.3),
            ("oppija", 0.15),
        ]:
            for item in items[: int(len(items) * share)]:
                Completion.objects.get_or_create(user=users[local], item=item)

        for local, status in [
            ("laura.virtanen", Submission.Status.RECEIVED),
            ("mikko.laine", Submission.Status.APPROVED),
        ]:
            submission, created = Submission.objects.get_or_create(
                assignment=assignment,
                cohort=cohort,
                learner=users[local],
                version=1,
                defaults={
                    "text": OTHER_ANSWERS[local],
                    "status": status,
                    "processed_at": timezone.now() - timedelta(days=2),
                },
            )
            if status == Submission.Status.APPROVED:
                Review.objects.get_or_create(
                    submission=submission,
                    defaults={
                        "reviewer": users["ohjaaja"],
                        "decision": Review.Decision.APPROVE,
                        "feedback": "Selkeä haaste ja hyvin rajattu kohderyhmä. Hyvää työtä!",
                    },
                )
        course_demo.seed(course=course, cohort=cohort, users=users)
        workshops_demo.seed(course=course, cohort=cohort, users=users)
        impact_demo.seed(users=users)
        learners_demo.seed(course=course, cohort=cohort, users=users)
        # After the learners' demo has dated the answers and reviews.
        workshops_demo.seed_review_aftermath(course=course, cohort=cohort)
        course_demo.seed_certificates(course=course, cohort=cohort, users=users)
        portfolio_demo.seed(course=course, cohort=cohort, users=users)
        # The demo writes rows directly: analyse all of them for search once, at the end.
        search_rebuild_all()

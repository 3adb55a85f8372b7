"""factory_boy factories for every model the tests build."""

import datetime

import factory
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile

from core.models import Organisation, User
from courses.models import Completion, Course, Item, Module
from courses.search import item_index
from learners.models import Cohort, Membership
from workshops.models import Assignment, Review, Submission, SubmissionFile, Workshop

PASSWORD = "correct-horse-Battery-7"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Kunta {n}")
    kind = Organisation.Kind.MUNICIPALITY


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.fi")
    first_name = factory.Sequence(lambda n: f"Etu{n}")
    last_name = factory.Sequence(lambda n: f"Suku{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    language = "fi"

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Kurssi {n}")
    slug = factory.Sequence(lambda n: f"kurssi-{n}")


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    position = factory.Sequence(int)
    title = factory.Sequence(lambda n: f"Moduuli {n}")


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item
        skip_postgeneration_save = True

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(int)
    title = factory.Sequence(lambda n: f"Oppitunti {n}")
    body = "<p>Verkostot syntyvät yhteisestä tekemisestä.</p>"

    @factory.post_generation
    def search_index(obj, create, extracted, **kwargs):  # noqa: N805
        # As courses.authoring does for every item it writes.
        if create:
            item_index(item_ids=[obj.pk])


class CompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Completion

    user = factory.SubFactory(UserFactory)
    item = factory.SubFactory(ItemFactory)


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    course = factory.SubFactory(CourseFactory)
    name = factory.Sequence(lambda n: f"Ryhmä {n}")
    start_date = datetime.date(2026, 9, 1)
    end_date = datetime.date(2027, 5, 31)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.LEARNER


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    course = factory.SubFactory(CourseFactory)
    title = "Kokeilevan kehittämisen työpajat"


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    workshop = factory.SubFactory(WorkshopFactory)
    phase = 1
    title = factory.Sequence(lambda n: f"Tehtävä {n}")
    instructions = "<p>Kuvaa kehittämishaasteesi.</p>"


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    assignment = factory.SubFactory(AssignmentFactory)
    cohort = factory.SubFactory(CohortFactory)
    learner = factory.SubFactory(UserFactory)
    version = 1
    text = "Haasteeni on matkaketjujen toimivuus."
    status = Submission.Status.RECEIVED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        submission = super()._create(model_class, *args, **kwargs)
        if submission.version > 1:
            # As the service that sends a version does (workshops.services.submission_submit).
            submission.earlier_versions().filter(superseded=False).update(superseded=True)
        return submission


class SubmissionFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubmissionFile

    submission = factory.SubFactory(SubmissionFactory)
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 test", name="liite.pdf"))
    original_name = "liite.pdf"
    size = 13
    # Accepted files always carry their detected type (it names the download, #12).
    content_type = "application/pdf"
    status = SubmissionFile.Status.ACCEPTED


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    submission = factory.SubFactory(SubmissionFactory)
    reviewer = factory.SubFactory(UserFactory)
    decision = Review.Decision.APPROVE
    feedback = "Hyvä alku."

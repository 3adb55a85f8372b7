"""Authors set the course's completion criteria; instructors and authors of a cohort set
per-learner release extensions."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import selectors
from courses.models import Module, ReleaseExtension
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(course, instructor):
    course.authors.add(instructor)
    return instructor


# --- completion criteria -------------------------------------------------------------------


def test_an_author_chooses_the_phases_that_must_be_approved(client_for, author, course, assignment):
    url = reverse("courses:criteria", args=[course.pk])
    client = client_for(author)
    assert client.get(url).status_code == 200
    response = client.post(url, {"assignments": [assignment.pk]})
    assert response.status_code == 302
    assert list(course.completion_assignments.all()) == [assignment]
    edit = client.get(reverse("courses:edit", args=[course.pk]))
    assert url.encode() in edit.content
    # Unticking everything clears them.
    client.post(url, {})
    assert not course.completion_assignments.exists()


def test_a_phase_of_another_course_is_refused_and_nothing_saved(
    client_for, author, course, assignment
):
    other = factories.AssignmentFactory(
        workshop=factories.WorkshopFactory(course=factories.CourseFactory())
    )
    response = client_for(author).post(
        reverse("courses:criteria", args=[course.pk]), {"assignments": [assignment.pk, other.pk]}
    )
    assert response.status_code == 400
    assert not course.completion_assignments.exists()


def test_a_chosen_phase_holds_back_completion(client_for, author, learner, course, assignment):
    for module in course.modules.all():
        for item in module.items.all():
            item.completions.create(user=learner)
    assert selectors.course_is_complete(user=learner, course=course) is True
    client_for(author).post(
        reverse("courses:criteria", args=[course.pk]), {"assignments": [assignment.pk]}
    )
    assert selectors.course_is_complete(user=learner, course=course) is False


@pytest.mark.parametrize("persona", ["learner", "instructor", "coordinator"])
def test_only_authors_edit_the_criteria(client_for, request, persona, course, assignment):
    user = request.getfixturevalue(persona)
    url = reverse("courses:criteria", args=[course.pk])
    assert client_for(user).get(url).status_code == 403
    assert client_for(user).post(url, {"assignments": [assignment.pk]}).status_code == 403
    assert not course.completion_assignments.exists()


def test_someone_outside_the_course_gets_404_for_the_criteria(client_for, course):
    stranger = factories.UserFactory(email="vieras@example.fi")
    assert (
        client_for(stranger).get(reverse("courses:criteria", args=[course.pk])).status_code == 404
    )


# --- release extensions --------------------------------------------------------------------


@pytest.fixture
def dated_module(course):
    module = course.modules.order_by("position").last()
    module.unlock_after_days = 14
    module.save()
    return module


def extensions_url(cohort):
    return reverse("courses:extensions", args=[cohort.pk])


def test_an_instructor_gives_a_learner_more_time_and_the_outline_follows(
    client_for, instructor, learner, cohort, dated_module
):
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=20)
    cohort.save()
    client = client_for(instructor)
    detail = client.get(reverse("courses:detail", args=[cohort.course_id]))
    assert extensions_url(cohort).encode() in detail.content
    response = client.post(
        extensions_url(cohort),
        {"learner": learner.pk, "module": dated_module.pk, "days": 10, "reason": "Liittyi myöhään"},
    )
    assert response.status_code == 302
    extension = ReleaseExtension.objects.get(user=learner, module=dated_module)
    assert (extension.days, extension.reason) == (10, "Liittyi myöhään")
    outline = selectors.course_outline(user=learner, course=cohort.course)
    module = next(m for m in outline.modules if m.pk == dated_module.pk)
    assert module.lock is not None
    assert module.lock.until == cohort.start_date + datetime.timedelta(days=24)
    page = client.get(extensions_url(cohort))
    assert b'data-testid="extension"' in page.content

    # Setting it again replaces it; removing it opens the module again.
    client.post(
        extensions_url(cohort), {"learner": learner.pk, "module": dated_module.pk, "days": 2}
    )
    assert ReleaseExtension.objects.get(user=learner, module=dated_module).days == 2
    delete = reverse("courses:extension_delete", args=[cohort.pk, extension.pk])
    assert client.post(delete).status_code == 302
    assert not ReleaseExtension.objects.exists()


def test_a_course_author_may_set_extensions(client_for, superuser, learner, cohort, dated_module):
    author = factories.UserFactory(email="kirjoittaja@example.fi")
    cohort.course.authors.add(author)
    response = client_for(author).post(
        extensions_url(cohort), {"learner": learner.pk, "module": dated_module.pk, "days": 3}
    )
    assert response.status_code == 302
    assert ReleaseExtension.objects.filter(user=learner).count() == 1


@pytest.mark.parametrize("persona", ["learner", "coordinator", "other_instructor"])
def test_others_get_404_and_nothing_is_saved(
    client_for, request, persona, learner, cohort, dated_module
):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    assert client.get(extensions_url(cohort)).status_code == 404
    response = client.post(
        extensions_url(cohort), {"learner": learner.pk, "module": dated_module.pk, "days": -30}
    )
    assert response.status_code == 404
    assert not ReleaseExtension.objects.exists()


def test_a_learner_of_another_cohort_or_a_module_of_another_course_is_refused(
    client_for, instructor, outsider_learner, learner, cohort, dated_module
):
    client = client_for(instructor)
    response = client.post(
        extensions_url(cohort),
        {"learner": outsider_learner.pk, "module": dated_module.pk, "days": 5},
    )
    assert response.status_code == 400
    foreign = Module.objects.create(course=factories.CourseFactory(), title="Muu")
    response = client.post(
        extensions_url(cohort), {"learner": learner.pk, "module": foreign.pk, "days": 5}
    )
    assert response.status_code == 400
    response = client.post(
        extensions_url(cohort), {"learner": learner.pk, "module": dated_module.pk, "days": 99999}
    )
    assert response.status_code == 400
    assert not ReleaseExtension.objects.exists()


def test_an_extension_of_another_cohort_cannot_be_removed_through_this_one(
    client_for, instructor, outsider_learner, other_cohort, cohort, dated_module
):
    theirs = ReleaseExtension.objects.create(module=dated_module, user=outsider_learner, days=4)
    delete = reverse("courses:extension_delete", args=[cohort.pk, theirs.pk])
    assert client_for(instructor).post(delete).status_code == 404
    assert ReleaseExtension.objects.filter(pk=theirs.pk).exists()


def test_the_extensions_page_has_a_query_budget(
    client_for, instructor, cohort, dated_module, django_assert_num_queries
):
    modules = list(cohort.course.modules.all())
    for n in range(30):
        user = factories.UserFactory(email=f"oppija{n}@example.fi")
        factories.MembershipFactory(cohort=cohort, user=user, role="learner")
        for module in modules:
            ReleaseExtension.objects.create(module=module, user=user, days=n)
    client = client_for(instructor)
    client.get(extensions_url(cohort))
    # The session, and the instructor with the navigation's roles (2); the cohort (1); its
    # extensions with their learners and modules (1) for 90 rows; the form's learners and
    # modules (2, read through server-side cursors on PostgreSQL). (14 allowed before.)
    with django_assert_num_queries(6):
        response = client.get(extensions_url(cohort))
    assert response.content.count(b'data-testid="extension"') == 90

"""Axe (WCAG 2.1 A/AA) on the pages whose texts gained languages side by side: the course's
title and description (new), the question bank and a bank question's editor, as the demo's
course author sees them."""

import pytest
from django.urls import reverse

from courses.models import Course, Question
from demo.accounts import DEMO_DOMAIN
from tests.test_accessibility import axe, axe_problems, demo, open_context, visit  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_course_language_editors_pass_axe(
    demo,  # noqa: F811
    live_server,
    axe,  # noqa: F811
):
    demo()
    course = Course.objects.get(slug="alueagentti")
    question = Question.objects.filter(course=course, item__isnull=True).order_by("pk").first()
    assert question is not None, "the demo has bank questions"
    paths = [
        reverse("courses:settings", args=[course.pk]),
        reverse("courses:question_bank", args=[course.pk]),
        reverse("courses:question_edit", args=[question.pk]),
    ]
    context, page = open_context(axe, live_server.url, f"ohjaaja@{DEMO_DOMAIN}")
    report = []
    try:
        for path in paths:
            failure = visit(page, f"{live_server.url}{path}")
            assert failure is None, f"{path}: {failure}"
            assert page.get_by_test_id("language-columns").is_visible()
            report += [f"{path}: {problem}" for problem in axe_problems(page)]
    finally:
        context.close()
    assert not report, "\n".join(report)

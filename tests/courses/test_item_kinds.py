"""Every item kind and every completion rule, as a learner meets them."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from courses import video
from courses.models import Completion, Item, QuizAttempt, Reflection
from tests import factories
from tests.conftest import skip_or_fail
from tests.courses.factories import make_quiz
from workshops.models import Submission

pytestmark = pytest.mark.django_db


def page(client, item):
    return client.get(reverse("courses:item", args=[item.pk]))


def done(user, item):
    return Completion.objects.filter(user=user, item=item).exists()


def outline_state(client, course, item):
    html = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    marker = f'data-item="{item.pk}" data-state="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


# --- video ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?enablejsapi=1&rel=0",
        ),
        (
            "https://youtu.be/dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?enablejsapi=1&rel=0",
        ),
        (
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?enablejsapi=1&rel=0",
        ),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
        (
            "https://vimeo.com/76979871/abcdef1234",
            "https://player.vimeo.com/video/76979871?dnt=1&h=abcdef1234",
        ),
        (
            "https://player.vimeo.com/video/76979871",
            "https://player.vimeo.com/video/76979871?dnt=1",
        ),
        ("https://evil.example/watch?v=dQw4w9WgXcQ", None),
        ("javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ", None),
        ("https://www.youtube.com/watch?v=short", None),
        ("https://vimeo.com/channels/staffpicks", None),
    ],
)
def test_a_pasted_video_address_becomes_a_privacy_enhanced_embed(url, expected):
    assert video.embed_url(url) == expected


def test_a_youtube_video_is_embedded_without_cookies_and_the_csp_allows_only_that(
    client_for, learner, course
):
    item = factories.ItemFactory(
        module=course.modules.first(),
        kind=Item.Kind.VIDEO,
        video_url="https://youtu.be/dQw4w9WgXcQ",
        completion_rule=Item.Rule.VIEWED,
    )
    response = page(client_for(learner), item)
    html = response.content.decode()
    assert (
        'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?enablejsapi=1&amp;rel=0"' in html
    )
    assert f'data-watched-url="{reverse("courses:item_watched", args=[item.pk])}"' in html
    assert "js/courses-video.js" in html
    csp = response["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com https://player.vimeo.com" in csp
    # Opening a video is not watching it.
    assert not done(learner, item)
    assert 'data-testid="mark-done"' not in html


def test_a_video_counts_as_viewed_when_the_player_reports_the_end(client_for, learner, course):
    item = factories.ItemFactory(
        module=course.modules.first(),
        kind=Item.Kind.VIDEO,
        video_url="https://vimeo.com/76979871",
        completion_rule=Item.Rule.VIEWED,
    )
    client = client_for(learner)
    response = client.post(reverse("courses:item_watched", args=[item.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="item-done"' in response.content.decode()
    assert done(learner, item)
    assert outline_state(client, course, item) == "done"


def test_only_a_video_can_be_reported_watched(client_for, learner, items):
    response = client_for(learner).post(reverse("courses:item_watched", args=[items[0].pk]))
    assert response.status_code == 403
    assert not Completion.objects.exists()


def test_an_uploaded_video_plays_with_captions_for_the_course_only(
    client_for, learner, outsider_learner, course
):
    item = factories.ItemFactory(module=course.modules.first(), kind=Item.Kind.VIDEO)
    item.video_file.save("webinaari.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42"), save=False)
    item.captions.save("tekstit.vtt", ContentFile(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHei"))
    client = client_for(learner)
    html = page(client, item).content.decode()
    video_url = reverse("courses:item_file", args=[item.pk, "video"])
    captions_url = reverse("courses:item_file", args=[item.pk, "captions"])
    assert f'<source src="{video_url}">' in html
    assert f'<track kind="captions" src="{captions_url}"' in html
    response = client.get(captions_url)
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert b"".join(response.streaming_content).startswith(b"WEBVTT")
    response = client.get(video_url)
    assert response["Content-Type"] == "video/mp4"
    b"".join(response.streaming_content)
    # The outsider studies the same course in another cohort: they may watch it too.
    response = client_for(outsider_learner).get(video_url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    stranger = factories.MembershipFactory().user
    assert client_for(stranger).get(video_url).status_code == 404


# --- file and link -------------------------------------------------------------------------


def test_a_resource_file_is_always_downloaded_never_rendered(client_for, learner, course):
    item = factories.ItemFactory(
        module=course.modules.first(), kind=Item.Kind.FILE, file_name="<script>kuva.svg"
    )
    item.file.save(
        "kuva.svg",
        ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    )
    client = client_for(learner)
    html = page(client, item).content.decode()
    assert "<script>kuva.svg" not in html
    assert "&lt;script&gt;kuva.svg" in html
    response = client.get(reverse("courses:item_file", args=[item.pk, "file"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    b"".join(response.streaming_content)
    # The stored name is random; nothing of the uploader's name is on disk.
    assert "kuva" not in item.file.name


def test_a_missing_file_kind_answers_404(client_for, learner, items):
    client = client_for(learner)
    assert client.get(reverse("courses:item_file", args=[items[0].pk, "file"])).status_code == 404
    assert client.get(reverse("courses:item_file", args=[items[0].pk, "other"])).status_code == 404


def test_an_external_link_with_the_viewed_rule_is_done_when_opened(client_for, learner, course):
    item = factories.ItemFactory(
        module=course.modules.first(),
        kind=Item.Kind.LINK,
        link_url="https://osaamisvayla.fi/",
        completion_rule=Item.Rule.VIEWED,
    )
    client = client_for(learner)
    html = page(client, item).content.decode()
    assert 'href="https://osaamisvayla.fi/" rel="noopener noreferrer" target="_blank"' in html
    assert done(learner, item)
    assert outline_state(client, course, item) == "done"


def test_staff_opening_a_viewed_item_record_nothing(client_for, instructor, course):
    item = factories.ItemFactory(module=course.modules.first(), completion_rule=Item.Rule.VIEWED)
    assert page(client_for(instructor), item).status_code == 200
    assert not Completion.objects.exists()


def test_a_text_page_never_runs_script(client_for, learner, course):
    item = factories.ItemFactory(
        module=course.modules.first(),
        body='<p onclick="x()">Hei<script>alert(1)</script><img src=x onerror=alert(1)></p>'
        '<a href="javascript:alert(1)">linkki</a>',
    )
    html = page(client_for(learner), item).content.decode()
    body = html[html.index('class="lesson-body"') :]
    body = body[: body.index("</div>")]
    assert "<script" not in body
    assert "onclick" not in body
    assert "onerror" not in body
    assert "javascript:" not in body


# --- knowledge check -----------------------------------------------------------------------


def answer(client, item, **answers):
    data = {f"q{qid}": value for qid, value in answers.items()}
    # The result is a page of its own (redirect after POST); follow it as the browser does.
    return client.post(reverse("courses:quiz_submit", args=[item.pk]), data, follow=True)


def test_a_wrong_attempt_is_kept_with_feedback_per_answer_and_a_right_one_completes(
    client_for, learner, course
):
    item, c = make_quiz(course.modules.first())
    q1, q2 = c["a"].question_id, c["x"].question_id
    client = client_for(learner)

    response = answer(client, item, **{str(q1): c["b"].pk, str(q2): [c["x"].pk]})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="quiz-result" data-passed="false"' in html
    assert 'data-correct="false"' in html  # the wrong single answer, with its explanation
    assert "Ei, se on tekninen." in html
    assert 'data-correct="true"' in html  # x is right even though y is missing
    assert not done(learner, item)
    assert outline_state(client, course, item) == "in_progress"

    response = answer(client, item, **{str(q1): c["a"].pk, str(q2): [c["x"].pk, c["y"].pk]})
    assert 'data-passed="true"' in response.content.decode()
    assert done(learner, item)
    attempts = list(QuizAttempt.objects.filter(user=learner).order_by("number"))
    assert [(a.number, a.score, a.passed) for a in attempts] == [(1, 0, False), (2, 100, True)]
    assert attempts[0].answers == {str(q1): [c["b"].pk], str(q2): [c["x"].pk]}


def test_a_partly_right_attempt_passes_when_it_reaches_the_pass_mark(client_for, learner, course):
    item, c = make_quiz(course.modules.first(), pass_mark=50)
    q1, q2 = c["a"].question_id, c["x"].question_id
    answer(client_for(learner), item, **{str(q1): c["a"].pk, str(q2): [c["z"].pk]})
    attempt = QuizAttempt.objects.get(user=learner)
    assert (attempt.score, attempt.passed) == (50, True)
    assert done(learner, item)


def test_an_unanswered_question_is_a_400_and_saves_nothing(client_for, learner, course):
    item, c = make_quiz(course.modules.first())
    response = answer(client_for(learner), item, **{str(c["a"].question_id): c["a"].pk})
    assert response.status_code == 400
    assert 'data-testid="quiz-error"' in response.content.decode()
    assert not QuizAttempt.objects.exists()


@pytest.mark.parametrize("bad", ["other-question", "two-in-single", "not-a-number"])
def test_a_forged_answer_is_a_400_and_saves_nothing(client_for, learner, course, bad):
    item, c = make_quiz(course.modules.first())
    q1, q2 = str(c["a"].question_id), str(c["x"].question_id)
    data = {
        "other-question": {q1: c["x"].pk, q2: [c["x"].pk]},
        "two-in-single": {q1: [c["a"].pk, c["b"].pk], q2: [c["x"].pk]},
        "not-a-number": {q1: "a", q2: [c["x"].pk]},
    }[bad]
    assert answer(client_for(learner), item, **data).status_code == 400
    assert not QuizAttempt.objects.exists()


def test_attempts_stop_at_the_limit(client_for, learner, course):
    item, c = make_quiz(course.modules.first(), max_attempts=2)
    q1, q2 = str(c["a"].question_id), str(c["x"].question_id)
    client = client_for(learner)
    wrong = {q1: c["b"].pk, q2: [c["z"].pk]}
    assert answer(client, item, **wrong).status_code == 200
    html = answer(client, item, **wrong).content.decode()
    assert 'data-testid="no-attempts-left"' in html
    assert answer(client, item, **{q1: c["a"].pk, q2: [c["x"].pk, c["y"].pk]}).status_code == 400
    assert QuizAttempt.objects.filter(user=learner).count() == 2
    assert not done(learner, item)


def test_a_knowledge_check_cannot_be_marked_done_by_hand(client_for, learner, course):
    item, _c = make_quiz(course.modules.first())
    client = client_for(learner)
    assert 'data-testid="mark-done"' not in page(client, item).content.decode()
    assert client.post(reverse("courses:item_complete", args=[item.pk])).status_code == 403
    assert not done(learner, item)


def test_staff_see_the_questions_but_cannot_answer(client_for, instructor, course):
    item, c = make_quiz(course.modules.first())
    client = client_for(instructor)
    html = page(client, item).content.decode()
    assert "Mikä on verkosto?" in html
    assert 'data-testid="quiz-submit"' not in html
    q1, q2 = str(c["a"].question_id), str(c["x"].question_id)
    assert answer(client, item, **{q1: c["a"].pk, q2: [c["x"].pk]}).status_code == 403
    assert not QuizAttempt.objects.exists()


# --- reflection and the learning journal ---------------------------------------------------


def reflect(client, item, text):
    return client.post(reverse("courses:reflection_save", args=[item.pk]), {"text": text})


@pytest.fixture
def reflection_item(course):
    return factories.ItemFactory(
        module=course.modules.first(),
        kind=Item.Kind.REFLECTION,
        title="Pohdi omaa verkostoasi",
        body="<p>Keiden kanssa teet jo yhteistyötä?</p>",
    )


def test_a_reflection_is_saved_to_the_journal_and_completes_the_item(
    client_for, learner, other_learner, course, reflection_item
):
    client = client_for(learner)
    response = reflect(client, reflection_item, "  Teen yhteistyötä kirjaston kanssa.  ")
    assert response.status_code == 302
    assert Reflection.objects.get(user=learner).text == "Teen yhteistyötä kirjaston kanssa."
    assert done(learner, reflection_item)
    # Saving again edits the same entry.
    reflect(client, reflection_item, "Myös yrittäjäyhdistyksen kanssa.")
    assert Reflection.objects.filter(user=learner).count() == 1
    html = client.get(reverse("courses:journal")).content.decode()
    assert "Myös yrittäjäyhdistyksen kanssa." in html
    assert html.count('data-testid="journal-entry"') == 1
    # Nobody else sees it, not even in their own journal.
    other = client_for(other_learner).get(reverse("courses:journal")).content.decode()
    assert "yrittäjäyhdistyksen" not in other


def test_an_empty_reflection_is_a_400_and_saves_nothing(client_for, learner, reflection_item):
    response = reflect(client_for(learner), reflection_item, "   ")
    assert response.status_code == 400
    assert 'data-testid="reflection-error"' in response.content.decode()
    assert not Reflection.objects.exists()
    assert not Completion.objects.exists()


def test_the_journal_downloads_as_markdown(client_for, learner, reflection_item):
    client = client_for(learner)
    reflect(client, reflection_item, "Verkostoni on laaja.")
    response = client.get(reverse("courses:journal_export", args=["md"]))
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert "Pohdi omaa verkostoasi" in text
    assert "Verkostoni on laaja." in text


def test_the_journal_downloads_as_pdf(client_for, learner, reflection_item):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        skip_or_fail(f"WeasyPrint cannot import: {exc}")
    client = client_for(learner)
    reflect(client, reflection_item, "Verkostoni on laaja.")
    response = client.get(reverse("courses:journal_export", args=["pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_staff_cannot_write_reflections(client_for, instructor, reflection_item):
    assert reflect(client_for(instructor), reflection_item, "Hei").status_code == 403
    assert not Reflection.objects.exists()


# --- workshop assignment rules -------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "status", "expected"),
    [
        (Item.Rule.SUBMITTED, Submission.Status.PROCESSING, "in_progress"),
        (Item.Rule.SUBMITTED, Submission.Status.REJECTED, "in_progress"),
        (Item.Rule.SUBMITTED, Submission.Status.RECEIVED, "done"),
        (Item.Rule.SUBMITTED, Submission.Status.APPROVED, "done"),
        (Item.Rule.APPROVED, Submission.Status.RECEIVED, "in_progress"),
        (Item.Rule.APPROVED, Submission.Status.REVISION_REQUESTED, "in_progress"),
        (Item.Rule.APPROVED, Submission.Status.APPROVED, "done"),
    ],
)
def test_an_assignment_step_follows_the_workshop_submission(
    client_for, learner, cohort, course, assignment, rule, status, expected
):
    item = factories.ItemFactory(
        module=course.modules.first(),
        kind=Item.Kind.ASSIGNMENT,
        assignment=assignment,
        completion_rule=rule,
    )
    client = client_for(learner)
    assert outline_state(client, course, item) == "available"
    factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=learner, status=status
    )
    assert outline_state(client, course, item) == expected
    html = page(client, item).content.decode()
    assert f'href="{reverse("workshops:assignment", args=[assignment.pk])}"' in html
    assert f'data-status="{status}"' in html


def test_an_assignment_step_cannot_be_marked_done_by_hand(client_for, learner, course, assignment):
    item = factories.ItemFactory(
        module=course.modules.first(),
        kind=Item.Kind.ASSIGNMENT,
        assignment=assignment,
        completion_rule=Item.Rule.APPROVED,
    )
    assert (
        client_for(learner).post(reverse("courses:item_complete", args=[item.pk])).status_code
        == 403
    )
    assert not done(learner, item)


def test_another_learners_approval_does_not_count(
    client_for, learner, other_learner, cohort, course, assignment
):
    item = factories.ItemFactory(
        module=course.modules.first(),
        kind=Item.Kind.ASSIGNMENT,
        assignment=assignment,
        completion_rule=Item.Rule.APPROVED,
    )
    factories.SubmissionFactory(
        assignment=assignment, cohort=cohort, learner=other_learner, status="approved"
    )
    assert outline_state(client_for(learner), course, item) == "available"

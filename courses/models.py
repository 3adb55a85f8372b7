import datetime
import uuid
from pathlib import PurePath
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import Storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.search.fields import Fts5TableField
from core.storage import PrivateStorage

if TYPE_CHECKING:
    from .selectors import Lock


def course_storage() -> Storage:
    # Course files (resources, videos, captions) are served only by courses.views.item_file;
    # on the disk or in an S3 bucket, as configured (core/storage.py).
    return cast(Storage, PrivateStorage("course-files"))  # a lazy proxy of the configured Storage


def course_file_path(instance: object, filename: str) -> str:
    # A random stored name: nothing from the uploader's file name reaches a path or a URL.
    suffix = PurePath(filename).suffix.lower()[:10]
    if not suffix[1:].isalnum():
        suffix = ""
    return f"{uuid.uuid4().hex}{suffix}"


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("authors"),
        blank=True,
        related_name="authored_courses",
        help_text=_("People who may edit the course content in the site."),
    )
    # Completion criteria beyond "all required items done": these workshop assignments
    # (phases) must also be approved for the learner before a certificate is issued.
    completion_assignments = models.ManyToManyField(
        "workshops.Assignment",
        verbose_name=_("approved workshop phases required for completion"),
        blank=True,
        related_name="+",
    )
    # And, when set, this share of the cohort's held workshop sessions attended.
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("workshop sessions attended (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "The share of the cohort's workshop sessions held so far that a learner must have "
            "attended, of those recorded for them; excused absences and sessions not recorded "
            "are left out. Leave empty if attendance does not count."
        ),
    )
    # Printed on the certificate when set: the course's scope and who signs.
    scope_hours = models.DecimalField(
        _("scope in hours"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    scope_credits = models.DecimalField(
        _("credits (ECTS)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    certificate_signer = models.CharField(
        _("signed by"),
        max_length=200,
        blank=True,
        help_text=_(
            "The name and title printed under the certificate's signature line, e.g. "
            "“Maria Virtanen, project manager”. Empty: the issuer's name."
        ),
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="modules"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    is_published = models.BooleanField(
        _("published"), default=True, help_text=_("Drafts are visible only to course authors.")
    )
    # Release rules: all that apply must be met before the module opens to a learner.
    sequential = models.BooleanField(_("opens when the previous module is complete"), default=False)
    prerequisites = models.ManyToManyField(
        "self",
        verbose_name=_("prerequisite modules"),
        symmetrical=False,
        blank=True,
        related_name="unlocks",
    )
    unlock_after_days = models.PositiveIntegerField(
        _("opens this many days after the cohort starts"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(3650)],
    )

    # Set on rows for the outline (courses.selectors), not columns.
    item_list: list["Item"]
    lock: "Lock | None"

    class Meta:
        ordering = ["course", "position", "pk"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self) -> str:
        return self.title


class Item(models.Model):
    """One step of a module that a learner reads, watches or does."""

    class Kind(models.TextChoices):
        PAGE = "page", _("Text page")
        VIDEO = "video", _("Video or webinar")
        FILE = "file", _("File or resource")
        LINK = "link", _("External link")
        QUIZ = "quiz", _("Knowledge check")
        REFLECTION = "reflection", _("Reflection")
        ASSIGNMENT = "assignment", _("Workshop assignment")

    class Rule(models.TextChoices):
        VIEWED = "viewed", _("Viewed")
        MANUAL = "manual", _("Marked done by the learner")
        QUIZ_PASSED = "quiz_passed", _("Knowledge check passed")
        SUBMITTED = "submitted", _("Assignment submitted")
        APPROVED = "approved", _("Assignment approved")

    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PAGE)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content"), blank=True, help_text=_("Sanitised HTML."))
    video_url = models.URLField(
        _("video address"),
        blank=True,
        help_text=_("A YouTube or Vimeo address; it is shown in privacy-enhanced mode."),
    )
    video_file = models.FileField(
        _("video file"), blank=True, upload_to=course_file_path, storage=course_storage
    )
    captions = models.FileField(
        _("captions (.vtt)"), blank=True, upload_to=course_file_path, storage=course_storage
    )
    file = models.FileField(
        pgettext_lazy("course resource", "file"),
        blank=True,
        upload_to=course_file_path,
        storage=course_storage,
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    link_url = models.URLField(_("link address"), blank=True)
    assignment = models.ForeignKey(
        "workshops.Assignment",
        verbose_name=_("workshop assignment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="course_items",
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=0, help_text=_("0 means no limit.")
    )
    completion_rule = models.CharField(
        _("counts as done when"), max_length=20, choices=Rule.choices, default=Rule.MANUAL
    )
    # A knowledge check shows its own questions, or draws this many at random per attempt
    # from the course's question bank (from one tag, or the whole bank).
    draw_count = models.PositiveSmallIntegerField(
        _("questions drawn from the bank"),
        default=0,
        help_text=_("0: the check's own questions, in order."),
    )
    draw_tag = models.ForeignKey(
        "QuestionTag",
        verbose_name=_("draw from the tag"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole question bank."),
    )
    review_shows_answers = models.BooleanField(
        _("the attempt review shows the right answers"),
        default=False,
        help_text=_("Otherwise the review says only which answers were right."),
    )
    is_required = models.BooleanField(_("required for course completion"), default=True)
    is_published = models.BooleanField(
        _("published"), default=True, help_text=_("Drafts are visible only to course authors.")
    )
    minutes = models.PositiveIntegerField(_("estimated minutes"), default=10)
    # The title's and text's lemmas (courses.search), kept by courses.search.item_index on
    # PostgreSQL (GIN-indexed there); SQLite uses ItemSearchText.
    search_document = SearchVectorField(null=True, editable=False)

    # Set on rows for the outline and the dashboard (courses.selectors), not columns.
    is_done: bool
    is_started: bool
    lock: "Lock | None"
    state: str

    class Meta:
        ordering = ["module", "position", "pk"]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def __str__(self) -> str:
        return self.title


class ItemSearchText(models.Model):
    """The items' lemmatised text in SQLite's FTS5 table (courses.search), created by a
    migration and written by courses.search.item_index; never used on PostgreSQL."""

    item = models.OneToOneField(
        Item,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="rowid",
        related_name="search_text",
    )
    document = Fts5TableField(db_column="courses_item_fts")

    class Meta:
        managed = False
        db_table = "courses_item_fts"

    def __str__(self) -> str:
        return str(self.pk)


class Completion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="completions"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("completion")
        verbose_name_plural = _("completions")
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="one_completion_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.item}"


class QuestionTag(models.Model):
    """A label in a course's question bank; a knowledge check can draw from one tag."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="question_tags"
    )
    name = models.CharField(pgettext_lazy("question bank", "tag"), max_length=60)

    class Meta:
        ordering = ["course", "name"]
        verbose_name = pgettext_lazy("question bank", "tag")
        verbose_name_plural = pgettext_lazy("question bank", "tags")
        constraints = [
            models.UniqueConstraint(fields=["course", "name"], name="one_question_tag_per_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """A question in a course's question bank. `item` is set for a question written in a
    knowledge check (it is shown there in order); a check can also draw questions at random
    from the bank (Item.draw_count)."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        NUMERIC = "numeric", _("Numeric answer")
        SHORT_TEXT = "short_text", _("Short text answer")
        MATCHING = "matching", _("Matching")
        ORDERING = "ordering", _("Ordering")

    course = models.ForeignKey(
        Course,
        verbose_name=_("question bank of"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    item = models.ForeignKey(
        Item,
        verbose_name=_("knowledge check"),
        on_delete=models.CASCADE,
        related_name="questions",
        null=True,
        blank=True,
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(
        pgettext_lazy("question", "type"), max_length=20, choices=Kind.choices, default=Kind.SINGLE
    )
    text = models.TextField(_("question"))
    # Numeric questions: the right number and how far off an answer may be and still count.
    number = models.DecimalField(
        _("right number"), max_digits=24, decimal_places=8, null=True, blank=True
    )
    tolerance = models.DecimalField(
        _("tolerance (±)"), max_digits=24, decimal_places=8, default=0, blank=True
    )
    feedback = models.TextField(
        _("feedback"), blank=True, help_text=_("Shown to the learner in the attempt review.")
    )
    tags = models.ManyToManyField(
        QuestionTag,
        verbose_name=pgettext_lazy("question bank", "tags"),
        blank=True,
        related_name="questions",
    )

    # Set on rows for the question bank (the languages a question lacks), not a column.
    missing: list[dict[str, object]]

    class Meta:
        ordering = ["item", "position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="numeric") | models.Q(number__isnull=False),
                name="numeric_question_has_number",
            ),
            models.CheckConstraint(condition=models.Q(tolerance__gte=0), name="tolerance_gte_0"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def multiple(self) -> bool:
        return self.kind == self.Kind.MULTIPLE


class Choice(models.Model):
    """One row of a question: an answer option (single, multiple choice), an accepted answer
    (short text), a pair "text → match" (matching; an empty text is a distractor) or an item
    in its right place (ordering, by position)."""

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("answer"), max_length=500, blank=True)
    match = models.CharField(
        pgettext_lazy("matching question", "match"), max_length=500, blank=True
    )
    is_correct = models.BooleanField(_("correct"), default=False)
    explanation = models.TextField(
        _("explanation"), blank=True, help_text=_("Shown to the learner after answering.")
    )

    # Set on rows while an attempt is marked or reviewed (courses.quiz), not columns.
    chosen: bool
    place: int

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")

    def __str__(self) -> str:
        return self.text or self.match


class QuizAttempt(models.Model):
    """One try at a knowledge check; every attempt is kept. An attempt is opened with the
    questions drawn for it (`questions`, fixed for its lifetime) and graded once when it is
    submitted (`submitted_at`); only submitted attempts have a score. What a submitted attempt
    asked stays as it was answered (`snapshot`), whatever its authors change later."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField(_("attempt"))
    # The ids of the questions of this attempt, in the order shown.
    questions = models.JSONField(_("questions"), default=list, blank=True)
    score = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)
    # {question id: the answer as given (choice ids, a number or a text, {row: answer})},
    # kept as given so a later edit of the quiz does not rewrite history.
    answers = models.JSONField(_("answers"), default=dict)
    # {question id: true/false}, decided when graded.
    results = models.JSONField(_("results"), default=dict, blank=True)
    # The questions as this attempt asked them, in its order (courses.quiz.snapshot): their
    # type, texts per language, right answers and options with their ids. Its review is read
    # from here, so editing or deleting a question later does not rewrite the attempt. None
    # while no author has changed its questions since it was answered (they are then still
    # what it asked): an edit takes the snapshot of every such attempt first
    # (courses.authoring.quiz_attempts_freeze), and so did the migration that added it.
    snapshot = models.JSONField(_("questions as asked"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    # None while the attempt is open. The default keeps a row created the old way (with its
    # score, in one step) a submitted attempt.
    submitted_at = models.DateTimeField(_("answered"), null=True, blank=True, default=timezone.now)

    class Meta:
        ordering = ["item", "user", "number"]
        verbose_name = _("knowledge check attempt")
        verbose_name_plural = _("knowledge check attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "item", "number"], name="one_attempt_per_number"
            ),
            models.UniqueConstraint(
                fields=["user", "item"],
                condition=models.Q(submitted_at__isnull=True),
                name="one_open_attempt_per_check",
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True) | models.Q(score__isnull=False),
                name="submitted_attempt_has_score",
            ),
        ]
        indexes = [models.Index(fields=["item", "user", "-score"], name="attempt_best_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.item} #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Reflection(models.Model):
    """A learner's answer to a reflection prompt: an entry in their learning journal."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections"
    )
    # Empty once an author removed the item: the learner's writing is theirs and stays in their
    # journal, with what it answered kept in `removed_item` (courses.views_authoring).
    item = models.ForeignKey(
        Item, on_delete=models.SET_NULL, null=True, blank=True, related_name="reflections"
    )
    text = models.TextField(_("reflection"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The removed item's, its module's and course's titles per language:
    # {"item": {"fi": ..., "sv": ...}, "module": {...}, "course": {...}}.
    removed_item = models.JSONField(_("removed section"), default=dict, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="one_reflection_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.prompt_title}"

    @property
    def kept(self) -> dict[str, str]:
        """The removed item's, module's and course's titles ("item", "module", "course") in
        the active language where they were written, else in Finnish."""
        language = (get_language() or "fi")[:2]
        return {
            part: str(titles.get(language) or titles.get("fi") or "")
            for part, titles in (self.removed_item or {}).items()
            if isinstance(titles, dict)
        }

    @property
    def prompt_title(self) -> str:
        """What the entry answered: the item's title, or the kept one once it was removed."""
        if self.item is not None:
            return self.item.title
        return self.kept.get("item", "")


class ReleaseExtension(models.Model):
    """A per-learner shift of a module's unlock date (e.g. a learner who joined late)."""

    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="extensions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="release_extensions",
    )
    days = models.IntegerField(
        _("days"),
        help_text=_("Added to the module's unlock day for this learner; negative opens earlier."),
        validators=[MinValueValidator(-3650), MaxValueValidator(3650)],
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("release extension")
        verbose_name_plural = _("release extensions")
        constraints = [
            models.UniqueConstraint(fields=["module", "user"], name="one_extension_per_module"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.module} ({self.days:+d})"


def certificate_pdf_path(instance: object, filename: str) -> str:
    return f"certificates/{uuid.uuid4().hex}.pdf"


class Certificate(models.Model):
    """A learner's course certificate: a PDF, a public verification page and a signed
    Open Badges 3.0 credential (courses/credentials.py). One per learner and course."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("certificate status", "Being issued")
        ISSUING = "issuing", pgettext_lazy("certificate status", "Being issued")
        ISSUED = "issued", pgettext_lazy("certificate status", "Issued")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="certificates",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="certificates"
    )
    cohort = models.ForeignKey(
        "learners.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
    )
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # What the certificate says. The course title is kept as issued; the name follows a rename
    # of its holder (services.certificate_name_refresh), except after erasure.
    learner_name = models.CharField(_("name"), max_length=300, blank=True)
    course_title = models.CharField(_("course"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When a worker last claimed it for issuing (or the beat task re-queued it): a certificate
    # pending or issuing for long after this is stuck (a worker died) and is queued again.
    claimed_at = models.DateTimeField(_("claimed for issuing"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    pdf = models.FileField(
        _("PDF"), blank=True, upload_to=certificate_pdf_path, storage=course_storage
    )
    credential = models.JSONField(_("signed credential"), default=dict, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="one_certificate_per_learner_and_course"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.learner_name or self.user} – {self.course_title or self.course} ({self.code})"
        )

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def course_image_path(instance: object, filename: str) -> str:
    return f"images/{filename}"


class CourseImage(models.Model):
    """An image uploaded into a text page with the editor. The stored file is re-encoded by
    Pillow under a random name (`name`); it is served only by courses.views.course_image to
    people who may see its course (a copied or imported course gets its own copies)."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="images"
    )
    name = models.CharField(_("stored name"), max_length=64, unique=True)
    file = models.FileField(
        _("image"), upload_to=course_image_path, storage=course_storage, max_length=200
    )
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("course image")
        verbose_name_plural = _("course images")

    def __str__(self) -> str:
        return self.name


def first_completion_sweep() -> datetime.datetime:
    """When the outbox sweeper first looks at a completion check still waiting."""
    from core.outbox import first_attempt_at

    return first_attempt_at("completion")


class CompletionCheckWanted(models.Model):
    """Outbox: check whether these learners have now finished the course. Written in the same
    transaction as what may finish it (an approval, attendance), so an approval made while the
    broker is down still issues the certificate: the check task deletes the row when done and
    the sweeper publishes it again while it waits (courses/outbox.py)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(
        "learners.Cohort", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # An approved or sent answer: its learner and the experiment's whole team are checked.
    submission_id = models.PositiveBigIntegerField(null=True, blank=True)
    user_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=first_completion_sweep, db_index=True)

    class Meta:
        verbose_name = _("completion check wanted")
        verbose_name_plural = _("completion checks wanted")

    def __str__(self) -> str:
        return f"{self.course_id}: {self.submission_id or self.user_ids}"


class ItemCreation(models.Model):
    """The one-time token of a new-item form (courses.views_authoring.item_form) and the item
    it created: the same form sent again (Back, then Save) leads to that item instead of
    adding a second one."""

    token = models.UUIDField(unique=True, editable=False)
    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("item creation")
        verbose_name_plural = _("item creations")

    def __str__(self) -> str:
        return f"{self.token} → {self.item_id}"

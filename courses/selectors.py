"""Reads for courses, each with a fixed number of queries however large the course or cohort.

Whether an item is done is one SQL expression (`item_done_q`): a Completion row, or for the
assignment rules the learner's workshops.Submission in the right status. Counting it per
module in a subquery keeps progress an aggregate, never a loop over items.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, cast

from django.db import router
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import prepared
from core.db import no_jit
from core.models import User
from learners.models import Cohort, Membership
from workshops.models import ExperimentMember, Submission

from . import quiz
from .models import (
    Certificate,
    Choice,
    Completion,
    Course,
    Item,
    Module,
    Question,
    QuizAttempt,
    Reflection,
    ReleaseExtension,
)


class ModuleProgress(TypedDict):
    """What modules_with_progress annotates on each module."""

    item_count: int
    done_count: int
    required_count: int
    required_done: int
    has_prerequisites: bool
    minutes: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    ModuleWithProgress = WithAnnotations[Module, ModuleProgress]

# A submission in one of these states counts as "submitted" (a rejected file does not).
SUBMITTED_STATUSES = (
    Submission.Status.RECEIVED,
    Submission.Status.REVISION_REQUESTED,
    Submission.Status.APPROVED,
)


def submissions_of(user: User) -> QuerySet[Submission]:
    """Submissions that count for `user`: their own and their experiment team's. An experiment
    has up to four members (workshops.ExperimentMember) and one of them sends each version, so
    the Submission's `learner` alone would leave the rest of the team behind."""
    return Submission.objects.filter(
        Q(learner=user)
        | Q(
            Exists(ExperimentMember.objects.filter(experiment=OuterRef("experiment_id"), user=user))
        )
    )


def _done_q(user: User | str, prefix: str = "") -> Q:
    """The "done" condition for an item reached through `prefix` (a lookup path ending in
    "__", or "" on Item itself), for a User, or for the outer query's user-id field named by
    the string `user` (completion_matrix counts many learners in one query this way)."""
    if isinstance(user, str):
        user_ref: User | OuterRef = OuterRef(user)
        team_user_ref: User | OuterRef = OuterRef(OuterRef(user))
    else:
        user_ref = team_user_ref = user
    team = ExperimentMember.objects.filter(experiment=OuterRef("experiment_id"), user=team_user_ref)
    submissions = Submission.objects.filter(
        Q(learner=user_ref) | Q(Exists(team)), assignment=OuterRef(f"{prefix}assignment_id")
    )
    rule = f"{prefix}completion_rule"
    has_assignment = {f"{prefix}assignment__isnull": False}
    return (
        Q(Exists(Completion.objects.filter(user=user_ref, item=OuterRef(f"{prefix}pk"))))
        | Q(**{rule: Item.Rule.SUBMITTED}, **has_assignment)
        & Q(Exists(submissions.filter(status__in=SUBMITTED_STATUSES)))
        | Q(**{rule: Item.Rule.APPROVED}, **has_assignment)
        & Q(Exists(submissions.filter(status=Submission.Status.APPROVED)))
    )


def item_done_q(user: User) -> Q:
    """An Item filter: done by `user` under the item's completion rule (or done before); the
    assignment rules count a submission by any member of the learner's experiment team."""
    return _done_q(user)


def item_started_q(user: User) -> Q:
    """An Item filter: the learner has begun (a quiz attempt, a submission) but may not be done."""
    return Q(Exists(QuizAttempt.objects.filter(user=user, item=OuterRef("pk")))) | Q(
        assignment__isnull=False
    ) & Q(Exists(submissions_of(user).filter(assignment=OuterRef("assignment_id"))))


def visible_items(*, include_drafts: bool = False) -> QuerySet[Item]:
    qs = Item.objects.all()
    if not include_drafts:
        qs = qs.filter(is_published=True, module__is_published=True)
    return qs


def visible_modules(course: Course, *, include_drafts: bool = False) -> QuerySet[Module]:
    qs = course.modules.all()
    return qs if include_drafts else qs.filter(is_published=True)


def _count(qs: QuerySet[Any]) -> Coalesce:
    return Coalesce(
        Subquery(
            qs.values("module").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def modules_with_progress(
    *, user: User, course: Course, include_drafts: bool = False
) -> QuerySet[ModuleWithProgress]:
    """The course's modules with `item_count`, `done_count`, `required_count`, `required_done`
    and `minutes` for one learner, in one query."""
    items = visible_items(include_drafts=include_drafts).filter(module=OuterRef("pk"))
    done = items.filter(item_done_q(user))
    return (
        visible_modules(course, include_drafts=include_drafts)
        .annotate(
            item_count=_count(items),
            done_count=_count(done),
            required_count=_count(items.filter(is_required=True)),
            required_done=_count(done.filter(is_required=True)),
            # Lets module_locks skip its prerequisites query when no module has any.
            has_prerequisites=Exists(
                Module.prerequisites.through.objects.filter(from_module=OuterRef("pk"))
            ),
            minutes=Coalesce(
                Subquery(
                    items.values("module").annotate(n=Sum("minutes")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .order_by("position", "pk")
    )


@dataclass(frozen=True)
class CourseProgress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def course_progress(modules: Iterable[ModuleWithProgress]) -> CourseProgress:
    modules = list(modules)
    return CourseProgress(
        done=sum(m.done_count for m in modules),
        total=sum(m.item_count for m in modules),
    )


def next_item(
    *,
    user: User,
    course: Course,
    modules: list[ModuleWithProgress] | None = None,
    cohort: Cohort | None = None,
) -> Item | None:
    """Where the learner left off: the first item, in course order, not yet done in a module
    that is open to them (release rules as in the outline). Pass the `modules` from
    `modules_with_progress` and the learner's `cohort` when the caller has them already."""
    if cohort is None:
        cohort = learner_cohort(user=user, course=course)
    locked: set[int] = set()
    if cohort is not None:
        if modules is None:
            modules = list(modules_with_progress(user=user, course=course))
        locked = set(module_locks(user=user, course=course, modules=modules, cohort=cohort))
    return (
        visible_items()
        .filter(module__course=course)
        .exclude(module_id__in=locked)
        .exclude(item_done_q(user))
        .select_related("module")
        .order_by("module__position", "module__pk", "position", "pk")
        .first()
    )


def module_items(*, user: User, module: Module, include_drafts: bool = False) -> list[Item]:
    return list(
        visible_items(include_drafts=include_drafts)
        .filter(module=module)
        # Item declares is_done for the rows the outline marks: a "redefinition" to the plugin.
        .annotate(is_done=Case(When(item_done_q(user), then=True), default=False))  # type: ignore[no-redef]
        .order_by("position", "pk")
    )


def completions_only(*, course: Course) -> bool:
    """True when no published item of the course counts a submission as done: then a learner's
    items done are exactly their Completion rows (one query)."""
    return not assignment_ruled_items(course_id=course.pk).exists()


def assignment_ruled_items(*, course_id: int) -> QuerySet[Item]:
    """The course's items whose "done" may come from a submission (the assignment rules)."""
    return Item.objects.filter(
        module__course_id=course_id,
        completion_rule__in=(Item.Rule.SUBMITTED, Item.Rule.APPROVED),
        assignment__isnull=False,
    )


def completion_matrix(
    *,
    user_ids: Iterable[int] | None = None,
    course: Course | None = None,
    courses: Iterable[int] = (),
    cohort: Cohort | None = None,
    completions_only: bool = False,
) -> dict[int, dict[int, int]]:
    """{user id: {module id: published items done}} for many learners in one aggregate query,
    with the outline's rule for "done" (item_done_q): a Completion row, or for the assignment
    rules a submission by the learner or a member of their experiment team.

    `user_ids` names a page of learners; `cohort` instead counts every learner of the cohort
    by a join (no IN list of thousands of ids for the planner to read). Each learner's
    membership row is joined to the course's items, so the database evaluates the rule per
    (learner, item) and counts per module; a learner in two cohorts of the course counts each
    item once.

    `completions_only=True` (the caller has checked completions_only(course=...)) counts the
    Completion rows with a plain join and GROUP BY: the same numbers when no item counts a
    submission, without evaluating the rule per (learner, item) pair, which cost 0.8 s for a
    cohort of 1,000 on PostgreSQL.

    `courses` (ids) instead of `course` counts the learners' modules of several courses at once
    (a learner's own results in each of their cohorts): module ids are unique, so the matrix
    has the same shape."""
    course_ids = [course.pk] if course is not None else list(courses)
    if completions_only and cohort is not None:
        done = Completion.objects.filter(
            user__memberships__cohort=cohort,
            user__memberships__role=Membership.Role.LEARNER,
            item__is_published=True,
            item__module__is_published=True,
            item__module__course_id__in=course_ids,
        )
        if user_ids is not None:
            done = done.filter(user_id__in=list(user_ids))
        simple: dict[int, dict[int, int]] = defaultdict(dict)
        with no_jit():
            for user_id, module_id, n in (
                done.values_list("user_id", "item__module_id")
                .annotate(n=Count("item_id", distinct=True))
                .order_by()
            ):
                simple[user_id][module_id] = n
        return simple
    path = "cohort__course__modules__items"
    memberships = Membership.objects.filter(
        role=Membership.Role.LEARNER, cohort__course_id__in=course_ids
    )
    if cohort is not None:
        memberships = memberships.filter(cohort=cohort)
    if user_ids is not None:
        memberships = memberships.filter(user_id__in=list(user_ids))
    rows = (
        memberships.filter(
            _done_q("user_id", prefix=f"{path}__"),
            **{f"{path}__is_published": True, "cohort__course__modules__is_published": True},
        )
        .values("user_id", f"{path}__module_id")
        .annotate(n=Count(path, distinct=True))
    )
    matrix: dict[int, dict[int, int]] = defaultdict(dict)
    with no_jit():
        for row in rows:
            matrix[row["user_id"]][row[f"{path}__module_id"]] = row["n"]
    return matrix


_M = TypeVar("_M", bound="Model")
_I = TypeVar("_I", "Item", "ItemRow")

# --- queries compiled once -------------------------------------------------------------------

# Each learner page runs a few small queries of a fixed shape (the learner's cohort, the
# course's modules, the items, the certificate); building and compiling them through the ORM
# cost more than running them. They are prepared (core/prepared.py): compiled once per
# database, shape and language with placeholder ids, then run with the real ones.


# --- release rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    """Why a module is closed to a learner, and from which day it opens (if a date rule)."""

    reason: str
    until: datetime.date | None = None


def learner_cohort(*, user: User, course: Course) -> Cohort | None:
    """The learner's latest cohort that runs the course, or None if they are not its learner."""
    found = prepared.objects(
        Cohort,
        ("learner_cohort",),
        lambda u, c: Cohort.objects.filter(
            course_id=c, memberships__user_id=u, memberships__role=Membership.Role.LEARNER
        ).order_by("-start_date", "-pk")[:1],
        u=user.pk,
        c=course.pk,
    )
    return found[0] if found else None


def module_locks(
    *,
    user: User,
    course: Course,
    modules: list[ModuleWithProgress],
    cohort: Cohort,
    today: datetime.date | None = None,
) -> dict[int, Lock]:
    """{module id: Lock} for the modules still closed to this learner (two queries).

    `modules` come from `modules_with_progress` (in course order). A module opens when every
    rule that applies is met: the previous module complete (sequential), each prerequisite
    complete, and the unlock day (cohort start + days + the learner's extension) reached.
    """
    today = today or timezone.localdate()
    complete = {m.pk: m.required_done >= m.required_count for m in modules}
    titles = {m.pk: m.title for m in modules}
    prerequisites: dict[int, list[int]] = defaultdict(list)
    if any(getattr(m, "has_prerequisites", True) for m in modules):
        for module_id, prerequisite_id in Module.prerequisites.through.objects.filter(
            from_module__course=course
        ).values_list("from_module_id", "to_module_id"):
            prerequisites[module_id].append(prerequisite_id)
    # Extensions only shift unlock days: no query when no module has one.
    extensions = (
        dict(
            ReleaseExtension.objects.filter(user=user, module__course=course).values_list(
                "module_id", "days"
            )
        )
        if any(m.unlock_after_days is not None for m in modules)
        else {}
    )
    locks: dict[int, Lock] = {}
    previous: Module | None = None
    for module in modules:
        lock = None
        if module.unlock_after_days is not None:
            days = module.unlock_after_days + extensions.get(module.pk, 0)
            opens = cohort.start_date + datetime.timedelta(days=days)
            if today < opens:
                lock = Lock(
                    _("Opens on %(date)s.") % {"date": date_format(opens, "SHORT_DATE_FORMAT")},
                    until=opens,
                )
        if lock is None and module.sequential and previous and not complete[previous.pk]:
            lock = Lock(_("Complete the module “%(title)s” first.") % {"title": previous.title})
        if lock is None:
            # Prerequisites from other courses or draft modules are not in `titles`; skip them.
            missing = [
                titles[p] for p in prerequisites[module.pk] if p in titles and not complete[p]
            ]
            if missing:
                lock = Lock(_("Complete the module “%(title)s” first.") % {"title": missing[0]})
        if lock:
            locks[module.pk] = lock
        previous = module
    return locks


# --- the outline ---------------------------------------------------------------------------


class State:
    LOCKED = "locked"
    AVAILABLE = "available"
    IN_PROGRESS = "in_progress"
    DONE = "done"


@dataclass
class Outline:
    course: Course
    modules: list[ModuleWithProgress]
    cohort: Cohort | None
    progress: CourseProgress
    next_item: Item | None
    items: list[Item] = field(default_factory=list)

    @property
    def is_learner(self) -> bool:
        return self.cohort is not None


# The outline's items query is compiled once per database and shape (prepared): building
# and compiling its done and started conditions (three EXISTS each, nested for the experiment
# team) cost more than running it.


def _items_query(
    *, user: User, course_id: int, include_drafts: bool, started: bool, only: tuple[str, ...]
) -> QuerySet[Item]:
    annotations: dict[str, Any] = {
        "is_done": Case(When(item_done_q(user), then=True), default=False)
    }
    if started:
        annotations["is_started"] = Case(
            When(item_started_q(user), then=True), default=False, output_field=BooleanField()
        )
    qs = visible_items(include_drafts=include_drafts).filter(module__course_id=course_id)
    if only:
        qs = qs.only("module", "is_required", "minutes", *only)
    return qs.annotate(**annotations).order_by("position", "pk")


def _items_with_flags(
    *, user: User, course: Course, include_drafts: bool, started: bool, only: tuple[str, ...]
) -> list[Item]:
    """`_items_query` for this learner and course, from its SQL compiled once."""
    return prepared.objects(
        Item,
        ("items", include_drafts, started, only),
        lambda u, c: _items_query(
            user=User(pk=u), course_id=c, include_drafts=include_drafts, started=started, only=only
        ),
        u=user.pk,
        c=course.pk,
    )


def _modules(*, user: User, course: Course, include_drafts: bool) -> list[Module]:
    """The course's modules in order with `has_prerequisites` (one query, compiled once)."""
    return prepared.objects(
        Module,
        ("modules", include_drafts),
        lambda c: (
            visible_modules(Course(pk=c), include_drafts=include_drafts)
            .annotate(
                has_prerequisites=Exists(
                    Module.prerequisites.through.objects.filter(from_module=OuterRef("pk"))
                )
            )
            .order_by("position", "pk")
        ),
        c=course.pk,
    )


def _with_counts(modules: list[Module], items: list[_I]) -> list[_I]:
    """Set on each module its `item_list` and the counts `modules_with_progress` annotates,
    summed from `items` (each with `module_id`, `is_required`, `minutes` and `is_done`);
    returns the modules' items in course order."""
    by_module: dict[int, list[_I]] = {m.pk: [] for m in modules}
    for item in items:
        if item.module_id in by_module:
            by_module[item.module_id].append(item)
    ordered: list[_I] = []
    for module in modules:
        own = by_module[module.pk]
        required = [i for i in own if i.is_required]
        counted: Any = module  # the counts modules_with_progress annotates, set here
        counted.item_list = own
        counted.item_count = len(own)
        counted.done_count = sum(1 for i in own if i.is_done)
        counted.required_count = len(required)
        counted.required_done = sum(1 for i in required if i.is_done)
        counted.minutes = sum(i.minutes for i in own)
        ordered.extend(own)
    return ordered


def modules_and_items(
    *,
    user: User,
    course: Course,
    include_drafts: bool = False,
    started: bool = False,
    only: tuple[str, ...] = (),
) -> tuple[list[ModuleWithProgress], list[Item]]:
    """The course's modules with the counts of `modules_with_progress` (`item_count`,
    `done_count`, `required_count`, `required_done`, `minutes`, `has_prerequisites`) and its
    items in course order, each with `is_done` (and `is_started` when `started`), each module's
    items as `item_list`. Two queries: the counts are summed from the items, where
    `modules_with_progress` has five correlated subqueries per module (the SQL compiler's work
    on those was most of an outline's time). `only`: load just these item fields (the counts'
    `module`, `is_required` and `minutes` always), for a caller that shows no item."""
    modules = _modules(user=user, course=course, include_drafts=include_drafts)
    items = _items_with_flags(
        user=user, course=course, include_drafts=include_drafts, started=started, only=only
    )
    ordered = _with_counts(modules, items)
    return cast("list[ModuleWithProgress]", modules), ordered


@dataclass(frozen=True, slots=True)
class ItemRow:
    """An item as a progress card counts it, without a model instance (`modules_and_item_rows`)."""

    pk: int
    module_id: int
    position: int
    is_required: bool
    minutes: int
    is_done: bool

    def as_item(self) -> Item:
        """The row as an Item with only these fields loaded (and `is_done`), for a link to it."""
        loaded = {
            "id": self.pk,
            "module_id": self.module_id,
            "position": self.position,
            "is_required": self.is_required,
            "minutes": self.minutes,
        }
        fields = [f.attname for f in Item._meta.concrete_fields if f.attname in loaded]
        item = Item.from_db(router.db_for_read(Item), fields, [loaded[f] for f in fields])
        item.is_done = self.is_done
        return item


def modules_and_item_rows(
    *, user: User, course: Course
) -> tuple[list[ModuleWithProgress], list[ItemRow]]:
    """`modules_and_items` of the published course for a caller that names no item (a
    dashboard card): the same modules and counts, the items as `ItemRow`s (two queries). The
    card read 60 to 200 Item instances a course only to count them."""
    return cards_rows(user=user, course_ids=[course.pk])[course.pk]


def _card_modules(*course_ids: int) -> QuerySet[Module]:
    """The published modules of these courses, in each course's order, with
    `has_prerequisites` (as `_modules`)."""
    return (
        Module.objects.filter(course_id__in=course_ids, is_published=True)
        .annotate(
            has_prerequisites=Exists(
                Module.prerequisites.through.objects.filter(from_module=OuterRef("pk"))
            )
        )
        .order_by("course_id", "position", "pk")
    )


def _card_items(user_id: int, *course_ids: int) -> QuerySet[Item]:
    """The published items of these courses with the learner's `is_done` (as `_items_query`
    with only `position` besides the counts' fields)."""
    return (
        visible_items()
        .filter(module__course_id__in=course_ids)
        .only("module", "is_required", "minutes", "position")
        .annotate(  # type: ignore[no-redef]  # Item declares is_done for the outline's rows
            is_done=Case(When(item_done_q(User(pk=user_id)), then=True), default=False)
        )
        .order_by("position", "pk")
    )


def cards_rows(
    *, user: User, course_ids: list[int]
) -> dict[int, tuple[list[ModuleWithProgress], list[ItemRow]]]:
    """`modules_and_item_rows` of several published courses at once, {course id: (modules,
    items)}: two queries whatever the number of courses (the dashboard's cards), each compiled
    once per number of courses."""
    ids = sorted(set(course_ids))
    if not ids:
        return {}
    modules_of: dict[int, list[Module]] = {pk: [] for pk in ids}
    courses = prepared.numbered("c", ids)
    for module in prepared.objects(
        Module, ("card_modules", len(ids)), lambda **c: _card_modules(*c.values()), **courses
    ):
        modules_of[module.course_id].append(module)
    names, rows = prepared.rows(
        Item,
        ("card_items", len(ids)),
        lambda user, **c: _card_items(user, *c.values()),
        user=user.pk,
        **courses,
    )
    at = [names.index(n) for n in ("id", "module_id", "position", "is_required", "minutes")]
    done_at = names.index("is_done")
    items = [
        ItemRow(
            row[at[0]],
            row[at[1]],
            row[at[2]],
            bool(row[at[3]]),
            row[at[4]],
            bool(row[done_at]),
        )
        for row in rows
    ]
    return {
        pk: (cast("list[ModuleWithProgress]", modules), _with_counts(modules, items))
        for pk, modules in modules_of.items()
    }


# The item fields the outline's pages show (outline, module page, the lesson's sidebar, search
# results, the outline's cache key): the lesson's text and files in every language (`body_fi`,
# `body_sv`, `body_en`...) stay in the database; a lesson page shows its own item as read by
# courses.access. Reading another field of an outline item still works, one query per item.
OUTLINE_FIELDS = ("title", "kind", "is_published")


def course_outline(*, user: User, course: Course, include_drafts: bool = False) -> Outline:
    """Modules with their items, each item with a `state` and locked modules with a `lock`;
    the items carry `OUTLINE_FIELDS` (and those the counts need), not their text.

    Four queries for a learner whatever the size of the course or cohort (cohort, modules,
    items with done/started flags, extensions when a module has an unlock day; prerequisites
    only when a module has one); two for staff.
    """
    return course_outline_in(
        user=user,
        course=course,
        cohort=learner_cohort(user=user, course=course),
        include_drafts=include_drafts,
    )


def course_outline_in(
    *, user: User, course: Course, cohort: Cohort | None, include_drafts: bool = False
) -> Outline:
    """`course_outline` for a caller that has read the person's `learner_cohort` already
    (None: not a learner of the course), so that it is not read again."""
    modules, _items = modules_and_items(
        user=user, course=course, include_drafts=include_drafts, started=True, only=OUTLINE_FIELDS
    )
    locks = module_locks(user=user, course=course, modules=modules, cohort=cohort) if cohort else {}
    # `item.module = module` through the descriptor checks the pair for every one of 200 items;
    # each item's module_id is its module's pk already, so only the cache is set.
    cache_module = Item._meta.get_field("module").set_cached_value
    first_open: Item | None = None
    ordered: list[Item] = []
    for module in modules:
        # The outline's own attributes on each module and item, read by the templates.
        module.lock = locks.get(module.pk)
        for item in module.item_list:
            cache_module(item, module)  # item.module: the annotated module, no other query
            item.lock = module.lock
            if not cohort:
                item.state = State.AVAILABLE
            elif item.lock:
                item.state = State.LOCKED
            elif item.is_done:
                item.state = State.DONE
            elif item.is_started:
                item.state = State.IN_PROGRESS
            else:
                item.state = State.AVAILABLE
            if first_open is None and item.state in (State.AVAILABLE, State.IN_PROGRESS):
                first_open = item
            ordered.append(item)
    return Outline(
        course=course,
        modules=modules,
        cohort=cohort,
        progress=course_progress(modules),
        next_item=first_open if cohort else None,
        items=ordered,
    )


def item_lock(*, user: User, item: Item) -> Lock | None:
    """The lock on this item's module for a learner of the course; None for everyone else."""
    return item_lock_in(
        user=user, item=item, cohort=learner_cohort(user=user, course=item.module.course)
    )


def item_lock_in(*, user: User, item: Item, cohort: Cohort | None) -> Lock | None:
    """`item_lock` for a caller that has read the person's `learner_cohort` already (None:
    not a learner of the course, so no lock)."""
    if cohort is None:
        return None
    course = item.module.course
    modules = list(modules_with_progress(user=user, course=course))
    return module_locks(user=user, course=course, modules=modules, cohort=cohort).get(
        item.module_id
    )


# --- item content --------------------------------------------------------------------------


def _with_choices(qs: QuerySet[Question]) -> QuerySet[Question]:
    return qs.prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("position", "pk"))
    )


def quiz_questions(*, item: Item) -> list[Question]:
    """The questions written in a knowledge check, in order (2 queries)."""
    return list(_with_choices(item.questions.order_by("position", "pk")))


def quiz_questions_by_ids(*, ids: list[int]) -> list[Question]:
    """Questions in the given order (an attempt's); deleted ones are left out (2 queries)."""
    found = {q.pk: q for q in _with_choices(Question.objects.filter(pk__in=ids))}
    return [found[pk] for pk in ids if pk in found]


def quiz_attempt_questions(*, attempt: QuizAttempt) -> list[Question]:
    """What a submitted attempt asked, as it was when answered, in its order: rebuilt from the
    attempt's snapshot (no query), or read from the questions while it has none (no author
    has changed them since; 2 queries). Not saved rows: for showing and grading only."""
    if attempt.snapshot is not None:
        return quiz.from_snapshot(attempt.snapshot)
    return quiz_questions_by_ids(ids=attempt.questions)


def quiz_attempt_is_current(*, attempt: QuizAttempt, item: Item) -> bool:
    """Whether the check's own questions are still what the submitted attempt asked, as it
    asked them (texts, answers and all): true without a query while the attempt has no
    snapshot (no author has edited them since), else 2 queries."""
    if attempt.snapshot is None:
        return True
    return bool(quiz.snapshot(quiz_questions(item=item)) == attempt.snapshot)


def quiz_draw_pool(*, item: Item) -> QuerySet[Question]:
    """The bank questions a check draws from: its tag's, or the whole course bank's."""
    pool = Question.objects.filter(course_id=item.module.course_id)
    if item.draw_tag_id:
        pool = pool.filter(tags=item.draw_tag_id)
    return pool


def quiz_attempts(*, user: User, item: Item) -> list[QuizAttempt]:
    """The learner's submitted attempts at a check, newest first."""
    return list(
        QuizAttempt.objects.filter(user=user, item=item, submitted_at__isnull=False).order_by(
            "-number"
        )
    )


def quiz_open_attempt(*, user: User, item: Item) -> QuizAttempt | None:
    """The learner's attempt that has its questions drawn but is not answered yet."""
    return QuizAttempt.objects.filter(user=user, item=item, submitted_at__isnull=True).first()


@dataclass(frozen=True)
class BestResult:
    """A learner's best submitted attempt at one knowledge check (the highest score; the
    earliest attempt among equal scores) and how many attempts they have submitted."""

    user_id: int
    item_id: int
    score: int
    passed: bool
    number: int
    submitted_at: datetime.datetime
    attempts: int


def quiz_best_results(
    *,
    course: Course | None = None,
    items: Iterable[int] | None = None,
    users: Iterable[int] | None = None,
) -> dict[tuple[int, int], BestResult]:
    """The best result per knowledge check per learner, keyed by (user id, item id), for a
    course's checks or the given items, optionally only for the given learners. One query
    however many learners and checks (for a scores overview)."""
    qs = QuizAttempt.objects.filter(submitted_at__isnull=False)
    if course is not None:
        qs = qs.filter(item__module__course=course)
    if items is not None:
        qs = qs.filter(item_id__in=list(items))
    if users is not None:
        qs = qs.filter(user_id__in=list(users))
    best: dict[tuple[int, int], BestResult] = {}
    counts: dict[tuple[int, int], int] = defaultdict(int)
    rows = qs.order_by("user_id", "item_id", "-score", "number").values_list(
        "user_id", "item_id", "score", "passed", "number", "submitted_at"
    )
    for user_id, item_id, score, passed, number, submitted_at in rows.iterator(chunk_size=2000):
        key = (user_id, item_id)
        counts[key] += 1
        if key not in best:
            # Both are set on every submitted attempt (a check constraint for the score).
            assert submitted_at is not None  # noqa: S101
            best[key] = BestResult(user_id, item_id, score or 0, passed, number, submitted_at, 0)
    return {
        key: BestResult(**{**result.__dict__, "attempts": counts[key]})
        for key, result in best.items()
    }


def quiz_best_result(*, user: User, item: Item) -> BestResult | None:
    """One learner's best result at one check (see quiz_best_results)."""
    return quiz_best_results(items=[item.pk], users=[user.pk]).get((user.pk, item.pk))


def question_bank(*, course: Course, tag_id: int | None = None) -> list[Question]:
    """The course's question bank for its authors, the check each question was written in
    and its tags (3 queries however many questions)."""
    qs = (
        Question.objects.filter(course=course)
        .select_related("item")
        .prefetch_related("tags")
        .annotate(choice_count=Count("choices"))
        .order_by(
            F("item__module__position").asc(nulls_last=True),
            F("item__position").asc(nulls_last=True),
            F("item_id").asc(nulls_last=True),
            "position",
            "pk",
        )
    )
    if tag_id is not None:
        qs = qs.filter(tags=tag_id)
    return list(qs)


def journal(*, user: User, course: Course | None = None) -> QuerySet[Reflection]:
    """The learner's reflections with their prompts, in course order."""
    qs = Reflection.objects.filter(user=user).select_related("item__module__course")
    if course is not None:
        qs = qs.filter(item__module__course=course)
    return qs.order_by(
        "item__module__course__title",
        "item__module__position",
        "item__module__pk",
        "item__position",
        "item__pk",
    )


# --- completion and certificates ------------------------------------------------------------


# The attendance rule, the one every attendance percentage uses: the course's attendance
# criterion below and the cohort attendance page's figures per session, per learner and in its
# headline (learners.selectors.cohort_attendance). As Moodle's attendance plugin counts it:
# attended (present, or watched the recording where the workshop lets that count) of the held
# sessions with a recorded status other than excused. Excused and not recorded sessions count
# neither way, so a session nobody recorded pulls nobody down. A session is held once it has
# STARTED (its attendance can be taken and its recording is shown from then on), not once it
# has ended: a session under way counts for whoever is already recorded.


def session_held(*, now: datetime.datetime, session: str = "") -> Q:
    """The attendance rule's held sessions: started by `now`. `session` is the lookup from the
    queried model to WorkshopSession ("" on WorkshopSession itself)."""
    return Q(**{f"{session}starts_at__lte": now})


def attendance_counted(*, status: str = "status") -> Q:
    """The attendance rule's base: an attendance recorded with any status but excused (present,
    absent or watched). `status` is the lookup of Attendance.status from the queried model."""
    from workshops.models import Attendance

    excused = Attendance.Status.EXCUSED
    return Q(**{f"{status}__in": [s for s in Attendance.Status.values if s != excused]})


def attendance_percent(*, attended: int, counted: int) -> int | None:
    """The attendance rule's percentage, rounded: attended of counted (attendance_counted);
    None when nothing is counted (nothing recorded, or only excused), shown as "–"."""
    return round(100 * attended / counted) if counted else None


@dataclass(frozen=True)
class AttendanceShare:
    """Of the workshop sessions held for the learner's cohort, how many they attended, by the
    attendance rule: `counted` is the held sessions recorded for them and not excused."""

    present: int
    counted: int
    required_percent: int | None = None

    @property
    def percent(self) -> int:
        return attendance_percent(attended=self.present, counted=self.counted) or 0

    @property
    def is_met(self) -> bool:
        if not self.required_percent:
            return True
        # The rounded percentage the learner and the coordinator see decides, so "67 %; the
        # certificate needs 67 %" is never refused. Nothing counted yet meets no requirement.
        return self.counted > 0 and self.percent >= self.required_percent


def attendance_share(
    *, user: User, course: Course, cohort: Cohort, now: datetime.datetime | None = None
) -> AttendanceShare:
    """The learner's attendance of the cohort's held sessions of this course's workshops, by
    the attendance rule (one aggregate query)."""
    from workshops.models import Attendance, attended_filter

    # Present, or watched the recording where the workshop lets that count.
    attended = attended_filter(
        status="status", allowed="session__workshop__recording_counts_as_attendance"
    )
    totals = Attendance.objects.filter(
        session_held(now=now or timezone.now(), session="session__"),
        learner=user,
        session__workshop__course=course,
        session__cohort=cohort,
    ).aggregate(
        present=Count("pk", filter=attended),
        counted=Count("pk", filter=attendance_counted()),
    )
    return AttendanceShare(
        present=totals["present"],
        counted=totals["counted"],
        required_percent=course.min_attendance_percent,
    )


def course_is_complete(*, user: User, course: Course) -> bool:
    """The course's completion criteria for one learner (two to four queries): every required
    published item done, every workshop phase in `course.completion_assignments` approved and,
    when the course sets `min_attendance_percent`, that share of held sessions attended."""
    totals = (
        visible_items()
        .filter(module__course=course, is_required=True)
        .aggregate(
            required=Count("pk"),
            done=Count("pk", filter=item_done_q(user)),
        )
    )
    if not totals["required"] or totals["done"] < totals["required"]:
        return False
    if course.min_attendance_percent:
        cohort = learner_cohort(user=user, course=course)
        if cohort is None or not attendance_share(user=user, course=course, cohort=cohort).is_met:
            return False
    needed = set(course.completion_assignments.values_list("pk", flat=True))
    if not needed:
        return True
    approved = set(
        submissions_of(user)
        .filter(assignment_id__in=needed, status=Submission.Status.APPROVED)
        .values_list("assignment_id", flat=True)
    )
    return needed <= approved


def certificate_for(*, user: User, course: Course) -> Certificate | None:
    found = prepared.objects(
        Certificate,
        ("certificate_for",),
        lambda u, c: Certificate.objects.filter(user_id=u, course_id=c)[:1],
        u=user.pk,
        c=course.pk,
    )
    return found[0] if found else None


# --- search within a course -----------------------------------------------------------------

SEARCH_MAX_CHARS = 200
SEARCH_MAX_RESULTS = 50


def search_languages() -> tuple[str, ...]:
    """The languages a query is analysed in: Finnish, and the learner's own language."""
    from .languages import SOURCE_LANGUAGE, content_languages

    language = (get_language() or SOURCE_LANGUAGE)[:2]
    if language != SOURCE_LANGUAGE and language in content_languages():
        return (SOURCE_LANGUAGE, language)
    return (SOURCE_LANGUAGE,)


def _matching_item_ids(*, items: QuerySet[Item], query: str) -> list[int]:
    """Ids of the items whose title or text (without its HTML) match, best first (one query),
    through the platform's one search (core.search, courses.search): Finnish lemmas and
    compound parts, the same on SQLite (FTS5) and PostgreSQL, so "verkostoissa" finds
    "verkosto"; titles weigh more than text."""
    from .search import ITEM_INDEX

    return list(
        ITEM_INDEX.search(items, query, languages=search_languages())
        .order_by("-rank", "module__position", "position", "pk")
        .values_list("pk", flat=True)[:SEARCH_MAX_RESULTS]
    )


@dataclass
class SearchResults:
    query: str
    items: list[Item]
    outline: Outline


def course_search(
    *, user: User, course: Course, query: str, include_drafts: bool = False
) -> SearchResults:
    """Items of one course matching `query`, each with its state from the outline (so a locked
    item shows as locked). Only what the person may open is searched: the course's published
    items, drafts too for authors (`include_drafts`). Six queries for a learner however large
    the course (the outline's five and the search)."""
    query = " ".join(query.split())[:SEARCH_MAX_CHARS]
    outline = course_outline(user=user, course=course, include_drafts=include_drafts)
    if not query:
        return SearchResults(query=query, items=[], outline=outline)
    by_pk = {item.pk: item for item in outline.items}
    ids = _matching_item_ids(
        items=visible_items(include_drafts=include_drafts).filter(module__course=course),
        query=query,
    )
    return SearchResults(
        query=query, items=[by_pk[pk] for pk in ids if pk in by_pk], outline=outline
    )

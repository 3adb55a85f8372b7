"""Reads for courses, each with a fixed number of queries however large the course or cohort."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.models import User

from .models import Completion, Course, Item, Module


def _count(qs: QuerySet, group: str) -> Subquery:
    return Subquery(
        qs.values(group).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
    )


def modules_with_progress(*, user: User, course: Course) -> QuerySet[Module]:
    """The course's modules with `item_count`, `done_count` and `minutes` for one learner."""
    return course.modules.annotate(
        item_count=Coalesce(_count(Item.objects.filter(module=OuterRef("pk")), "module"), 0),
        done_count=Coalesce(
            _count(
                Completion.objects.filter(user=user, item__module=OuterRef("pk")), "item__module"
            ),
            0,
        ),
        minutes=Coalesce(Sum("items__minutes"), Value(0)),
    ).order_by("position", "pk")


@dataclass(frozen=True)
class CourseProgress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def course_progress(modules: Iterable[Module]) -> CourseProgress:
    modules = list(modules)
    return CourseProgress(
        done=sum(m.done_count for m in modules),  # type: ignore[attr-defined]
        total=sum(m.item_count for m in modules),  # type: ignore[attr-defined]
    )


def next_item(*, user: User, course: Course) -> Item | None:
    """Where the learner left off: the first item, in course order, not yet done."""
    return (
        Item.objects.filter(module__course=course)
        .exclude(completions__user=user)
        .select_related("module")
        .order_by("module__position", "module__pk", "position", "pk")
        .first()
    )


def module_items(*, user: User, module: Module) -> list[Item]:
    items = list(module.items.order_by("position", "pk"))
    done = set(
        Completion.objects.filter(user=user, item__module=module).values_list("item_id", flat=True)
    )
    for item in items:
        item.is_done = item.pk in done  # type: ignore[attr-defined]
    return items


def completion_matrix(*, user_ids: Iterable[int], course: Course) -> dict[int, dict[int, int]]:
    """{user id: {module id: items done}} for many learners in one aggregate query."""
    matrix: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        Completion.objects.filter(user_id__in=list(user_ids), item__module__course=course)
        .values("user_id", "item__module_id")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        matrix[row["user_id"]][row["item__module_id"]] = row["n"]
    return matrix

"""The cohort page's progress section, read in one statement (#13).

A page of the heatmap or table prints the cohort's staff, the course's modules (with their item
counts) and phases, and for 50 learners their names, the items done per module and the version
that counts for each phase. Read by the ORM, that was seven queries, each planned and answered
on its own (0.4-1.5 ms apiece); here it is one statement of common table expressions whose
parts are the rules the other views read:

- the page's learners: the ORM's query of `selectors.cohort_learners` (search words and the
  organisation filter included), compiled once per slice (core.prepared), and their count;
- items done: the page's Completion rows of published items in published modules, per module,
  which is `completion_matrix`'s rule when no item counts a submission as done; a course with
  such an item (`assignment_ruled_items`) reads the counts by `completion_matrix` itself, one
  query more;
- phases: `selectors.team_latest`'s rule for the page's learners, the latest version of the
  learner's own answers or of any experiment they are a member of;
- the modules with every item counted (drafts too, as the page always counted them), the
  phases, and the instructors and coordinators in name order.

tests/learners/test_progress_page.py holds every page, filter and search to the whole-cohort
overview (`selectors.cohort_overview`, the exports' read), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import Count, Model, QuerySet
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from core import prepared
from core.ids import is_id
from core.models import User
from core.paging import PagedRows
from courses.models import Item, Module
from courses.selectors import assignment_ruled_items, completion_matrix
from workshops.models import Assignment

from .models import Cohort, Membership
from .selectors import HeatCell, LearnerRow, PageLearner, PhaseVersion, cohort_learners

M = TypeVar("M", bound=Model)

# Pages up to this number compile their learners' query once each (its LIMIT and OFFSET are in
# the SQL); 400 pages of 50 hold 20,000 learners. A later page is compiled when asked for.
MAX_PAGE = 1000
# A page number beyond any cohort (the OFFSET must fit the database's integer).
FAR_PAGE = 10**6
# Learners on a page (learners.views shows this many).
PER_PAGE = 50


def _titles(field: str) -> list[str]:
    """The column of a translated field and its column per language (modeltranslation)."""
    return [field] + [build_localized_fieldname(field, lang) for lang in AVAILABLE_LANGUAGES]


# Every row of the statement: its kind, three integers and as many texts as the widest kind.
_TEXTS = max(4, len(_titles("title")))


def _texts(*columns: str) -> str:
    return ", ".join([*columns, *["NULL"] * (_TEXTS - len(columns))])


def _statement(page_sql: str, count_sql: str, ruled_sql: str, *, lateral: bool) -> str:
    titles = _titles("title")
    staff_names = (
        "CROSS JOIN LATERAL (\n    SELECT first_name, last_name, email FROM core_user"
        " WHERE id = m.user_id LIMIT 1) u"
        if lateral
        else "JOIN core_user u ON u.id = m.user_id"
    )
    module_titles = _texts(*(f"mo.{c}" for c in titles))
    phase_titles = _texts(*(f"a.{c}" for c in titles))
    # Every value is a parameter (%s), in this order: the embedded queries' own (the page,
    # the count, the ruled modules), the cohort (team), the cohort twice (versions), the
    # course (done), the course (modules), the course (phases), the cohort and the two staff
    # roles (_read passes them). On PostgreSQL the staff's names are read by their id
    # (LATERAL ... LIMIT 1 keeps the planner from hashing every account to join a handful:
    # 0.3 ms at 2,000 accounts, more with every account the network adds); SQLite, which has
    # no LATERAL, joins them by id anyway.
    return f"""
WITH page (user_id, first_name, last_name, email, organisation, membership_id) AS ({page_sql}),
counted (n) AS ({count_sql}),
ruled (module_id) AS ({ruled_sql}),
team AS (
    SELECT em.user_id, em.experiment_id FROM workshops_experimentmember em
    WHERE em.cohort_id = %s AND em.user_id IN (SELECT user_id FROM page)),
versions AS (
    SELECT s.id, s.learner_id, s.experiment_id, s.assignment_id, s.version, s.status
    FROM workshops_submission s
    WHERE s.cohort_id = %s AND s.learner_id IN (SELECT user_id FROM page)
    UNION
    SELECT s.id, s.learner_id, s.experiment_id, s.assignment_id, s.version, s.status
    FROM workshops_submission s
    WHERE s.cohort_id = %s AND s.experiment_id IN (SELECT experiment_id FROM team)),
owned AS (
    SELECT COALESCE(t.user_id, v.learner_id) AS owner, v.assignment_id, v.id, v.status,
           ROW_NUMBER() OVER (
               PARTITION BY COALESCE(t.user_id, v.learner_id), v.assignment_id
               ORDER BY v.version DESC, v.id DESC) AS latest
    FROM versions v LEFT JOIN team t ON t.experiment_id = v.experiment_id)
SELECT 'learner', user_id,
       ROW_NUMBER() OVER (ORDER BY last_name, first_name, email, membership_id),
       CAST(NULL AS BIGINT), {_texts("first_name", "last_name", "email", "organisation")}
FROM page
UNION ALL
SELECT 'count', n, NULL, NULL, {_texts()} FROM counted
UNION ALL
SELECT 'done', c.user_id, i.module_id, COUNT(*), {_texts()}
FROM courses_completion c
JOIN courses_item i ON i.id = c.item_id AND i.is_published
JOIN courses_module mo ON mo.id = i.module_id AND mo.is_published AND mo.course_id = %s
WHERE c.user_id IN (SELECT user_id FROM page)
GROUP BY c.user_id, i.module_id
UNION ALL
SELECT 'phase', owner, assignment_id, id, {_texts("status")} FROM owned WHERE latest = 1
UNION ALL
SELECT 'ruled', module_id, NULL, NULL, {_texts()} FROM ruled
UNION ALL
SELECT 'module', mo.id, mo.position,
       (SELECT COUNT(*) FROM courses_item i WHERE i.module_id = mo.id), {module_titles}
FROM courses_module mo WHERE mo.course_id = %s
UNION ALL
SELECT 'phase title', a.id, a.workshop_id, a.phase, {phase_titles}
FROM workshops_assignment a JOIN workshops_workshop w ON w.id = a.workshop_id
WHERE w.course_id = %s
UNION ALL
SELECT 'staff', m.user_id,
       ROW_NUMBER() OVER (ORDER BY u.last_name, u.first_name, u.email, m.id),
       NULL, {_texts("m.role", "u.first_name", "u.last_name", "u.email")}
FROM learners_membership m {staff_names}
WHERE m.cohort_id = %s AND m.role IN (%s, %s)
"""  # noqa: S608 - names from the code, values as parameters


_COLUMNS = (
    "user_id",
    "user__first_name",
    "user__last_name",
    "user__email",
    "user__organisation__name",
    "pk",
)


Embedded = tuple[str, list[Any]]  # a query's SQL and parameters, put inside the statement


def _embedded(
    cohort: Cohort, query: str, organisation_id: int | None, start: int, stop: int
) -> tuple[Embedded, Embedded, Embedded]:
    """The page's learners, their count and the course's modules with an item done by a
    submission (assignment_ruled_items), as the ORM writes them."""

    def memberships(**ids: int) -> QuerySet[Membership]:
        return cohort_learners(
            cohort=Cohort(pk=ids["cohort"]),
            query=query,
            organisation_id=ids.get("organisation"),
        ).select_related(None)

    def page(**ids: int) -> QuerySet[Any]:
        return memberships(**ids).values_list(*_COLUMNS)[start:stop]

    def count(**ids: int) -> QuerySet[Any]:
        return (
            memberships(**ids).order_by().values("cohort").annotate(n=Count("*")).values_list("n")
        )

    def ruled(course: int) -> QuerySet[Any]:
        items: Any = assignment_ruled_items(course_id=course)
        # Plain values (modeltranslation's rewriting reads them through its own iterable).
        return items.rewrite(False).order_by().values_list("module_id")

    ids = {"cohort": cohort.pk}
    if organisation_id:
        # An id no row can have (from a hand-edited address) filters out everyone.
        ids["organisation"] = organisation_id if is_id(organisation_id) else 0
    found_ruled = prepared.statement(
        Item, ("learners.progress_ruled",), ruled, course=cohort.course_id
    )
    found_page = found_count = None
    if not query and stop <= MAX_PAGE * PER_PAGE:
        shape = ("organisation" in ids,)
        key = ("learners.progress_page", *shape, start, stop)
        found_page = prepared.statement(Membership, key, page, **ids)
        found_count = prepared.statement(
            Membership, ("learners.progress_count", *shape), count, **ids
        )
    if found_page is None or found_count is None:
        # Search words change the SQL: built each time, as is a page beyond MAX_PAGE.
        alias = router.db_for_read(Membership)
        found_page = _compiled(page(**ids), alias)
        found_count = _compiled(count(**ids), alias)
    # Each is a plain equality on an id read from the database: none matches nothing.
    assert found_ruled is not None  # noqa: S101
    return found_page, found_count, found_ruled


def _compiled(qs: QuerySet[Any], alias: str) -> Embedded:
    sql, params = qs.query.get_compiler(using=alias).as_sql()
    return sql, list(params)


def cohort_progress_page(
    *,
    cohort: Cohort,
    query: str = "",
    organisation_id: int | None = None,
    number: object = None,
    per_page: int = PER_PAGE,
) -> tuple[Page, ProgressOverview]:
    """The page of learners the progress section shows for `number` (as Paginator.get_page
    reads it: not a number is the first page, past the end or below 1 the last) and its
    overview, in one statement (two when the number is past the end; one more when an item
    counts a submission as done)."""
    text = str(number or "1")
    # Plain ASCII digits only ("²" is a digit to str.isdigit, not to int()); a number of more
    # digits than any page has is past the end.
    plain = text.isascii() and text.isdigit()
    wanted = 1 if not plain else int(text) if len(text) <= 7 else FAR_PAGE
    wanted = min(wanted, FAR_PAGE) if wanted > 0 else FAR_PAGE
    found = _read(cohort, query, organisation_id, wanted, per_page)
    if not found.learners and found.count:
        # Past the end: the last page, as Paginator.get_page answers it.
        wanted = -(-found.count // per_page)
        found = _read(cohort, query, organisation_id, wanted, per_page)
    page = Paginator(_ReadPage(found, (wanted - 1) * per_page), per_page).get_page(wanted)
    if found.ruled:
        # An item done by a submission: the page's counts by the rule (one query more).
        found.ruled_done = completion_matrix(
            user_ids=[p.pk for p in found.learners], course=cohort.course
        )
    return page, ProgressOverview(found)


class _Found:
    """What one run of the statement read: the count and the page's learners, and the other
    rows as read, turned into the overview's objects when the section is rendered."""

    def __init__(self, rows: list[tuple[Any, ...]], alias: str, course: int) -> None:
        self.rows = rows
        self.alias = alias
        self.course = course
        self.count = 0
        self.ruled: set[int] = set()
        # The items done by the rule (completion_matrix) when an item counts a submission.
        self.ruled_done: dict[int, dict[int, int]] | None = None
        learners: list[tuple[int, PageLearner]] = []
        for row in rows:
            kind = row[0]
            if kind == "learner":
                learners.append((row[2], PageLearner(row[1], row[4], row[5], row[6], row[7])))
            elif kind == "count":
                self.count = row[1]
            elif kind == "ruled":
                self.ruled.add(row[1])
        learners.sort(key=lambda r: r[0])
        self.learners = [learner for _rank, learner in learners]

    @cached_property
    def done(self) -> dict[int, dict[int, int]]:
        """{learner id: {module id: items done}}."""
        if self.ruled_done is not None:
            return self.ruled_done
        done: dict[int, dict[int, int]] = {}
        for user_id, module_id, n, *_texts in self.of_kind("done"):
            done.setdefault(user_id, {})[module_id] = n
        return done

    def of_kind(self, kind: str) -> Iterator[tuple[Any, ...]]:
        return (row[1:] for row in self.rows if row[0] == kind)


class ProgressOverview:
    """A page's CohortOverview (the same names, read by the template and the row tags), built
    from the statement's rows when first read. `printed` is everything the section prints,
    for the kept section's key (learners/templatetags/progress.py): a section found in the
    cache builds none of the rest."""

    def __init__(self, found: _Found) -> None:
        self._found = found

    @cached_property
    def printed(self) -> tuple[Any, ...]:
        found = self._found
        ruled: tuple[Any, ...] = ()
        if found.ruled_done is not None:
            ruled = tuple(
                sorted((u, tuple(sorted(m.items()))) for u, m in found.ruled_done.items())
            )
        return (tuple(found.rows), ruled)

    @cached_property
    def modules(self) -> list[Module]:
        found = self._found
        modules = []
        for pk, position, item_count, *texts in found.of_kind("module"):
            values = dict(zip(_MODULE_FIELDS, [pk, found.course, position, *texts], strict=False))
            module = _instance(Module, found.alias, values)
            module.item_count = item_count  # type: ignore[attr-defined]
            module.has_ruled = pk in found.ruled  # type: ignore[attr-defined]
            modules.append(module)
        return sorted(modules, key=lambda m: (m.position, m.pk))

    @cached_property
    def assignments(self) -> list[Assignment]:
        found = self._found
        phases = [
            _instance(Assignment, found.alias, dict(zip(_PHASE_FIELDS, row, strict=False)))
            for row in found.of_kind("phase title")
        ]
        return sorted(phases, key=lambda p: (p.phase, p.pk))

    @cached_property
    def _staff(self) -> list[tuple[str, User]]:
        found = self._found
        staff = []
        for pk, rank, _none, role, *names in found.of_kind("staff"):
            values = dict(zip(_STAFF_FIELDS, [pk, *names[:3]], strict=True))
            staff.append((rank, role, _instance(User, found.alias, values)))
        return [(role, user) for _rank, role, user in sorted(staff, key=lambda s: s[0])]

    @property
    def instructors(self) -> list[User]:
        return [u for role, u in self._staff if role == Membership.Role.INSTRUCTOR]

    @property
    def coordinators(self) -> list[User]:
        return [u for role, u in self._staff if role == Membership.Role.COORDINATOR]

    @cached_property
    def rows(self) -> list[LearnerRow]:
        found = self._found
        phases = {
            (owner, a): PhaseVersion(pk, status)
            for owner, a, pk, status, *_ in found.of_kind("phase")
        }
        item_counts = [(m, m.item_count) for m in self.modules]  # type: ignore[attr-defined]
        rows = []
        for learner in found.learners:
            row = LearnerRow(learner=learner)
            done_in = found.done.get(learner.pk, {})
            for module, item_count in item_counts:
                done = done_in.get(module.pk, 0)
                row.cells.append(HeatCell(module, done, item_count))
                row.done += done
                row.total += item_count
            row.submissions = [(a, phases.get((learner.pk, a.pk))) for a in self.assignments]
            rows.append(row)
        return rows


class _ReadPage(PagedRows[PageLearner]):
    """The cohort's learners for a Paginator, as far as one page: the count and the page's
    rows the statement read (the Paginator asks for nothing else)."""

    def __init__(self, found: _Found, start: int) -> None:
        self.found = found
        self.start = start

    def __len__(self) -> int:
        return self.found.count

    def _slice(self, start: int, stop: int) -> list[PageLearner]:
        if start < self.start or stop > self.start + len(self.found.learners):
            raise AssertionError("the progress page was read for another slice")
        return self.found.learners[start - self.start : stop - self.start]


def _read(
    cohort: Cohort, query: str, organisation_id: int | None, number: int, per_page: int
) -> _Found:
    start = (number - 1) * per_page
    page, count, ruled = _embedded(cohort, query, organisation_id, start, start + per_page)
    course = cohort.course_id
    # In the order of the statement's parameters (_statement).
    params = [
        *page[1],
        *count[1],
        *ruled[1],
        *(cohort.pk, cohort.pk, cohort.pk),
        *(course, course, course),
        *(cohort.pk, Membership.Role.INSTRUCTOR, Membership.Role.COORDINATOR),
    ]
    alias = router.db_for_read(Membership)
    lateral = connections[alias].vendor == "postgresql"
    with connections[alias].cursor() as cursor:
        cursor.execute(_statement(page[0], count[0], ruled[0], lateral=lateral), params)
        rows = cursor.fetchall()
    return _Found(rows, alias, course)


_MODULE_FIELDS = ["id", "course_id", "position", *_titles("title")]
_PHASE_FIELDS = ["id", "workshop_id", "phase", *_titles("title")]
_STAFF_FIELDS = ["id", "first_name", "last_name", "email"]


def _instance(model: type[M], alias: str, values: dict[str, Any]) -> M:
    """A `model` instance read from the database with only these columns (the others
    deferred), as the ORM builds one: Model.from_db takes the values in the fields' order."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(alias, fields, [values[f] for f in fields])

"""Knowledge-check questions of every type: reading a learner's answer, grading it, and what
the answer form and the attempt review show. Pure functions over loaded questions (with their
choices prefetched); the writes are in courses.services.

Stored answers (QuizAttempt.answers, keyed by question id):
- single / multiple choice: the chosen choice ids, sorted;
- numeric: the number as a plain decimal string ("3.5"), whatever the learner typed ("3,5");
- short text: the text as typed (trimmed);
- matching: {prompt choice id: chosen choice id}, the chosen choice standing for its match;
- ordering: {choice id: position from 1}.

What a submitted attempt asked is kept on it as a snapshot (QuizAttempt.snapshot, see
`snapshot`): its review is built from the questions `from_snapshot` rebuilds, never from the
questions as an author has since changed them.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from core.forms import format_decimal, parse_decimal

from .languages import content_languages
from .models import Choice, Question

Kind = Question.Kind
CHOICE_KINDS = {Kind.SINGLE, Kind.MULTIPLE}
ROW_KINDS = {Kind.MATCHING, Kind.ORDERING}
TEXT_MAX = 500


class Unanswered(Exception):
    """The learner left the question (or a row of it) empty."""


class Unreadable(Exception):
    """The answer is not one the form could have sent (or not a number)."""


class NotANumber(Unreadable):
    pass


class RepeatedPosition(Unreadable):
    pass


def normalise_text(text: str) -> str:
    """Short answers compare without case and without spaces: "Kasvu käytävä " is
    "kasvukäytävä"."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(folded.split())


def prompts(question: Question) -> list[Choice]:
    """A matching question's rows (a distractor has no text) or an ordering question's items."""
    return [c for c in question.choices.all() if c.text]


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unreadable
    try:
        return int(value)
    except ValueError:
        raise Unreadable from None


def read(question: Question, raw: Any) -> Any:
    """The answer to keep for `question` from what the form sent (a list of strings for
    `q<id>`, or {row id: value} for `q<id>_<row id>`). Raises Unanswered or Unreadable."""
    kind = question.kind
    if kind in ROW_KINDS:
        rows = raw if isinstance(raw, dict) else {}
        given: dict[str, int] = {}
        for choice in prompts(question):
            value = rows.get(choice.pk, rows.get(str(choice.pk), ""))
            if isinstance(value, list):
                value = value[0] if value else ""
            if value in ("", None):
                raise Unanswered
            given[str(choice.pk)] = _int(value)
        if kind == Kind.MATCHING:
            if not set(given.values()) <= {c.pk for c in question.choices.all() if c.match}:
                raise Unreadable
        else:
            positions = sorted(given.values())
            if not set(positions) <= set(range(1, len(positions) + 1)):
                raise Unreadable
            if len(set(positions)) != len(positions):
                raise RepeatedPosition
        return given
    values = raw if isinstance(raw, list | tuple) else ([] if raw in (None, "") else [raw])
    values = [v for v in values if v not in ("", None)]
    if not values:
        raise Unanswered
    if kind in CHOICE_KINDS:
        chosen = sorted({_int(v) for v in values})
        if not set(chosen) <= {c.pk for c in question.choices.all()}:
            raise Unreadable
        if kind == Kind.SINGLE and len(chosen) != 1:
            raise Unreadable
        return chosen
    text = str(values[0]).strip()
    if not text:
        raise Unanswered
    if kind == Kind.NUMERIC:
        try:
            return str(parse_decimal(text))
        except ValueError:
            raise NotANumber from None
    return text[:TEXT_MAX]


def grade(question: Question, given: Any) -> bool:
    """Whether the stored answer `given` is right (False for anything unreadable)."""
    kind = question.kind
    choices = list(question.choices.all())
    try:
        if kind in CHOICE_KINDS:
            return {int(v) for v in given} == {c.pk for c in choices if c.is_correct}
        if kind == Kind.NUMERIC:
            if question.number is None:
                return False
            return abs(Decimal(str(given)) - question.number) <= (question.tolerance or 0)
        if kind == Kind.SHORT_TEXT:
            # An answer accepted in any of the course's languages is right, whichever
            # language the learner reads the question in.
            languages = content_languages()
            accepted = {
                normalise_text(text)
                for c in choices
                for text in [c.text, *(getattr(c, f"text_{lang}", "") for lang in languages)]
                if text
            }
            return normalise_text(str(given)) in accepted
        if kind == Kind.MATCHING:
            by_pk = {c.pk: c for c in choices}
            rows = prompts(question)
            return bool(rows) and all(
                (chosen := by_pk.get(int(given.get(str(c.pk), 0)))) is not None
                and normalise_text(chosen.match) == normalise_text(c.match)
                for c in rows
            )
        if kind == Kind.ORDERING:
            rows = prompts(question)
            return bool(rows) and all(
                int(given.get(str(c.pk), 0)) == place for place, c in enumerate(rows, start=1)
            )
    except (TypeError, ValueError, AttributeError, InvalidOperation):
        return False
    return False


# --- what an attempt asked ----------------------------------------------------------------

QUESTION_TEXTS = ("text", "feedback")
CHOICE_TEXTS = ("text", "match", "explanation")


def _texts(row: Question | Choice, names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    return {
        name: {lang: getattr(row, f"{name}_{lang}", "") or "" for lang in content_languages()}
        for name in names
    }


def snapshot(questions: list[Question]) -> list[dict[str, Any]]:
    """The questions (with their choices prefetched) as JSON for QuizAttempt.snapshot: each
    one's id, type, texts and feedback per language, right number and tolerance, and its
    choices in order with their ids (the stored answers name them), texts per language and
    whether each is right."""
    return [
        {
            "id": question.pk,
            "kind": question.kind,
            **_texts(question, QUESTION_TEXTS),
            "number": None if question.number is None else str(question.number),
            "tolerance": str(question.tolerance or 0),
            "choices": [
                {"id": choice.pk, "is_correct": choice.is_correct, **_texts(choice, CHOICE_TEXTS)}
                for choice in question.choices.all()
            ],
        }
        for question in questions
    ]


def _decimal(value: object) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def _translated(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """{"text_fi": ..., "text_sv": ...} from a snapshot's {"text": {"fi": ..., "sv": ...}};
    a language added since the snapshot is empty there (and shown in Finnish)."""
    fields = {}
    for name in names:
        texts = data.get(name)
        texts = texts if isinstance(texts, dict) else {}
        for lang in content_languages():
            fields[f"{name}_{lang}"] = str(texts.get(lang) or "")
    return fields


def from_snapshot(data: list[dict[str, Any]]) -> list[Question]:
    """The questions of a snapshot (see `snapshot`) as unsaved Question rows with their
    choices in place of the prefetched ones: what `shown`, `grade` and the templates read,
    with the ids the attempt's answers and results are keyed by. Never saved."""
    questions = []
    for entry in data or []:
        if not isinstance(entry, dict) or entry.get("id") is None:
            continue
        question = Question(
            id=entry["id"],
            kind=entry.get("kind") or Kind.SINGLE,
            number=_decimal(entry.get("number")),
            tolerance=_decimal(entry.get("tolerance")) or Decimal(0),
            **_translated(entry, QUESTION_TEXTS),
        )
        choices = [
            Choice(
                id=choice.get("id"),
                question=question,
                position=position,
                is_correct=bool(choice.get("is_correct")),
                **_translated(choice, CHOICE_TEXTS),
            )
            for position, choice in enumerate(entry.get("choices") or [])
            if isinstance(choice, dict)
        ]
        # As prefetch_related leaves them: question.choices.all() reads these, no query.
        cached = Choice.objects.none()
        cached._result_cache = choices
        cached._prefetch_done = True
        question._prefetched_objects_cache = {"choices": cached}  # type: ignore[attr-defined]  # Django's prefetch cache
        questions.append(question)
    return questions


# --- what the pages show ------------------------------------------------------------------


@dataclass
class Row:
    """One row of a matching or ordering question: its text, the learner's pick, and (in
    the review) the right pick."""

    choice: Choice
    selected: str = ""
    selected_label: str = ""
    right_label: str = ""
    is_right: bool | None = None


@dataclass
class Option:
    value: str
    label: str


@dataclass
class Shown:
    """A question as the form or the review shows it."""

    question: Question
    number: int
    given: Any = None
    value: str = ""
    rows: list[Row] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    is_right: bool | None = None
    right_answer: str = ""

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def pk(self) -> int:
        return self.question.pk


def _shuffled(items: list, seed: str, *, avoid_identity: bool = False) -> list:
    """The same order for the same attempt (a reload or a form returned with an error shows
    the rows where they were); an ordering question never starts in its right order."""
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)  # noqa: S311 - presentation order, not security
    if avoid_identity and len(shuffled) > 1 and shuffled == items:
        shuffled = shuffled[1:] + shuffled[:1]
    return shuffled


def _number_text(value: Any) -> str:
    try:
        return format_decimal(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def right_answer(question: Question) -> str:
    """The right answer in words, for the review where the check shows it."""
    kind = question.kind
    choices = list(question.choices.all())
    if kind in CHOICE_KINDS:
        return "; ".join(c.text for c in choices if c.is_correct)
    if kind == Kind.NUMERIC:
        if question.number is None:
            return ""
        text = _number_text(question.number)
        if question.tolerance:
            text += f" ± {_number_text(question.tolerance)}"
        return text
    if kind == Kind.SHORT_TEXT:
        return " / ".join(c.text for c in choices if c.text)
    if kind == Kind.MATCHING:
        return "; ".join(f"{c.text} → {c.match}" for c in prompts(question))
    if kind == Kind.ORDERING:
        return " → ".join(c.text for c in prompts(question))
    return ""


def shown(
    questions: list[Question],
    *,
    answers: dict[str, Any] | None = None,
    results: dict[str, bool] | None = None,
    seed: str = "",
    review: bool = False,
    with_right_answers: bool = False,
) -> list[Shown]:
    """The questions ready for the template: the learner's answers filled in, rows and
    options in the attempt's order, and in the review whether each was right."""
    answers = answers or {}
    out: list[Shown] = []
    for number, question in enumerate(questions, start=1):
        given = answers.get(str(question.pk), answers.get(question.pk))  # type: ignore[call-overload]  # keys are str from JSON, int from a form
        item = Shown(question=question, number=number, given=given)
        choices = list(question.choices.all())
        if question.kind in (Kind.NUMERIC, Kind.SHORT_TEXT) and isinstance(given, list):
            given = given[0] if given else ""  # as a returned form sent it
        if question.kind in CHOICE_KINDS:
            picked = {str(v) for v in (given or [])} if isinstance(given, list) else set()
            for choice in choices:
                choice.chosen = str(choice.pk) in picked  # read by the template
        elif question.kind == Kind.NUMERIC:
            item.value = _number_text(given) if given not in (None, "") else ""
        elif question.kind == Kind.SHORT_TEXT:
            item.value = str(given or "")
        elif question.kind in ROW_KINDS:
            rows_given = given if isinstance(given, dict) else {}
            rows = prompts(question)
            if question.kind == Kind.MATCHING:
                matches = [c for c in choices if c.match]
                seen: set[str] = set()
                distinct = []
                for c in matches:
                    key = normalise_text(c.match)
                    if key not in seen:
                        seen.add(key)
                        distinct.append(c)
                item.options = [
                    Option(str(c.pk), c.match)
                    for c in _shuffled(distinct, f"{seed}:{question.pk}:options")
                ]
                labels = {str(c.pk): c.match for c in matches}
                order = _shuffled(rows, f"{seed}:{question.pk}")
            else:
                item.options = [Option(str(n), str(n)) for n in range(1, len(rows) + 1)]
                labels = {}
                order = _shuffled(rows, f"{seed}:{question.pk}", avoid_identity=True)
            for place, choice in enumerate(rows, start=1):
                choice.place = place  # read below for the review
            for choice in order:
                # str keys from a stored attempt, int keys from a form sent back
                selected = str(rows_given.get(str(choice.pk), rows_given.get(choice.pk, "")))
                row = Row(choice=choice, selected=selected)
                if review:
                    if question.kind == Kind.MATCHING:
                        row.is_right = normalise_text(labels.get(selected, "")) == normalise_text(
                            choice.match
                        )
                        row.right_label = choice.match
                        row.selected_label = labels.get(selected, "")
                    else:
                        row.is_right = selected == str(choice.place)
                        row.right_label = str(choice.place)
                        row.selected_label = selected
                item.rows.append(row)
        if review:
            stored = (results or {}).get(str(question.pk))
            item.is_right = grade(question, given) if stored is None else bool(stored)
            if with_right_answers:
                item.right_answer = right_answer(question)
        out.append(item)
    return out

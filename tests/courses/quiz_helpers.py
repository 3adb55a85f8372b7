"""Knowledge checks with the newer question types (numeric, short text, matching, ordering),
written through the authors' text format, and the answers a learner would send."""

from __future__ import annotations

from courses import authoring
from courses.models import Item, Question
from courses.quiz import prompts
from tests.factories import ItemFactory

TYPED_TEXT = """?# Paljonko on 7 / 2?
= 3,5 ± 0,1
! Seitsemän jaettuna kahdella on kolme ja puoli.

?~ Mikä verkosto kokoaa 17 kuntaa?
* Kasvukäytävä
* Suomen kasvukäytävä

?= Yhdistä kaupunki maakuntaan.
- Hämeenlinna = Kanta-Häme
- Tampere -> Pirkanmaa
- = Uusimaa

?^ Järjestä kokeilun vaiheet.
- Haaste
- Idea
- Kokeilu
- Tulokset
"""


def make_typed_quiz(module, *, text: str = TYPED_TEXT, **fields) -> tuple[Item, dict]:
    """A knowledge check (pass mark 100 %, rule "passed") with one question of each newer
    type; returns (item, {kind: question})."""
    item = ItemFactory(
        module=module,
        kind=Item.Kind.QUIZ,
        completion_rule=fields.pop("completion_rule", Item.Rule.QUIZ_PASSED),
        pass_mark=fields.pop("pass_mark", 100),
        title=fields.pop("title", "Kysymystyypit"),
        **fields,
    )
    authoring.quiz_update(item=item, text=text)
    return item, {q.kind: q for q in item.questions.prefetch_related("choices")}


def typed_answers(questions: dict, *, right: bool = True) -> dict[str, object]:
    """The form data of a learner who answers every question right (or every one wrong)."""
    data: dict[str, object] = {}
    numeric = questions.get(Question.Kind.NUMERIC)
    if numeric is not None:
        data[f"q{numeric.pk}"] = "3,55" if right else "3,7"
    short = questions.get(Question.Kind.SHORT_TEXT)
    if short is not None:
        data[f"q{short.pk}"] = "  suomen KASVU käytävä " if right else "Kasvuvyöhyke"
    matching = questions.get(Question.Kind.MATCHING)
    if matching is not None:
        rows = prompts(matching)
        for n, row in enumerate(rows):
            # A row is matched right by choosing its own match (each option is a choice id).
            chosen = row if right else rows[(n + 1) % len(rows)]
            data[f"q{matching.pk}_{row.pk}"] = chosen.pk
    ordering = questions.get(Question.Kind.ORDERING)
    if ordering is not None:
        rows = prompts(ordering)
        for place, row in enumerate(rows, start=1):
            data[f"q{ordering.pk}_{row.pk}"] = place if right else len(rows) + 1 - place
    return data

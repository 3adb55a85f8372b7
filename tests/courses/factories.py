"""Factories for course content beyond tests/factories.py: knowledge checks and reflections."""

import factory

from courses.models import Choice, Item, Question
from tests.factories import ItemFactory


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    item = factory.SubFactory(ItemFactory, kind=Item.Kind.QUIZ)
    course = factory.LazyAttribute(lambda o: o.item.module.course)
    position = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Kysymys {n}?")
    kind = Question.Kind.SINGLE


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    position = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Vaihtoehto {n}")
    is_correct = False
    explanation = factory.Sequence(lambda n: f"Selitys {n}.")


def make_quiz(module, *, pass_mark=100, max_attempts=0, rule=Item.Rule.QUIZ_PASSED, **fields):
    """A knowledge check with two questions: Q1 single choice (right: a), Q2 multiple
    (right: x and y). Returns (item, {"a":..., "b":..., "x":..., "y":..., "z":...})."""
    item = ItemFactory(
        module=module,
        kind=Item.Kind.QUIZ,
        completion_rule=rule,
        pass_mark=pass_mark,
        max_attempts=max_attempts,
        title=fields.pop("title", "Tietovisa"),
        **fields,
    )
    q1 = QuestionFactory(item=item, text="Mikä on verkosto?", position=0)
    q2 = QuestionFactory(
        item=item, text="Mitkä ovat kokeilun vaiheita?", kind=Question.Kind.MULTIPLE, position=1
    )
    choices = {
        "a": ChoiceFactory(question=q1, text="Yhteistyön rakenne", is_correct=True),
        "b": ChoiceFactory(question=q1, text="Tietokanta", explanation="Ei, se on tekninen."),
        "x": ChoiceFactory(question=q2, text="Suunnittelu", is_correct=True),
        "y": ChoiceFactory(question=q2, text="Arviointi", is_correct=True),
        "z": ChoiceFactory(question=q2, text="Arvonta"),
    }
    return item, choices

"""The impact rubric: what instructors assess in an impact plan, with level descriptors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from .models import Column

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Part:
    code: str
    title: StrOrPromise
    # Descriptors of levels 1 (beginning), 2 (developing) and 3 (strong).
    descriptors: tuple[StrOrPromise, StrOrPromise, StrOrPromise]


PARTS: tuple[Part, ...] = (
    Part(
        Column.RESOURCES.value,
        Column.RESOURCES.label,
        (
            _("Resources are missing or vague."),
            _("The main resources are named."),
            _("People, money, time and partners are named realistically."),
        ),
    ),
    Part(
        Column.ACTIVITIES.value,
        Column.ACTIVITIES.label,
        (
            _("Activities do not follow from the challenge."),
            _("Activities are listed but some do not lead to outputs."),
            _("Each activity clearly leads to an output."),
        ),
    ),
    Part(
        Column.OUTPUTS.value,
        Column.OUTPUTS.label,
        (
            _("Outputs are not concrete."),
            _("Outputs are concrete but not all can be counted."),
            _("Outputs are concrete and countable."),
        ),
    ),
    Part(
        Column.SHORT_TERM.value,
        Column.SHORT_TERM.label,
        (
            _("Outcomes repeat the activities."),
            _("Outcomes describe change, but vaguely."),
            _("Outcomes describe a clear change for the target group."),
        ),
    ),
    Part(
        Column.LONG_TERM.value,
        Column.LONG_TERM.label,
        (
            _("The long-term impact is missing or unrelated."),
            _("The impact is named but the path to it is unclear."),
            _("The impact follows plausibly from the outcomes."),
        ),
    ),
    Part(
        "assumptions_risks",
        _("Assumptions and risks"),
        (
            _("Assumptions and risks are not considered."),
            _("Some assumptions or risks are named."),
            _("Key assumptions and risks are named with a way to handle them."),
        ),
    ),
    Part(
        "indicators",
        _("Indicators"),
        (
            _("No indicators, or they cannot be measured."),
            _("Indicators exist but baselines, targets or sources are missing."),
            _("Each outcome has a measurable indicator with baseline, target and source."),
        ),
    ),
)

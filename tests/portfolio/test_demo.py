"""The demo has published cards across municipalities and themes, one card waiting for public
approval and one adaptation link; loading it twice changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.models import User
from portfolio.models import Adaptation, Card, CardMessage
from tests.portfolio.conftest import all_themes

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_gallery_and_the_approval_queue(client):
    all_themes()  # a browser test's flush may have emptied the migration's themes
    call_command("seed_demo", stdout=StringIO())
    published = Card.objects.exclude(scope=Card.Scope.PRIVATE)
    assert published.values("organisation").distinct().count() >= 6
    themes = set(published.values_list("experiment__themes__code", flat=True))
    assert {"mobility", "multi-locality", "impact", "networks"} <= themes
    pending = Card.objects.get(public_status=Card.PublicStatus.PENDING)
    assert pending.scope == Card.Scope.NETWORK
    assert Adaptation.objects.count() == 1
    counts = (Card.objects.count(), Adaptation.objects.count(), CardMessage.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (
        Card.objects.count(),
        Adaptation.objects.count(),
        CardMessage.objects.count(),
    ) == counts

    # The coordinator finds the pending card in the queue; the public gallery has public cards.
    coordinator = User.objects.get(email="koordinaattori@demo.alueagentti.fi")
    client.force_login(coordinator)
    queue = client.get(reverse("portfolio:approvals"))
    assert [c.pk for c in queue.context["cards"]] == [pending.pk]
    public = Client().get(reverse("portfolio:public_gallery"))
    assert len(public.context["page"].object_list) == 2
    # The demo learner from Tampere finds the Vantaa card by searching.
    laura = User.objects.get(email="laura.virtanen@demo.alueagentti.fi")
    client.force_login(laura)
    found = client.get(reverse("portfolio:gallery"), {"q": "lipulla"})
    assert [c.title for c in found.context["page"].object_list] == ["Työmatkaketju yhdellä lipulla"]

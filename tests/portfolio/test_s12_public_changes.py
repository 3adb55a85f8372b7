"""A public card whose owners edit it stays public as approved (session 12).

Oona (Hattula) and Kaisa (Janakkala) have a public card in Osaamisväylä. Before, editing its
text took it down (back to the network, waiting for approval): a shared link answered 404 for
days. Now:

- the public page, the public and network galleries, the search and the similar and adapted
  experiments keep showing the approved version while the changes wait for a coordinator;
  the team sees its own text with a note;
- the coordinator's approval page shows what changed beside the approved text; approving
  publishes the new text, declining keeps the approved one public and tells the owners why;
- a coordinator is asked once however many saves; an approval of a text that changed after
  the page was opened is refused;
- withdrawing still takes the card down at once; hiding the names shows at once;
- the public page of a two-town team card names both towns even when the names are hidden.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from core.models import Organisation, User
from learners.models import Membership
from notifications.models import Notification
from portfolio import services
from portfolio.models import Card
from tests import factories
from tests.portfolio.conftest import bulk_cards, make_experiment, publish

pytestmark = pytest.mark.django_db

OLD_TRIED = "Kokeilimme kutsuohjattua kyytiä kolmesta kylästä asemalle junien aikoihin."
NEW_TRIED = "Lainasimme sähköpyöriä mökkiläisille kolmessa kylässä."


def _fi(message: str) -> str:
    with translation.override("fi"):
        return escape(translation.gettext(message))


def person(cohort, role, town: str, **fields) -> User:
    organisation, _created = Organisation.objects.get_or_create(name=town)
    user = factories.UserFactory(organisation=organisation, **fields)
    factories.MembershipFactory(cohort=cohort, user=user, role=role)
    return user


@pytest.fixture
def learner(cohort):
    return person(
        cohort, Membership.Role.LEARNER, "Hattula", email="oona@example.fi", first_name="Oona"
    )


@pytest.fixture
def co_owner(cohort):
    return person(
        cohort, Membership.Role.LEARNER, "Janakkala", email="kaisa@example.fi", first_name="Kaisa"
    )


@pytest.fixture
def hattula_coordinator(other_cohort):
    return person(other_cohort, Membership.Role.COORDINATOR, "Hattula", email="hk@example.fi")


@pytest.fixture
def loppi_coordinator(other_cohort):
    return person(other_cohort, Membership.Role.COORDINATOR, "Loppi", email="lk@example.fi")


@pytest.fixture
def public(card):
    return publish(card, Card.Scope.PUBLIC)


def edit_url(card: Card) -> str:
    return reverse("portfolio:card_edit", args=[card.pk])


def approval_url(card: Card) -> str:
    return reverse("portfolio:approval", args=[card.pk])


def public_url(card: Card) -> str:
    return reverse("portfolio:public_card", args=[card.pk])


def opened(client, card: Card) -> dict[str, str]:
    """The edit form as a browser would send it back unchanged."""
    page = client.get(edit_url(card))
    assert page.status_code == 200
    data = {}
    for bound in page.context["form"]:
        value = bound.value()
        if isinstance(value, bool) or value is None:
            if value:
                data[bound.name] = "on"
            continue
        data[bound.name] = str(value)
    return data


def save(client, card: Card, **changes: str) -> object:
    data = opened(client, card) | changes
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
    return client.post(edit_url(card), data)


def approval_requests(card: Card, user: User) -> int:
    return Notification.objects.filter(
        recipient=user, key__startswith=f"portfolio-approval-{card.pk}-"
    ).count()


def public_page(card: Card) -> str:
    response = Client().get(public_url(card))
    assert response.status_code == 200
    return response.content.decode()


def tile_text(html: str, card: Card, *, public: bool) -> str:
    """The tile of `card` in a gallery page: from its link to the end of its article."""
    name = "portfolio:public_card" if public else "portfolio:card"
    link = reverse(name, args=[card.pk])
    return html.split(f'href="{link}"')[1].split("</article>")[0]


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [c.pk for c in response.context["page"].object_list]


# --- the public keeps the approved version -------------------------------------------------


def test_an_edited_public_card_stays_public_as_approved_while_its_changes_wait(
    client_for, learner, other_learner, public, hattula_coordinator
):
    client = client_for(learner)
    response = save(client, public, tried=NEW_TRIED, summary="Sähköpyörät kylille.")
    assert response.status_code == 302
    public.refresh_from_db()
    assert (public.scope, public.public_status) == (Card.Scope.PUBLIC, Card.PublicStatus.PENDING)

    # A visitor following a shared link, and the public gallery: the approved text.
    html = public_page(public)
    assert OLD_TRIED in html
    assert NEW_TRIED not in html
    assert "Sähköpyörät kylille." not in html
    gallery = Client().get(reverse("portfolio:public_gallery"))
    assert listed(gallery) == [public.pk]
    tile = tile_text(gallery.content.decode(), public, public=True)
    assert "Kutsuohjattu liityntäkyyti" in tile
    assert "Sähköpyörät" not in tile

    # Someone signed in outside the team: the approved text too, on the card and in the list.
    viewer = client_for(other_learner)
    page = viewer.get(reverse("portfolio:card", args=[public.pk]))
    assert page.status_code == 200
    assert OLD_TRIED in page.content.decode()
    assert NEW_TRIED not in page.content.decode()
    assert 'data-testid="changes-note"' not in page.content.decode()
    tile = tile_text(
        viewer.get(reverse("portfolio:gallery")).content.decode(), public, public=False
    )
    assert "Sähköpyörät" not in tile

    # The team: its own text, and a note that the public sees the approved version.
    page = client_for(learner).get(reverse("portfolio:card", args=[public.pk]))
    assert NEW_TRIED in page.content.decode()
    assert 'data-testid="changes-note"' in page.content.decode()
    assert approval_requests(public, hattula_coordinator) == 1


def test_the_search_finds_the_approved_text_until_the_changes_are_approved(
    client_for, learner, public, hattula_coordinator
):
    def found(query: str) -> list[int]:
        return listed(Client().get(reverse("portfolio:public_gallery"), {"q": query}))

    # "junien" is only in the approved "what was tried".
    save(client_for(learner), public, tried=NEW_TRIED)
    assert found("junien") == [public.pk]
    assert found("sähköpyörä") == []

    client = client_for(hattula_coordinator)
    page = client.get(approval_url(public))
    client.post(approval_url(public), {"decision": "approve", "seen": page.context["seen"]})
    assert found("sähköpyörä") == [public.pk]
    assert found("junien") == []


def test_the_coordinator_sees_what_changed_and_approving_publishes_the_new_text(
    client_for, learner, co_owner, public, hattula_coordinator
):
    save(client_for(learner), public, tried=NEW_TRIED)
    note = Notification.objects.get(recipient=hattula_coordinator)
    client = client_for(hattula_coordinator)
    page = client.get(note.url)
    assert page.status_code == 200
    html = page.content.decode()
    change = html.split('data-testid="change-tried"')[1].split('data-testid="change-')[0]
    approved = change.split('data-testid="approved-text"')[1].split("</div>")[0]
    proposed = change.split('data-testid="proposed-text"')[1].split("</div>")[0]
    assert OLD_TRIED in approved
    assert NEW_TRIED in proposed
    # Only what changed is set side by side.
    assert 'data-testid="change-summary"' not in html
    queue = client.get(reverse("portfolio:approvals"))
    assert [c.pk for c in queue.context["cards"]] == [public.pk]
    assert 'data-testid="changes-badge"' in queue.content.decode()

    response = client.post(note.url, {"decision": "approve", "seen": page.context["seen"]})
    assert response.status_code == 302
    html = public_page(public)
    assert NEW_TRIED in html
    assert OLD_TRIED not in html
    public.refresh_from_db()
    assert (public.public_status, public.approved_version) == (Card.PublicStatus.APPROVED, None)
    told = Notification.objects.filter(key__startswith=f"portfolio-approved-{public.pk}-")
    assert sorted(told.values_list("recipient__email", flat=True)) == [
        "kaisa@example.fi",
        "oona@example.fi",
    ]
    # Nothing waits any more: the owner's page has no note.
    page = client_for(learner).get(reverse("portfolio:card", args=[public.pk]))
    assert 'data-testid="changes-note"' not in page.content.decode()


def test_declining_keeps_the_approved_version_public_and_tells_the_owners_why(
    client_for, learner, public, hattula_coordinator
):
    save(client_for(learner), public, tried=NEW_TRIED)
    client = client_for(hattula_coordinator)
    reason = "Tekstissä näkyy asukkaan nimi."
    response = client.post(approval_url(public), {"decision": "reject", "reason": reason})
    assert response.status_code == 302

    html = public_page(public)
    assert OLD_TRIED in html
    assert NEW_TRIED not in html
    public.refresh_from_db()
    assert (public.scope, public.public_status) == (Card.Scope.PUBLIC, Card.PublicStatus.REJECTED)
    told = Notification.objects.get(recipient=learner, key__startswith="portfolio-rejected-")
    assert reason in told.body
    owner_page = client_for(learner).get(reverse("portfolio:card", args=[public.pk]))
    assert reason in owner_page.content.decode()
    assert 'data-testid="changes-note"' in owner_page.content.decode()
    assert NEW_TRIED in owner_page.content.decode()

    # Fixing the text asks the coordinator again (a new round).
    save(client_for(learner), public, tried="Lainasimme pyöriä kylille.")
    public.refresh_from_db()
    assert public.public_status == Card.PublicStatus.PENDING
    assert approval_requests(public, hattula_coordinator) == 2
    assert OLD_TRIED in public_page(public)


def test_changes_saved_while_a_request_waits_ask_the_coordinator_only_once(
    client_for, learner, co_owner, public, hattula_coordinator
):
    save(client_for(learner), public, tried=NEW_TRIED)
    save(client_for(co_owner), public, lessons="Kaisan oppi.")
    save(client_for(learner), public, results="Oonan tulokset.")
    response = client_for(learner).post(
        reverse("portfolio:card_publish", args=[public.pk]), {"scope": "public", "consent": "on"}
    )
    assert response.status_code == 302
    assert approval_requests(public, hattula_coordinator) == 1
    # The coordinator sees every change of the round beside the approved text.
    html = client_for(hattula_coordinator).get(approval_url(public)).content.decode()
    for name in ("tried", "lessons", "results"):
        assert f'data-testid="change-{name}"' in html
    assert OLD_TRIED in public_page(public)


def test_an_approval_of_a_text_changed_after_the_page_was_opened_is_refused(
    client_for, learner, public, hattula_coordinator
):
    save(client_for(learner), public, tried=NEW_TRIED)
    client = client_for(hattula_coordinator)
    seen = client.get(approval_url(public)).context["seen"]
    later = "Lainasimme sähköpyöriä ja kirjoitimme asukkaan nimen tähän."
    save(client_for(learner), public, tried=later)

    client = client_for(hattula_coordinator)
    response = client.post(approval_url(public), {"decision": "approve", "seen": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="approval-outdated"' in html
    assert later in html
    public.refresh_from_db()
    assert public.public_status == Card.PublicStatus.PENDING
    assert later not in public_page(public)

    # Having read the new text, the coordinator approves it.
    response = client.post(
        approval_url(public), {"decision": "approve", "seen": response.context["seen"]}
    )
    assert response.status_code == 302
    assert later in public_page(public)


def test_withdrawing_takes_a_card_with_waiting_changes_down_at_once(
    client_for, learner, other_learner, public, hattula_coordinator
):
    save(client_for(learner), public, tried=NEW_TRIED)
    assert OLD_TRIED in public_page(public)
    response = client_for(learner).post(reverse("portfolio:card_withdraw", args=[public.pk]))
    assert response.status_code == 302
    assert Client().get(public_url(public)).status_code == 404
    assert listed(Client().get(reverse("portfolio:public_gallery"))) == []
    coordinator = client_for(hattula_coordinator)
    assert list(coordinator.get(reverse("portfolio:approvals")).context["cards"]) == []
    # The request's link no longer opens an approval: it says the team withdrew it (session 14;
    # it was a 404) and leads to the empty list.
    late = coordinator.get(approval_url(public))
    assert (late.status_code, late["Location"]) == (302, reverse("portfolio:approvals"))
    assert approval_requests(public, hattula_coordinator) == 0

    # Shared with the network again: the network reads and finds the team's own text.
    client_for(learner).post(
        reverse("portfolio:card_publish", args=[public.pk]), {"scope": "network"}
    )
    viewer = client_for(other_learner)
    page = viewer.get(reverse("portfolio:card", args=[public.pk]))
    assert NEW_TRIED in page.content.decode()
    assert listed(viewer.get(reverse("portfolio:gallery"), {"q": "sähköpyörä"})) == [public.pk]


def test_undoing_the_changes_withdraws_the_request(
    client_for, learner, public, hattula_coordinator
):
    save(client_for(learner), public, tried=NEW_TRIED)
    assert approval_requests(public, hattula_coordinator) == 1
    save(client_for(learner), public, tried=OLD_TRIED)
    public.refresh_from_db()
    assert (public.public_status, public.approved_version) == (Card.PublicStatus.APPROVED, None)
    coordinator = client_for(hattula_coordinator)
    assert list(coordinator.get(reverse("portfolio:approvals")).context["cards"]) == []
    assert approval_requests(public, hattula_coordinator) == 0


def test_hiding_the_names_is_public_at_once_and_showing_them_waits(
    client_for, learner, public, hattula_coordinator
):
    Card.objects.filter(pk=public.pk).update(show_names=True)
    services.card_name_answer(card=public, member=learner, agree=True)
    assert learner.display_name in public_page(public)

    save(client_for(learner), public, show_names=None)  # the box unticked
    public.refresh_from_db()
    assert public.public_status == Card.PublicStatus.APPROVED
    assert learner.display_name not in public_page(public)
    assert approval_requests(public, hattula_coordinator) == 0

    save(client_for(learner), public, show_names="on")
    public.refresh_from_db()
    assert public.public_status == Card.PublicStatus.PENDING
    assert learner.display_name not in public_page(public)
    assert approval_requests(public, hattula_coordinator) == 1


def test_sections_filled_from_the_phases_wait_for_approval_too(
    client_for, learner, public, hattula_coordinator
):
    Card.objects.filter(pk=public.pk).update(need="")
    challenge = public.experiment.challenge
    response = client_for(learner).post(reverse("portfolio:card_prefill", args=[public.pk]))
    assert response.status_code == 302
    public.refresh_from_db()
    assert challenge in public.need
    assert public.public_status == Card.PublicStatus.PENDING
    assert challenge not in public_page(public)
    assert approval_requests(public, hattula_coordinator) == 1


def test_a_public_card_keeps_its_summary(client_for, learner, public, hattula_coordinator):
    response = save(client_for(learner), public, summary="", tried=NEW_TRIED)
    assert response.status_code == 400
    assert _fi("Write a short summary before publishing the card publicly.") in (
        response.content.decode()
    )
    public.refresh_from_db()
    assert (public.public_status, public.tried) == (Card.PublicStatus.APPROVED, OLD_TRIED)
    assert approval_requests(public, hattula_coordinator) == 0


def test_an_adaptation_keeps_linking_to_a_public_card_whose_changes_wait(
    client_for, cohort, workshop, learner, public
):
    loppi = person(cohort, Membership.Role.LEARNER, "Loppi")
    experiment = make_experiment(
        owner=loppi, cohort=cohort, workshop=workshop, title="Kyyti Lopelle", themes=["mobility"]
    )
    adapted = services.card_create(experiment=experiment)
    Card.objects.filter(pk=adapted.pk).update(summary="Lopen kyyti.")
    adapted = publish(adapted, Card.Scope.PUBLIC)
    services.card_adapt(card=public, by=loppi, experiment=experiment, note="Meillä myös.")
    save(client_for(loppi), adapted, title="Uusi nimi, ei vielä hyväksytty")

    html = public_page(public)
    adaptations = html.split('data-testid="adaptations"')[1]
    assert f'href="{public_url(adapted)}"' in adaptations
    assert "Kyyti Lopelle" in adaptations
    assert "Uusi nimi" not in html
    # Its own public page too, and the way back to the original.
    html = public_page(adapted)
    assert "Kyyti Lopelle" in html
    assert "Uusi nimi" not in html
    assert f'href="{public_url(public)}"' in html.split('data-testid="origins"')[1]


# --- who may see what ----------------------------------------------------------------------


def test_only_the_approving_coordinators_read_the_changes(
    client_for, learner, other_learner, public, loppi_coordinator
):
    save(client_for(learner), public, tried=NEW_TRIED)
    for outsider in (loppi_coordinator, other_learner):
        client = client_for(outsider)
        assert client.get(approval_url(public)).status_code == 404
        assert client.post(approval_url(public), {"decision": "approve"}).status_code == 404
    public.refresh_from_db()
    assert public.public_status == Card.PublicStatus.PENDING
    assert NEW_TRIED not in public_page(public)


# --- a two-town team on the public page ------------------------------------------------------


def test_the_public_page_of_a_team_card_names_every_town_whether_or_not_names_show(
    learner, co_owner, public
):
    assert not public.show_names
    html = public_page(public)
    heading = html.split('data-testid="card-title"')[1].split("</p>")[0]
    assert "Hattula, Janakkala · " in heading
    assert learner.display_name not in html
    assert co_owner.display_name not in html

    Card.objects.filter(pk=public.pk).update(show_names=True)
    for member in (learner, co_owner):
        services.card_name_answer(card=public, member=member, agree=True)
    heading = public_page(public).split('data-testid="card-title"')[1].split("</p>")[0]
    assert "Hattula, Janakkala · " in heading
    assert learner.display_name in heading
    assert co_owner.display_name in heading


# --- query budgets ---------------------------------------------------------------------------


def test_the_galleries_read_waiting_changes_in_a_fixed_number_of_queries(
    client_for, cohort, workshop, learner, other_learner, django_assert_num_queries
):
    def public_with_changes(n: int, word: str) -> list[Card]:
        cards = bulk_cards(
            n=n, cohort=cohort, workshop=workshop, owner=learner, scope=Card.Scope.PUBLIC, word=word
        )
        for card in cards:
            Card.objects.filter(pk=card.pk).update(
                approved_version={name: getattr(card, name) for name in Card.APPROVED_FIELDS},
                public_status=Card.PublicStatus.PENDING,
                requested_at=timezone.now(),
                title=f"Odottaa {card.pk}",
            )
        return cards

    anonymous = Client()
    signed_in = client_for(other_learner)
    public_with_changes(2, "pieni")
    # The facets (2); the count and the page of cards, each read with its approved version
    # (2); the page's themes and teams with their towns (2); signed in, the session and the
    # person with the navigation first (2). (10 allowed before, then as many as with 2 cards.)
    urls = [
        (anonymous, reverse("portfolio:public_gallery"), 6),
        (signed_in, reverse("portfolio:gallery"), 8),
    ]
    for client, url, budget in urls:
        client.get(url)
        with django_assert_num_queries(budget):
            client.get(url)
    cards = public_with_changes(9, "iso")
    for client, url, budget in urls:
        with django_assert_num_queries(budget):
            html = client.get(url).content.decode()
        assert "Odottaa" not in html
        assert all(card.title in html for card in cards)


def test_the_api_gallery_gives_the_approved_text_while_changes_wait(
    client_for, learner, other_learner, public, hattula_coordinator
):
    from rest_framework.test import APIClient

    from api import services as api_services

    save(client_for(learner), public, tried=NEW_TRIED, summary="Sähköpyörät kylille.")
    _token, raw = api_services.token_create(user=other_learner, name="raportointi", scope="read")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def summary() -> str:
        response = api.get(reverse("api:cards"))
        assert response.status_code == 200
        rows = response.json()["results"] if "results" in response.json() else response.json()
        return next(r["summary"] for r in rows if r["id"] == public.pk)

    assert summary() != "Sähköpyörät kylille."
    client = client_for(hattula_coordinator)
    page = client.get(approval_url(public))
    client.post(approval_url(public), {"decision": "approve", "seen": page.context["seen"]})
    assert summary() == "Sähköpyörät kylille."

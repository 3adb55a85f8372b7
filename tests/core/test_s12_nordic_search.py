"""Searches ignore the case of Å, Ä and Ö on the embedded SQLite as on PostgreSQL (session 12).

SQLite's LIKE, Django's `icontains` and `iexact` there, folds ASCII letters only: an admin who
typed "åström" did not find Åström in the admin's lists, and "ähtäri" was not the
organisation Ähtäri. core/lookups.py adds `unicode_iexact` (an equality, never a pattern) and
`JSONText` beside `unicode_icontains`; every ModelAdmin with `search_fields` uses them through
core.admin_search.UnicodeSearchMixin. On PostgreSQL their SQL is Django's own.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.admin_search import UnicodeSearchMixin, unicode_search_field
from core.lookups import JSONText
from core.models import Organisation, User
from discussions.models import Thread
from learners.models import InvitationImport, Membership
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

# The apps whose admins are ours (Django's and allauth's search as they do).
OUR_APPS = {
    "core",
    "courses",
    "learners",
    "workshops",
    "impact",
    "portfolio",
    "notifications",
    "discussions",
    "privacy",
    "api",
    "scores",
}


@pytest.fixture
def towns(db):
    return {
        name: factories.OrganisationFactory(name=name)
        for name in ("Ähtäri", "Åland", "Hattula", "Ahtari")
    }


@pytest.fixture
def people(towns):
    return {
        last: factories.UserFactory(first_name=first, last_name=last, email=email)
        for first, last, email in [
            ("Åsa", "Åström", "Asa.Astrom@example.fi"),
            ("Örjan", "Öberg", "Örjan.Öberg@Example.fi"),
            ("Pia", "Ahonen", "pia_ahonen@example.fi"),
        ]
    }


def named(qs):
    return sorted(o.name for o in qs)


# --- the lookups ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ähtäri", ["Ähtäri"]),
        ("ÄHTÄRI", ["Ähtäri"]),
        ("åland", ["Åland"]),
        ("hattula", ["Hattula"]),  # ASCII, as before
        ("ahtari", ["Ahtari"]),  # a is not ä
        ("ähtär", []),  # an equality, not a search
        ("äh%", []),  # LIKE's wildcards are letters here
        ("ähtär_", []),
    ],
)
def test_unicode_iexact_is_the_name_in_any_letter_case(towns, typed, expected):
    assert named(Organisation.objects.filter(name__unicode_iexact=typed)) == expected


def test_an_email_is_equal_in_any_letter_case_and_otherwise_exactly(people):
    found = User.objects.filter(email__unicode_iexact="örjan.öberg@example.fi")
    assert [u.last_name for u in found] == ["Öberg"]
    assert not User.objects.filter(email__unicode_iexact="örjan_öberg@example.fi").exists()
    assert not User.objects.filter(email__unicode_iexact="pia%@example.fi").exists()
    assert [u.last_name for u in User.objects.filter(email__unicode_iexact="PIA_AHONEN@example.fi")]
    assert not User.objects.filter(email__unicode_iexact="piaxahonen@example.fi").exists()


def test_unicode_iexact_compares_two_columns(people):
    User.objects.filter(pk=people["Öberg"].pk).update(first_name="öBERG")
    assert list(User.objects.filter(first_name__unicode_iexact=F("last_name"))) == [people["Öberg"]]


def sql_of(model, lookup, value):
    return model.objects.filter(**{lookup: value}).query.sql_with_params()


def test_postgresql_keeps_django_s_sql_and_sqlite_s_ascii_words_keep_like(db):
    nordic = sql_of(Organisation, "name__unicode_iexact", "ÄHTÄRI")
    if connection.vendor == "postgresql":
        assert nordic == sql_of(Organisation, "name__iexact", "ÄHTÄRI")
    else:
        assert "alueagentti_casefold" in nordic[0]
        assert nordic[1] == ("ähtäri",)
    assert sql_of(Organisation, "name__unicode_iexact", "Loppi") == sql_of(
        Organisation, "name__iexact", "Loppi"
    )


def test_json_text_finds_a_name_with_nordic_letters_in_any_case(cohort):
    upload = InvitationImport.objects.create(
        cohort=cohort,
        file_name="kutsut.csv",
        content=b"",
        rows=[{"line": 2, "first_name": "Åsa", "last_name": "ÅSTRÖM", "email": "a@example.fi"}],
    )
    InvitationImport.objects.create(cohort=cohort, file_name="muut.csv", content=b"", rows=[])

    def holding(word):
        return list(
            InvitationImport.objects.alias(t=JSONText("rows"))
            .filter(t__unicode_icontains=word)
            .values_list("pk", flat=True)
        )

    assert holding("åström") == [upload.pk]
    assert holding('"last_name": "åström"') == [upload.pk]
    assert holding("öström") == []


# --- the admin -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("email", "email__unicode_icontains"),
        ("organisation__name", "organisation__name__unicode_icontains"),
        ("=email", "email__unicode_iexact"),
        ("^email", "^email"),
        ("email__exact", "email__exact"),
        ("organisation", "organisation"),  # a relation, not text
        ("pk", "pk"),
        ("last_login", "last_login"),
    ],
)
def test_the_mixin_gives_each_text_field_its_unicode_lookup(spec, expected):
    assert unicode_search_field(User, spec) == expected
    # The lookups it names are ones Django's admin uses as written.
    if expected != spec:
        assert unicode_search_field(User, expected) == expected


def test_every_admin_of_ours_with_a_search_box_searches_nordic_letters():
    missing = [
        type(model_admin).__name__
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OUR_APPS
        and model_admin.search_fields
        and not isinstance(model_admin, UnicodeSearchMixin)
    ]
    assert missing == []


def changelist(client, model, q):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {"q": q})
    assert response.status_code == 200
    return response.context["cl"].result_list


def test_the_admin_finds_people_and_organisations_typed_in_lower_case(admin_client, people, towns):
    assert [u.last_name for u in changelist(admin_client, User, "åström")] == ["Åström"]
    assert [u.last_name for u in changelist(admin_client, User, "öberg")] == ["Öberg"]
    # Every word must match somewhere, as Django's admin does.
    assert [u.last_name for u in changelist(admin_client, User, "åsa åström")] == ["Åström"]
    assert [u.last_name for u in changelist(admin_client, User, "ASA.ASTROM")] == ["Åström"]
    assert named(changelist(admin_client, Organisation, "ähtäri")) == ["Ähtäri"]
    assert named(changelist(admin_client, Organisation, "ahtari")) == ["Ahtari"]
    # The person's page shows them by the name they were found by.
    page = admin_client.get(reverse("admin:core_user_changelist"), {"q": "åström"})
    assert "Asa.Astrom@example.fi" in page.content.decode()


def test_the_admin_finds_notifications_and_threads_by_nordic_words(admin_client, cohort, people):
    Notification.objects.create(
        recipient=people["Åström"], category="reviews", key="k1", subject="Åsan muistutus"
    )
    Notification.objects.create(
        recipient=people["Ahonen"], category="reviews", key="k2", subject="Pian muistutus"
    )
    found = changelist(admin_client, Notification, "ÅSAN")
    assert [n.subject for n in found] == ["Åsan muistutus"]
    assert [n.subject for n in changelist(admin_client, Notification, "åström")] == []
    assert [n.subject for n in changelist(admin_client, Notification, "asa.astrom")] == [
        "Åsan muistutus"
    ]
    for title in ("Äänestys kylätalosta", "Kyyditys"):
        Thread.objects.create(
            cohort=cohort, author=people["Öberg"], title=title, last_post_at=timezone.now()
        )
    assert [t.title for t in changelist(admin_client, Thread, "äänestys")] == [
        "Äänestys kylätalosta"
    ]


def test_a_cohort_s_member_picker_finds_a_person_typed_in_lower_case(admin_client, people):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": Membership._meta.app_label,
            "model_name": Membership._meta.model_name,
            "field_name": "user",
            "term": "öberg",
        },
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(people["Öberg"].pk)]


def test_nobody_but_staff_reaches_the_admin_s_search(client_for, coordinator, people):
    response = client_for(coordinator).get(reverse("admin:core_user_changelist"), {"q": "åström"})
    assert response.status_code == 302
    assert "Åström" not in response.content.decode()

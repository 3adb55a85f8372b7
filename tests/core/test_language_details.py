"""Small language defects (#11 items 18 and 20): the re-authentication page's field label,
the time-zone list, and where the certificate notification is filed."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import translation

from notifications.models import DEFAULT_MODES, Mode, Notification, NotificationPreference
from notifications.services import preference_for

pytestmark = pytest.mark.django_db


def sign_in_in(client_for, user, language):
    user.language = language
    user.save(update_fields=["language"])
    return client_for(user)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_sign_in_code_page_labels_its_field_in_the_page_language(client_for, learner, language):
    assert EmailAddress.objects.filter(user=learner, email=learner.email).update(verified=True)
    client = sign_in_in(client_for, learner, language)
    # The password page offers the code as an alternative.
    page = client.get(reverse("account_reauthenticate")).content.decode()
    assert reverse("account_request_reauthentication_code") in page
    html = client.get(reverse("account_request_reauthentication_code")).content.decode()
    assert "Recipient" not in html
    with translation.override(language):
        label = translation.gettext("Send the code to")
    assert re.search(rf'<label class="form-label" for="id_recipient">{label}</label>', html)
    assert f'<option value="{learner.email}"' in html


def test_the_sign_in_code_page_is_for_signed_in_people_only(client):
    response = client.get(reverse("account_request_reauthentication_code"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_time_zone_list_starts_with_helsinki_and_a_short_translated_list(client_for, learner):
    html = sign_in_in(client_for, learner, "en").get(reverse("notifications:preferences"))
    html = html.content.decode()
    select = re.search(r'<select name="time_zone".*?</select>', html, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == ["Common time zones", "Other time zones"]
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)
    assert options[0] == ("Europe/Helsinki", "Finland (Helsinki)")
    assert re.search(r'<option value="Europe/Helsinki" selected>', select)
    assert ("Europe/Stockholm", "Sweden (Stockholm)") in options[:11]
    assert ("America/New_York", "America / New York") in options
    assert len(options) > 300  # every zone is still there
    values = [value for value, _label in options]
    assert len(values) == len(set(values))  # the common ones are not listed twice


def test_a_common_time_zone_is_saved(client_for, learner):
    data = {"time_zone": "Atlantic/Canary"}
    data.update({f"mode_{c}": "daily" for c in Notification.Category.values})
    response = client_for(learner).post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=learner).timezone == "Atlantic/Canary"


def test_certificates_have_their_own_notification_category_on_by_default(learner):
    assert Notification.Category.CERTIFICATES == "certificates"
    assert DEFAULT_MODES[Notification.Category.CERTIFICATES] == Mode.IMMEDIATELY
    assert preference_for(learner).mode_for("certificates") == Mode.IMMEDIATELY

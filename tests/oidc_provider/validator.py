from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

# Users in this group have an address the provider has not verified (email_verified false).
UNVERIFIED_GROUP = "unverified-email"


class Validator(OAuth2Validator):
    """The standard claims of the profile and email scopes, from the Django user."""

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "email": user.email,
            "email_verified": not user.groups.filter(name=UNVERIFIED_GROUP).exists(),
            "given_name": user.first_name,
            "family_name": user.last_name,
            "name": f"{user.first_name} {user.last_name}".strip(),
            "preferred_username": user.username,
        }

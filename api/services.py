"""Creating, using and revoking personal access tokens."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError

from .models import ApiToken

if TYPE_CHECKING:
    from core.models import User

TOKEN_PREFIX = "aa_"  # noqa: S105  (a marker that makes leaked tokens greppable)
# A person rarely needs more; a cap keeps a leaked session from minting keys without end.
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often, so a busy script does not write on every call.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for the person; returns the row and the secret, which is never stored."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."))
    if scope not in ApiToken.Scope.values:
        raise DomainError(_("Choose what the token may do."))
    active = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            _("You have %(count)d tokens in use; revoke one before creating another.")
            % {"count": MAX_ACTIVE_TOKENS}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, scope=scope, prefix=raw[:10], key_hash=token_hash(raw)
    )
    return token, raw


def token_revoke(*, user: User, token_id: int) -> bool:
    """Stop one of the person's own tokens from working; False if it was not theirs or active."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def token_authenticate(raw: str) -> ApiToken | None:
    """The active token with this secret and its active owner, or None; records the use."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(raw.strip()), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

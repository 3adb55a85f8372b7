"""Personal access tokens: a person's key to the REST API, acting with their own permissions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ApiToken(models.Model):
    """One personal access token. Only a SHA-256 hash of the secret is stored: the token is
    shown once, when it is created, and a copy of the database cannot be used to call the API."""

    class Scope(models.TextChoices):
        READ = "read", pgettext_lazy("API token scope", "Read")
        WRITE = "write", pgettext_lazy("API token scope", "Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, shown in the list so a person can tell keys apart.
    prefix = models.CharField(_("begins with"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("permissions"), max_length=10, choices=Scope.choices, default=Scope.READ
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .admin_search import UnicodeSearchMixin
from .models import Organisation, User
from .search import reindex_related
from .signals import user_organisation_changed


@admin.register(Organisation)
class OrganisationAdmin(UnicodeSearchMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "oidc_enabled"]
    list_filter = ["kind", "oidc_enabled"]
    search_fields = ["name", "email_domains"]
    readonly_fields = ["oidc_redirect_uri"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Sign-in with the organisation's own account (README: Municipal sign-in; core/oidc.py).
    fieldsets = (
        (None, {"fields": ("name", "kind")}),
        (
            _("Sign-in with the organisation's account (OpenID Connect)"),
            {
                "fields": (
                    "oidc_enabled",
                    "email_domains",
                    "oidc_issuer",
                    "oidc_client_id",
                    "oidc_secret_env",
                    "oidc_secret",
                    "idp_enforces_mfa",
                    "oidc_redirect_uri",
                )
            },
        ),
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # The stored secret is written, never shown again.
        form.base_fields["oidc_secret"].widget = forms.PasswordInput(render_value=False)
        form.base_fields["oidc_secret"].required = False
        return form

    def save_model(self, request, obj, form, change):
        if change and not form.cleaned_data.get("oidc_secret"):
            # An empty secret field keeps the stored one.
            obj.oidc_secret = Organisation.objects.get(pk=obj.pk).oidc_secret
        super().save_model(request, obj, form, change)
        # Cards are found by their municipality's name (core.search).
        reindex_related(Organisation, [obj.pk])

    @admin.display(description=_("redirect URI to register at the provider"))
    def oidc_redirect_uri(self, obj: Organisation) -> str:
        if obj.pk is None:
            return str(_("Shown after the organisation is saved."))
        from django.conf import settings
        from django.urls import reverse

        from core.oidc import provider_id_for

        path = reverse("openid_connect_callback", kwargs={"provider_id": provider_id_for(obj)})
        return f"{settings.SITE_URL}{path}"


@admin.register(User)
class UserAdmin(UnicodeSearchMixin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "organisation", "language", "is_staff"]
    list_filter = ["is_staff", "is_superuser", "is_active", "language", "organisation"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "organisation", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "organisation" in form.changed_data:
            # The admin's form saves in one transaction with this: the apps that keep a copy
            # of the person's municipality (the cards' search index, the progress summary's
            # organisations) follow in it (core.signals).
            user_organisation_changed.send(sender=type(obj), user=obj)

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality or city")
        COLLEGE = "college", _("Educational institution")
        NETWORK = "network", _("Network")
        OTHER = "other", _("Other organisation")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    # Sign-in with the organisation's own identity provider (OpenID Connect, core/oidc.py).
    oidc_enabled = models.BooleanField(
        _("sign-in with the organisation's account"),
        default=False,
        help_text=_("People whose email domain is listed below sign in through the provider."),
    )
    oidc_issuer = models.URLField(
        _("identity provider's issuer URL"),
        blank=True,
        help_text=_(
            "Exactly as the provider names itself, e.g. Entra ID: "
            "https://login.microsoftonline.com/<tenant id>/v2.0"
        ),
    )
    oidc_client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    oidc_secret_env = models.CharField(
        _("client secret from the environment variable"),
        max_length=100,
        blank=True,
        help_text=_(
            "The name of a variable starting with ALUEAGENTTI_OIDC_; it wins over a "
            "secret stored here."
        ),
    )
    oidc_secret = models.CharField(_("client secret"), max_length=500, blank=True)
    email_domains = models.CharField(
        _("email domains"),
        max_length=500,
        blank=True,
        help_text=_("The domains of its people's addresses, separated by spaces or commas."),
    )
    idp_enforces_mfa = models.BooleanField(
        _("the identity provider enforces two-factor authentication"),
        default=False,
        help_text=_("Staff signed in through it are not asked for a second factor again."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from core.oidc import validate_organisation

        validate_organisation(self)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with their email address; roles come from cohort memberships."""

    # Removes AbstractUser's username field (the stubs type it as a CharField).
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Email-based, so not the username-based manager that AbstractUser declares.
    objects = UserManager()  # type: ignore[assignment, misc]

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        # Every staff list pages a cohort's people in name order (attendance, the cohort table,
        # at risk): PostgreSQL walks this index and stops at the page's end instead of sorting
        # the whole cohort (attendance at 20,000 learners: 21 ms -> 2 ms).
        indexes = [models.Index(fields=["last_name", "first_name", "email"], name="user_name_idx")]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class Heartbeat(models.Model):
    """The last time a beat task reached a worker (core.tasks.worker_heartbeat); /healthz
    reads it to tell whether the background work runs."""

    name = models.CharField(max_length=50, primary_key=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name


class StagedUpload(models.Model):
    """A file a person sent on its own before the form that uses it (core/staged_uploads.py):
    the form carries only `token`. Its bytes wait in PRIVATE_MEDIA_ROOT/.incoming (`on_disk`,
    so storing them is a rename) or in the private bucket's `.incoming/`; the row is deleted
    when a form stores the file, or by the hourly sweeper after a day unused."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staged_uploads"
    )
    token = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=255, blank=True)
    # The file's name in `.incoming/` (on the disk or in the bucket).
    stored_name = models.CharField(max_length=255)
    on_disk = models.BooleanField(default=True)
    # The form the file was added to (the key its field gives, e.g. the answer's autosave
    # address), set once all its bytes are there: the same form opened by the same person on
    # another device lists the file and sends it (core.staged_fields), so a file added on the
    # phone is not left behind when the answer is sent from the laptop.
    form_key = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("staged upload")
        verbose_name_plural = _("staged uploads")

    def __str__(self) -> str:
        return self.name

"""Small helpers that read settings from the environment and fail loudly on bad values."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_proxy_ssl_header(name: str, default: str = "") -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER from a header name such as `X-Forwarded-Proto` (the value that
    means HTTPS is `https`; `X-Forwarded-Ssl=on` names another); empty means no proxy says so."""
    raw = os.environ.get(name, default).strip()
    if not raw:
        return None
    header, _sep, value = raw.partition("=")
    header = header.strip()
    if not header.replace("-", "").replace("_", "").isalnum():
        raise ImproperlyConfigured(f"{name} must be a header name such as X-Forwarded-Proto.")
    meta = header.upper().replace("-", "_")
    if not meta.startswith("HTTP_"):
        meta = f"HTTP_{meta}"
    return meta, value.strip() or "https"


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None

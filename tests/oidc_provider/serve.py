"""Run the tests' OpenID Connect provider: `python -m tests.oidc_provider.serve CONFIG.json`.

The configuration names the SQLite file, the client (id, secret, redirect URIs) and the users
({"username", "password", "email", "first_name", "last_name", "email_verified"}). The server
binds a free loopback port first, so the issuer can name it, then prints one JSON line
{"port": ..., "issuer": ...} on stdout when it answers requests.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(config_path: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    port = server.server_port
    issuer = f"http://127.0.0.1:{port}/o"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "IDP_DATABASE": config["database"],
            "IDP_ISSUER": issuer,
            "IDP_RSA_PRIVATE_KEY": key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
        }
    )
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    from tests.oidc_provider.validator import UNVERIFIED_GROUP

    call_command("migrate", verbosity=0, interactive=False)
    unverified = Group.objects.create(name=UNVERIFIED_GROUP)
    for person in config["users"]:
        user = User.objects.create_user(
            username=person["username"],
            password=person["password"],
            email=person["email"],
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
        )
        if not person.get("email_verified", True):
            user.groups.add(unverified)
    Application.objects.create(
        name="Alueagentti",
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(config.get("redirect_uris", [])),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    server.set_app(get_wsgi_application())
    print(json.dumps({"port": port, "issuer": issuer}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])

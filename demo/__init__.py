"""The demo: the data `make run` serves (the `seed_demo` command), kept out of the production apps.

- `content/`: the texts a course author and an instructor wrote, one module per language;
- `accounts.py`: the demo's organisations and people, with the README's published password;
- `builders/`: one module per area, writing that area's rows idempotently;
- `seed.py`: the order in which the builders run.

Only `config.settings.base` installs this app; the production settings leave it out, and no
production app imports it.
"""

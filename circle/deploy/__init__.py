"""Running circle for others: who may do what, which server files they may name, and what they did.

- :mod:`circle.deploy.config`: the deployment's settings (``circle.toml``);
- :mod:`circle.deploy.db`: the database all the state below lives in (SQLite or PostgreSQL; Alembic migrations);
- :mod:`circle.deploy.accounts`: local planner accounts with argon2-hashed passwords;
- :mod:`circle.deploy.throttle`: refused sign-ins by name and address, with growing delays;
- :mod:`circle.deploy.server_files`: server paths limited to the configured data folders;
- :mod:`circle.deploy.audit`: the audit log, its hash chain and the head kept apart;
- :mod:`circle.deploy.owners`: who owns each saved scenario (one winner of a race for a name);
- :mod:`circle.deploy.builds`: the build queue, upload quotas and per-session scratch folders;
- :mod:`circle.deploy.reports`: residents' reports from the published sites (validated, rate-limited, plain text);
- :mod:`circle.deploy.public_site`: the ASGI app of ``circle serve --public``: published sites and the reports endpoint;
- :mod:`circle.deploy.drawn_files`: the map files this process drew, the only ones the public guard serves;
- :mod:`circle.deploy.serve`: the command lines of ``circle serve`` (Streamlit; uvicorn with ``--public``).
"""

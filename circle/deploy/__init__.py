"""Running circle for others: who may do what, which server files they may name, and what they did.

- :mod:`circle.deploy.config`: the deployment's settings (``circle.toml``);
- :mod:`circle.deploy.accounts`: local planner accounts with argon2-hashed passwords;
- :mod:`circle.deploy.server_files`: server paths limited to the configured data folders;
- :mod:`circle.deploy.audit`: the append-only audit log in the studies folder;
- :mod:`circle.deploy.builds`: the build queue, upload quotas and per-session scratch folders;
- :mod:`circle.deploy.serve`: the Streamlit command line of ``circle serve``.
"""

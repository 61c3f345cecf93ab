"""Deployment state: accounts, sign-in attempts, build queue, audit log and its head, scenario owners, secrets.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables of the deployment's shared state."""
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("added", sa.String(32), nullable=False),
    )
    op.create_table(
        "signin_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_signin_attempts_key", "signin_attempts", ["key"])
    op.create_index("ix_signin_attempts_at", "signin_attempts", ["at"])
    op.create_table(
        "build_queue",
        sa.Column("ticket", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("seen", sa.Float, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("time", sa.String(32), nullable=False),
        sa.Column("user", sa.String(255), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("line", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_user_action", "audit_log", ["user", "action"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("study", sa.String(255), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("author", sa.String(255), nullable=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("claimed", sa.Float, nullable=False),
        sa.UniqueConstraint("study", "name", name="uq_scenarios_study_name"),
    )
    op.create_table(
        "secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    """Drop them (the state is lost: export the audit log first)."""
    for table in ("secrets", "scenarios", "audit_head", "audit_log", "build_queue", "signin_attempts", "accounts"):
        op.drop_table(table)

"""Residents' reports from the published site: what a resident says the data gets wrong, and what was decided.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the ``resident_reports`` table and the indexes its rate limits and triage list read."""
    op.create_table(
        "resident_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(120), nullable=False),
        sa.Column("block_id", sa.String(120), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("contact", sa.String(100), nullable=True),
        sa.Column("address_digest", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=True),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("scenario", sa.String(80), nullable=True),
    )
    op.create_index("ix_resident_reports_address_created", "resident_reports", ["address_digest", "created_at"])
    op.create_index("ix_resident_reports_created", "resident_reports", ["created_at"])
    op.create_index("ix_resident_reports_site_status", "resident_reports", ["site", "status"])


def downgrade() -> None:
    """Drop the table (the residents' reports are lost)."""
    op.drop_table("resident_reports")

"""search on PostgreSQL: a change version per document type, so that each process can
keep its bitsets and know when they are stale (issue 13)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 14:00:00

Every write to `search_document` (apply, rebuild, clear) sets its type's `version` to
the id of the writing transaction, in that transaction. A search reads it first: a
process whose cached rank order and posting lists were built at another version builds
them again. A transaction id is never reused, so a rolled-back write leaves no version
that a later commit could repeat. On SQLite the table exists, unused.
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_version',
        sa.Column('doc_type', sa.String(length=20), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('doc_type'),
    )


def downgrade():
    op.drop_table('search_version')

"""search on PostgreSQL: the last write's keys beside its version (issue 13)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 21:45:00

A write that moves no document in the rank order also sets `prev_version` (the version it
replaced) and `changed` (the keys it wrote, space separated; NULL past a few). A process
whose bitsets are at `prev_version` patches them for those documents from their stored
`terms` instead of reading its posting lists again. On SQLite the table exists, unused.
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_version') as batch:
        batch.add_column(sa.Column('prev_version', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('changed', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('search_version') as batch:
        batch.drop_column('changed')
        batch.drop_column('prev_version')

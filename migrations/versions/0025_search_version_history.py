"""search on PostgreSQL: the keys of the last writes, not only of the last one (issue 13)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 23:00:00

`search_version.history` replaces `prev_version` and `changed` (0024): every write that
removes and re-sorts no document adds the version it replaced and the keys it wrote, up
to a bound, so a process a few writes behind (not only one, and after new documents too)
patches its bitsets for those documents instead of reading them again. The history starts empty: a
process at an older version reads its posting lists again once. On SQLite the table
exists, unused.
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_version') as batch:
        batch.add_column(sa.Column('history', sa.Text(), nullable=True))
        batch.drop_column('changed')
        batch.drop_column('prev_version')


def downgrade():
    with op.batch_alter_table('search_version') as batch:
        batch.add_column(sa.Column('prev_version', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('changed', sa.Text(), nullable=True))
        batch.drop_column('history')

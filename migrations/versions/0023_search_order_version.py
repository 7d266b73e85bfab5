"""search on PostgreSQL: the version at which a document type's rank order last changed
(issue 13)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 21:30:00

`search_version.order_version` is set, like `version`, to the writing transaction's id,
but only by writes that may change the rank order (a document added, removed or given
another sort; a rebuild, a clear). A process whose rank order was read at that order
version keeps it after other writes and reads only posting lists again: the first search
after a profile edit no longer reads every key of the type. Rows already there get their
`version` (their order was read at it at the latest). On SQLite the table exists, unused.
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_version') as batch:
        batch.add_column(sa.Column('order_version', sa.BigInteger(), nullable=True))
    op.execute('UPDATE search_version SET order_version = version')


def downgrade():
    with op.batch_alter_table('search_version') as batch:
        batch.drop_column('order_version')

"""search on PostgreSQL: drop `search_document.cur_order` and its index, unread since the
bitsets (issue 13)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 17:00:00

`cur_order` (0 when the document holds a current position) ordered the SQL read path's
pages; searches now rank on each process's bitsets, so every write paid for a column and
a btree (`ix_search_document_rank`) that nothing read. Dropping a column is a catalogue
change (no rewrite). The downgrade adds it back and fills it from `terms` (a current
position is the key `f|status:current`), then builds the index again. On SQLite the
table exists, unused: the same change through a batch (copy) operation.
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_document') as batch:
        batch.drop_index('ix_search_document_rank')
        batch.drop_column('cur_order')


def downgrade():
    with op.batch_alter_table('search_document') as batch:
        batch.add_column(
            sa.Column('cur_order', sa.SmallInteger(), server_default='1', nullable=False)
        )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "UPDATE search_document SET cur_order = 0 "
            "WHERE terms @> ARRAY['f|status:current']::text[]"
        )
    with op.batch_alter_table('search_document') as batch:
        batch.create_index('ix_search_document_rank', ['cur_order', 'sort', 'key'], unique=False)

"""search on PostgreSQL: the narrow columns stay in the row (storage PLAIN), only `terms`
goes out of line (issue 13)

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-03 19:30:00

With `toast_tuple_target = 128`, PostgreSQL moved not only `terms` out of line but also
every text column over 24 bytes (`fv`, `rl*`, sometimes `sort` and `digest`), so the
grouped facet pass read about ten TOAST buffers per matching row (1.1 s for 72,000 rows
instead of 0.12 s). The upgrade marks them PLAIN and rewrites the stored values in place
(no reindex needed; `flask search reindex` afterwards also compacts the table).
"""
from alembic import op


revision = '0019'
down_revision = '0016'
branch_labels = None
depends_on = None

_NARROW = ('sort', 'fv', 'rl2', 'rl4', 'rl6', 'rl9', 'rl12', 'digest')


def _storage(kind):
    columns = ', '.join(f'ALTER COLUMN {c} SET STORAGE {kind}' for c in _NARROW)
    op.execute(f'ALTER TABLE search_document {columns}')


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    _storage('PLAIN')
    # A new value (not the stored pointer) is written inline under the new storage.
    values = ', '.join(f"{c} = {c} || ''" for c in _NARROW)
    op.execute(f'UPDATE search_document SET {values}')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    _storage('EXTENDED')

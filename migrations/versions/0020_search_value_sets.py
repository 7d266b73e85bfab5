"""search on PostgreSQL: the facet values and region codes of a document become integer
ids of value sets kept once in `search_set` (issue 13)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 23:00:00

The grouped facet pass hashed two text columns of every matching row (80,000 rows for a
broad word); it now groups two integers and reads the values of the few thousand groups
afterwards. A `pad` column makes every row long enough for PostgreSQL to toast it, so
that `terms` leaves every heap row (before, a row whose `terms` was under the 2 kB
threshold kept it inline): the heap of 100,000 documents shrinks from 7,854 to about
2,300 pages. The facet set also holds the
document's `active` flag, so that the broad filters (`active`, `status`, a province or a
city) are tested on the row's integers instead of being intersected in the GIN index.

The upgrade converts a filled table in place: the sets are collected from the stored
text (the `active` flag from `terms`), then one `ALTER TABLE` rewrites the table with the
ids (a fresh heap: no dead rows, no reindex needed). The downgrade writes the text back.
On SQLite the table exists, unused: its columns are replaced.
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

_SORT = sa.Text().with_variant(sa.Text(collation='C'), 'postgresql')
_LEVELS = (2, 4, 6, 9, 12)
# Every row longer than PostgreSQL's toasting threshold (2,032 bytes), so that `terms`
# goes out of line even when it is short (directory/search/models.py, `pad`).
_PAD = ' ' * 2040

# The facet set as pg_backend._row writes it: the facet values and the `active` filter
# values, `field:value`, space-separated, in byte order.
_FV = """CREATE FUNCTION pg_temp.search_fv(fv text, terms text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_to_string(ARRAY(
        SELECT e FROM unnest(string_to_array(fv, ' ')
            || ARRAY(SELECT substr(t, 3) FROM unnest(terms) t WHERE t LIKE 'f|active:%')) e
        ORDER BY e COLLATE "C"), ' ')
$$"""
_ID = """CREATE FUNCTION pg_temp.search_set_id(k integer, v text) RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT id FROM search_set WHERE kind = k AND value = v $$"""
_VALUE = """CREATE FUNCTION pg_temp.search_set_value(i integer) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT value FROM search_set WHERE id = i $$"""


def _create_set_table():
    op.create_table('search_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.SmallInteger(), nullable=False),
    sa.Column('value', _SORT, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_set')),
    sa.UniqueConstraint('kind', 'value', name=op.f('uq_search_set_kind'))
    )


def upgrade():
    _create_set_table()
    if op.get_bind().dialect.name != 'postgresql':
        with op.batch_alter_table('search_document') as batch:
            for column in ('fv', *(f'rl{level}' for level in _LEVELS)):
                batch.drop_column(column)
            batch.add_column(sa.Column('fv_id', sa.Integer(), server_default='0', nullable=False))
            for level in _LEVELS:
                batch.add_column(sa.Column(f'rl{level}_id', sa.Integer(), nullable=True))
            batch.add_column(sa.Column('pad', sa.Text(), server_default=_PAD, nullable=False))
        return
    op.execute(_FV)
    op.execute(_ID)
    op.execute(
        "INSERT INTO search_set (kind, value) "
        "SELECT DISTINCT 0, pg_temp.search_fv(fv, terms) FROM search_document"
    )
    for level in _LEVELS:
        op.execute(
            f"INSERT INTO search_set (kind, value) SELECT DISTINCT {level}, rl{level} "
            f"FROM search_document WHERE rl{level} IS NOT NULL"
        )
    op.execute(f"ALTER TABLE search_document ADD COLUMN pad text NOT NULL DEFAULT '{_PAD}'")
    op.execute('ALTER TABLE search_document ALTER COLUMN pad SET STORAGE MAIN')
    # One statement: one rewrite of the table and its indexes (every row now longer than
    # the toasting threshold: `terms` goes out of line).
    changes = [
        'ALTER COLUMN fv DROP DEFAULT',
        'ALTER COLUMN fv TYPE integer USING pg_temp.search_set_id(0, pg_temp.search_fv(fv, terms))',
        *(
            f'ALTER COLUMN rl{level} TYPE integer USING pg_temp.search_set_id({level}, rl{level})'
            for level in _LEVELS
        ),
    ]
    op.execute('ALTER TABLE search_document ' + ', '.join(changes))
    for column in ('fv', *(f'rl{level}' for level in _LEVELS)):
        op.execute(f'ALTER TABLE search_document RENAME COLUMN {column} TO {column}_id')
    op.execute('ALTER TABLE search_document ALTER COLUMN fv_id SET DEFAULT 0')
    # The new columns' statistics (the rewrite dropped the old ones).
    op.execute('ANALYZE search_document, search_set')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        with op.batch_alter_table('search_document') as batch:
            for column in ('fv_id', *(f'rl{level}_id' for level in _LEVELS), 'pad'):
                batch.drop_column(column)
            batch.add_column(sa.Column('fv', sa.Text(), server_default='', nullable=False))
            for level in _LEVELS:
                batch.add_column(sa.Column(f'rl{level}', sa.Text(), nullable=True))
        op.drop_table('search_set')
        return
    op.execute(_VALUE)
    op.execute('ALTER TABLE search_document DROP COLUMN pad')
    columns = ('fv', *(f'rl{level}' for level in _LEVELS))
    # PLAIN in the same statement, so that the rewrite keeps the text in the row (0019).
    changes = ['ALTER COLUMN fv_id DROP DEFAULT'] + [
        f'ALTER COLUMN {c}_id TYPE text USING pg_temp.search_set_value({c}_id), '
        f'ALTER COLUMN {c}_id SET STORAGE PLAIN'
        for c in columns
    ]
    op.execute('ALTER TABLE search_document ' + ', '.join(changes))
    for column in columns:
        op.execute(f'ALTER TABLE search_document RENAME COLUMN {column}_id TO {column}')
    op.execute("ALTER TABLE search_document ALTER COLUMN fv SET DEFAULT ''")
    op.drop_table('search_set')

"""search on PostgreSQL: one GIN-indexed array of exact keys, narrow columns read row by row,
and a btree table of pinyin forms (issue 13)

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03 12:40:00

The documents are rebuilt by `flask search reindex` (the old columns cannot be converted):
the upgrade empties the table. On SQLite the table exists, unused, as before.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None

_TEXTS = postgresql.ARRAY(sa.Text()).with_variant(sa.Text(), 'sqlite')
_SORT = sa.Text().with_variant(sa.Text(collation='C'), 'postgresql')


def upgrade():
    op.drop_table('search_document')
    op.create_table('search_document',
    sa.Column('doc_type', sa.String(length=20), nullable=False),
    sa.Column('key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('terms', _TEXTS, server_default='{}', nullable=False),
    sa.Column('sort', _SORT, server_default='', nullable=False),
    sa.Column('cur_order', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('fv', sa.Text(), server_default='', nullable=False),
    sa.Column('rl2', sa.Text(), nullable=True),
    sa.Column('rl4', sa.Text(), nullable=True),
    sa.Column('rl6', sa.Text(), nullable=True),
    sa.Column('rl9', sa.Text(), nullable=True),
    sa.Column('rl12', sa.Text(), nullable=True),
    sa.Column('digest', sa.String(length=32), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('doc_type', 'key', name=op.f('pk_search_document')),
    postgresql_with={'toast_tuple_target': 128},
    )
    op.create_index('ix_search_document_terms', 'search_document', ['terms'], unique=False, postgresql_using='gin')
    op.create_index('ix_search_document_sort', 'search_document', ['sort', 'key'], unique=False)
    op.create_index('ix_search_document_rank', 'search_document', ['cur_order', 'sort', 'key'], unique=False)
    op.create_table('search_form',
    sa.Column('doc_type', sa.String(length=20), nullable=False),
    sa.Column('form', _SORT, nullable=False),
    sa.PrimaryKeyConstraint('doc_type', 'form', name=op.f('pk_search_form'))
    )


def downgrade():
    op.drop_table('search_form')
    op.drop_table('search_document')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('search_document',
    sa.Column('doc_type', sa.String(length=20), nullable=False),
    sa.Column('key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('tsv', postgresql.TSVECTOR().with_variant(sa.Text(), 'sqlite'), nullable=False),
    sa.Column('pinyin', sa.Text(), server_default='', nullable=False),
    sa.Column('filters', postgresql.ARRAY(sa.Text()).with_variant(sa.Text(), 'sqlite'), server_default='{}', nullable=False),
    sa.Column('sort', sa.Text(), server_default='', nullable=False),
    sa.Column('digest', sa.String(length=32), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('doc_type', 'key', name=op.f('pk_search_document'))
    )
    op.create_index('ix_search_document_tsv', 'search_document', ['tsv'], unique=False, postgresql_using='gin')
    op.create_index('ix_search_document_pinyin', 'search_document', ['pinyin'], unique=False, postgresql_using='gin', postgresql_ops={'pinyin': 'gin_trgm_ops'})
    op.create_index('ix_search_document_filters', 'search_document', ['filters'], unique=False, postgresql_using='gin')
    op.create_index('ix_search_document_sort', 'search_document', ['doc_type', 'sort'], unique=False)

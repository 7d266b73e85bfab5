"""search: the outbox, and on PostgreSQL the search_document table of its backend

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

def upgrade():
    op.create_table('search_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('key', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
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


def downgrade():
    op.drop_index('ix_search_document_sort', table_name='search_document')
    op.drop_index('ix_search_document_filters', table_name='search_document', postgresql_using='gin')
    op.drop_index('ix_search_document_pinyin', table_name='search_document', postgresql_using='gin', postgresql_ops={'pinyin': 'gin_trgm_ops'})
    op.drop_index('ix_search_document_tsv', table_name='search_document', postgresql_using='gin')
    op.drop_table('search_document')
    op.drop_table('search_outbox')

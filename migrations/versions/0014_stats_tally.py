"""statistics tally per organisation (subtree counts by profile bucket, own members) kept
current by stats/tally.py; indexes for the data-quality figures

Revision ID: 0014
Revises: 0015
Create Date: 2026-12-03 16:10:00

The upgrade fills the tally from the people already stored (`tally.rebuild`).
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cadre_tally',
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('birth_year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('cadre_kind', sa.String(length=9), nullable=False),
        sa.Column('establishment', sa.String(length=3), nullable=False),
        sa.Column('political_status', sa.String(length=6), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_cadre_tally_org_id_organisation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('org_id', 'birth_year', 'cadre_kind', 'establishment', 'political_status', name=op.f('pk_cadre_tally')),
    )
    op.create_table(
        'org_tally',
        sa.Column('org_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('own', sa.Integer(), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('filled', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_org_tally_org_id_organisation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('org_id', name=op.f('pk_org_tally')),
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_org_updated', ['membership_org_id', 'updated_at'], unique=False)
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.create_index('ix_position_org_current', ['organisation_id', 'status', 'end_date', 'start_date', 'title'], unique=False)

    from directory.stats import tally

    tally.rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.drop_index('ix_position_org_current')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_org_updated')
    op.drop_table('org_tally')
    op.drop_table('cadre_tally')

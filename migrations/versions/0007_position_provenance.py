"""position provenance (confirmed, pending, rejected; who and when); vetted group members

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:55:00

Every position that exists before this revision was entered by an admin or imported,
so it is marked confirmed, reviewed now, with a note saying so (no reviewer to name).
Group members are vetted when their group lets nobody in unasked (automatic, by request,
by invitation) or when they own or moderate it; members of open groups are not.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_STATUS = sa.Enum('confirmed', 'pending', 'rejected', name='positionstatus', native_enum=False)


def upgrade():
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', _STATUS, nullable=True))
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_position_recorded_by_id_person'), 'person', ['recorded_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_position_reviewed_by_id_person'), 'person', ['reviewed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_position_org_status', ['organisation_id', 'status'], unique=False)

    position = sa.table(
        'position',
        sa.column('status', sa.String),
        sa.column('reviewed_at', sa.DateTime),
        sa.column('review_note', sa.String),
    )
    op.execute(
        position.update().values(
            status='confirmed',
            reviewed_at=sa.func.current_timestamp(),
            review_note='migration 0007: recorded before claims were reviewed',
        )
    )
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_STATUS, nullable=False)
        batch_op.alter_column('review_note', existing_type=sa.String(length=200), nullable=False)


    with op.batch_alter_table('group_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vetted', sa.Boolean(), server_default=sa.false(), nullable=False))
    group = sa.table(
        'group',
        sa.column('id', sa.Integer),
        sa.column('join_policy', sa.String),
        sa.column('auto_org_id', sa.Integer),
    )
    member = sa.table(
        'group_member',
        sa.column('group_id', sa.Integer),
        sa.column('role', sa.String),
        sa.column('vetted', sa.Boolean),
    )
    vetted_groups = sa.select(group.c.id).where(
        sa.or_(group.c.join_policy != 'open', group.c.auto_org_id.is_not(None))
    )
    op.execute(
        member.update()
        .where(sa.or_(member.c.group_id.in_(vetted_groups), member.c.role != 'member'))
        .values(vetted=True)
    )
    with op.batch_alter_table('group_member', schema=None) as batch_op:
        batch_op.alter_column('vetted', existing_type=sa.Boolean(), server_default=None)


def downgrade():
    with op.batch_alter_table('group_member', schema=None) as batch_op:
        batch_op.drop_column('vetted')
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.drop_index('ix_position_org_status')
        batch_op.drop_constraint(batch_op.f('fk_position_reviewed_by_id_person'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_position_recorded_by_id_person'), type_='foreignkey')
        batch_op.drop_column('review_note')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('recorded_by_id')
        batch_op.drop_column('recorded_at')
        batch_op.drop_column('status')

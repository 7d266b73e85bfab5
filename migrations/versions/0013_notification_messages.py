"""notifications rendered in the reader's language: the message id and its values

Revision ID: 0013
Revises: 0014
Create Date: 2026-12-03 16:10:00

Rows written before keep their text (`message`) and are shown as stored.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification') as batch_op:
        batch_op.add_column(sa.Column('message_key', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('message_values', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notification') as batch_op:
        batch_op.drop_column('message_values')
        batch_op.drop_column('message_key')

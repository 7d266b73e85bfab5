"""audit log: one append-only table, no foreign keys, pruning only past the retention floor

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:20:00

The triggers refuse every UPDATE, and every DELETE of a row younger than
RETENTION_FLOOR_DAYS (3 years): `flask audit prune` deletes only older rows.
"""
from alembic import op
import sqlalchemy as sa

# Frozen copies of directory/audit/models.py's triggers (as of this revision).
FLOOR_DAYS = 1095
APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    f"WHEN OLD.at > datetime('now', '-{FLOOR_DAYS} days') "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'DELETE' AND OLD.at < (now() AT TIME ZONE 'UTC') - "
    f"interval '{FLOOR_DAYS} days' THEN RETURN OLD; END IF; "
    "RAISE EXCEPTION 'audit_event is append-only'; END $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]
DROP_APPEND_ONLY_POSTGRESQL = ["DROP FUNCTION IF EXISTS audit_event_append_only()"]


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=40), nullable=False),
    sa.Column('subject_person_id', sa.Integer(), nullable=True),
    sa.Column('subject_name', sa.String(length=40), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('org_name', sa.String(length=100), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('once_key', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('once_key', name=op.f('uq_audit_event_once_key'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_action_at', ['action', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_event_org_path_at', ['org_path', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_subject_person_id'), ['subject_person_id'], unique=False)

    statements = APPEND_ONLY_POSTGRESQL if op.get_bind().dialect.name == "postgresql" else APPEND_ONLY_SQLITE
    for sql in statements:
        op.execute(sql)


def downgrade():
    # Not batch mode: a table rebuild would copy (and then delete) rows the triggers protect.
    op.drop_table('audit_event')
    if op.get_bind().dialect.name == "postgresql":
        for sql in DROP_APPEND_ONLY_POSTGRESQL:
            op.execute(sql)

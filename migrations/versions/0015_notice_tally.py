"""notices: coverage counters per (notice, organisation) kept by triggers; lists' indexes

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-03 16:00:00

`notice_tally` holds, for each notice, the recipients / read / replied counts of every
organisation's subtree between the notice's organisation and the recipients' ones; the
upgrade counts the notices already delivered. Triggers on `notice_recipient` keep the counts
current, so marking read stays one UPDATE for the application. The wide coverage index is
replaced by a partial index of the unread and an index of the replies.

Careful: on SQLite a batch-mode (copy and move) change of `notice_recipient` drops its
triggers; a later migration doing one must create them again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0012'
branch_labels = None
depends_on = None

# Frozen copies of directory/notices/models.py's triggers (as of this revision).
_CHANGED = (
    "(OLD.read_at IS NULL) <> (NEW.read_at IS NULL) "
    "OR (OLD.replied_at IS NULL) <> (NEW.replied_at IS NULL)"
)
_SQLITE_ANCESTORS = (
    "org_id IN (SELECT value FROM json_each((SELECT '[' || "
    "replace(trim(path, '/'), '/', ',') || ']' FROM organisation WHERE id = {row}.org_id)))"
)
TALLY_SQLITE = [
    "CREATE TRIGGER notice_recipient_tally_update AFTER UPDATE OF read_at, replied_at "
    f"ON notice_recipient FOR EACH ROW WHEN {_CHANGED} BEGIN "
    "UPDATE notice_tally SET "
    "read_count = read_count + (NEW.read_at IS NOT NULL) - (OLD.read_at IS NOT NULL), "
    "replied_count = replied_count + (NEW.replied_at IS NOT NULL) - (OLD.replied_at IS NOT NULL) "
    f"WHERE notice_id = NEW.notice_id AND {_SQLITE_ANCESTORS.format(row='NEW')}; END",
    "CREATE TRIGGER notice_recipient_tally_delete AFTER DELETE ON notice_recipient "
    "FOR EACH ROW BEGIN "
    "UPDATE notice_tally SET recipients = recipients - 1, "
    "read_count = read_count - (OLD.read_at IS NOT NULL), "
    "replied_count = replied_count - (OLD.replied_at IS NOT NULL) "
    f"WHERE notice_id = OLD.notice_id AND {_SQLITE_ANCESTORS.format(row='OLD')}; END",
]
TALLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION notice_recipient_tally() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ DECLARE ids integer[]; BEGIN "
    "IF TG_OP = 'DELETE' THEN "
    "SELECT string_to_array(trim(both '/' from path), '/')::integer[] INTO ids "
    "FROM organisation WHERE id = OLD.org_id; "
    "UPDATE notice_tally SET recipients = recipients - 1, "
    "read_count = read_count - (OLD.read_at IS NOT NULL)::integer, "
    "replied_count = replied_count - (OLD.replied_at IS NOT NULL)::integer "
    "WHERE notice_id = OLD.notice_id AND org_id = ANY (ids); "
    "ELSE "
    "SELECT string_to_array(trim(both '/' from path), '/')::integer[] INTO ids "
    "FROM organisation WHERE id = NEW.org_id; "
    "UPDATE notice_tally SET read_count = read_count "
    "+ (NEW.read_at IS NOT NULL)::integer - (OLD.read_at IS NOT NULL)::integer, "
    "replied_count = replied_count "
    "+ (NEW.replied_at IS NOT NULL)::integer - (OLD.replied_at IS NOT NULL)::integer "
    "WHERE notice_id = NEW.notice_id AND org_id = ANY (ids); "
    "END IF; RETURN NULL; END $$",
    "CREATE TRIGGER notice_recipient_tally_update AFTER UPDATE OF read_at, replied_at "
    f"ON notice_recipient FOR EACH ROW WHEN ({_CHANGED}) "
    "EXECUTE FUNCTION notice_recipient_tally()",
    "CREATE TRIGGER notice_recipient_tally_delete AFTER DELETE ON notice_recipient "
    "FOR EACH ROW EXECUTE FUNCTION notice_recipient_tally()",
]

# Every delivered notice counted at once: each (notice, organisation) group of recipients
# added to the organisations of its path from the notice's organisation down (the number
# of organisations above that one is its path's slashes less two).
_GROUPS = (
    "SELECT notice_id, org_id, count(*) AS n, count(read_at) AS r, count(replied_at) AS p "
    "FROM notice_recipient GROUP BY notice_id, org_id"
)
BACKFILL = {
    "sqlite": (
        "INSERT INTO notice_tally (notice_id, org_id, recipients, read_count, replied_count) "
        "SELECT g.notice_id, a.value, sum(g.n), sum(g.r), sum(g.p) "
        f"FROM ({_GROUPS}) AS g JOIN notice AS nt ON nt.id = g.notice_id "
        "JOIN organisation AS top ON top.id = nt.org_id "
        "JOIN organisation AS o ON o.id = g.org_id, "
        "json_each('[' || replace(trim(o.path, '/'), '/', ',') || ']') AS a "
        "WHERE a.key >= length(top.path) - length(replace(top.path, '/', '')) - 2 "
        "GROUP BY g.notice_id, a.value"
    ),
    "postgresql": (
        "INSERT INTO notice_tally (notice_id, org_id, recipients, read_count, replied_count) "
        "SELECT g.notice_id, a.id, sum(g.n), sum(g.r), sum(g.p) "
        f"FROM ({_GROUPS}) AS g JOIN notice AS nt ON nt.id = g.notice_id "
        "JOIN organisation AS top ON top.id = nt.org_id "
        "JOIN organisation AS o ON o.id = g.org_id "
        "CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from o.path), '/')::integer[]) "
        "WITH ORDINALITY AS a(id, pos) "
        "WHERE a.pos > length(top.path) - length(replace(top.path, '/', '')) - 2 "
        "GROUP BY g.notice_id, a.id"
    ),
}


def upgrade():
    op.create_table('notice_tally',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('read_count', sa.Integer(), nullable=False),
    sa.Column('replied_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_tally_notice_id_notice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'org_id', name=op.f('pk_notice_tally'))
    )
    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL[dialect])
    for sql in TALLY_POSTGRESQL if dialect == "postgresql" else TALLY_SQLITE:
        op.execute(sql)
    # Not batch mode: a copy of the table would lose the triggers just created.
    op.drop_index('ix_notice_recipient_coverage', table_name='notice_recipient')
    op.create_index(
        'ix_notice_recipient_unread', 'notice_recipient', ['notice_id', 'org_id', 'person_id'],
        unique=False, sqlite_where=sa.text('read_at IS NULL'),
        postgresql_where=sa.text('read_at IS NULL'),
    )
    op.create_index(
        'ix_notice_recipient_replied', 'notice_recipient', ['notice_id', 'replied_at', 'org_id'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_notice_recipient_replied', table_name='notice_recipient')
    op.drop_index('ix_notice_recipient_unread', table_name='notice_recipient')
    op.create_index(
        'ix_notice_recipient_coverage', 'notice_recipient',
        ['notice_id', 'org_id', 'person_id', 'read_at', 'replied_at'], unique=False,
    )
    op.execute("DROP TRIGGER IF EXISTS notice_recipient_tally_update" + (
        " ON notice_recipient" if op.get_bind().dialect.name == "postgresql" else ""))
    op.execute("DROP TRIGGER IF EXISTS notice_recipient_tally_delete" + (
        " ON notice_recipient" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS notice_recipient_tally()")
    op.drop_table('notice_tally')

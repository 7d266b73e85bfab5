"""notices: coverage counters per (notice, organisation) kept by triggers; lists' indexes

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-03 16:00:00

`notice_tally` holds, for each notice, the recipients / read / replied counts of every
organisation's subtree between the notice's organisation and the recipients' ones; the
upgrade counts the notices already delivered. Triggers on `notice_recipient` keep the counts
current, so marking read stays one UPDATE for the application. The wide coverage index is
replaced by partial indexes of the unread and of the replies.

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
_PG_ANCESTORS = (
    "CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from g.path), '/')::integer[]) "
    "AS a(id)"
)
TALLY_POSTGRESQL = [
    # Statement-level, with transition tables: one UPDATE of a counter row per statement
    # whatever the number of recipient rows it changed (a row trigger would update the
    # sender's row once per recipient, each time a new version of it within the
    # transaction: quadratic for a bulk update). Rows are updated in key order, so two
    # concurrent reads of one notice lock their common counters in the same order.
    "CREATE OR REPLACE FUNCTION notice_recipient_tally() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ DECLARE d record; BEGIN "
    "IF TG_OP = 'DELETE' THEN "
    "FOR d IN SELECT o.notice_id, a.id AS org_id, count(*) AS dn, "
    "count(o.read_at) AS dr, count(o.replied_at) AS dp "
    f"FROM old_rows AS o JOIN organisation AS g ON g.id = o.org_id {_PG_ANCESTORS} "
    "GROUP BY o.notice_id, a.id ORDER BY o.notice_id, a.id LOOP "
    "UPDATE notice_tally SET recipients = recipients - d.dn, "
    "read_count = read_count - d.dr, replied_count = replied_count - d.dp "
    "WHERE notice_id = d.notice_id AND org_id = d.org_id; "
    "END LOOP; "
    "ELSE "
    "FOR d IN SELECT n.notice_id, a.id AS org_id, "
    "sum((n.read_at IS NOT NULL)::integer - (o.read_at IS NOT NULL)::integer) AS dr, "
    "sum((n.replied_at IS NOT NULL)::integer - (o.replied_at IS NOT NULL)::integer) AS dp "
    "FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id "
    f"JOIN organisation AS g ON g.id = n.org_id {_PG_ANCESTORS} "
    "WHERE (n.read_at IS NULL) <> (o.read_at IS NULL) "
    "OR (n.replied_at IS NULL) <> (o.replied_at IS NULL) "
    "GROUP BY n.notice_id, a.id ORDER BY n.notice_id, a.id LOOP "
    "UPDATE notice_tally SET read_count = read_count + d.dr, "
    "replied_count = replied_count + d.dp "
    "WHERE notice_id = d.notice_id AND org_id = d.org_id; "
    "END LOOP; "
    "END IF; RETURN NULL; END $$",
    "CREATE TRIGGER notice_recipient_tally_update AFTER UPDATE ON notice_recipient "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION notice_recipient_tally()",
    "CREATE TRIGGER notice_recipient_tally_delete AFTER DELETE ON notice_recipient "
    "REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION notice_recipient_tally()",
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
        'ix_notice_recipient_replied', 'notice_recipient', ['notice_id', 'replied_at'],
        unique=False, sqlite_where=sa.text('replied_at IS NOT NULL'),
        postgresql_where=sa.text('replied_at IS NOT NULL'),
    )
    op.create_index(
        'ix_notice_recipient_replied_org', 'notice_recipient', ['notice_id', 'org_id', 'replied_at'],
        unique=False, sqlite_where=sa.text('replied_at IS NOT NULL'),
        postgresql_where=sa.text('replied_at IS NOT NULL'),
    )


def downgrade():
    op.drop_index('ix_notice_recipient_replied_org', table_name='notice_recipient')
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

"""saved lists of people (名单) to narrow notices; on PostgreSQL a pattern-ops index for subtree LIKE and a cheaper tally trigger

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-03 19:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0013'
branch_labels = None
depends_on = None

# Frozen copies of the PostgreSQL tally function (directory/notices/models.py): the changed
# rows summed per organisation first, then spread over the ancestors (0016), and as 0015
# left it (for the downgrade).
TALLY_FUNCTION_0016 = (
    'CREATE OR REPLACE FUNCTION notice_recipient_tally() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE d record; '
    "BEGIN IF TG_OP = 'DELETE' THEN FOR d IN WITH gone AS MATERIALIZED (SELECT o.notice_id, o.org_id, count(*) AS dn, count(o.read_at) AS dr, count(o.replied_at) AS dp FROM old_rows AS o GROUP BY o.notice_id, o.org_id) SELECT c.notice_id, a.id AS org_id, sum(c.dn) AS dn, sum(c.dr) AS dr, sum(c.dp) AS dp FROM gone AS c JOIN organisation AS g ON g.id = c.org_id CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from g.path), '/')::integer[]) AS a(id) GROUP BY c.notice_id, a.id ORDER BY c.notice_id, a.id LOOP UPDATE notice_tally SET recipients = recipients - d.dn, read_count = read_count - d.dr, replied_count = replied_count - d.dp WHERE notice_id = d.notice_id AND org_id = d.org_id; "
    'END LOOP; '
    "ELSE FOR d IN WITH changed AS MATERIALIZED (SELECT n.notice_id, n.org_id, sum((n.read_at IS NOT NULL)::integer - (o.read_at IS NOT NULL)::integer) AS dr, sum((n.replied_at IS NOT NULL)::integer - (o.replied_at IS NOT NULL)::integer) AS dp FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id WHERE (n.read_at IS NULL) <> (o.read_at IS NULL) OR (n.replied_at IS NULL) <> (o.replied_at IS NULL) GROUP BY n.notice_id, n.org_id) SELECT c.notice_id, a.id AS org_id, sum(c.dr) AS dr, sum(c.dp) AS dp FROM changed AS c JOIN organisation AS g ON g.id = c.org_id CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from g.path), '/')::integer[]) AS a(id) GROUP BY c.notice_id, a.id ORDER BY c.notice_id, a.id LOOP UPDATE notice_tally SET read_count = read_count + d.dr, replied_count = replied_count + d.dp WHERE notice_id = d.notice_id AND org_id = d.org_id; "
    'END LOOP; '
    'END IF; '
    'RETURN NULL; '
    'END $$'
)
TALLY_FUNCTION_0015 = (
    'CREATE OR REPLACE FUNCTION notice_recipient_tally() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE d record; '
    "BEGIN IF TG_OP = 'DELETE' THEN FOR d IN SELECT o.notice_id, a.id AS org_id, count(*) AS dn, count(o.read_at) AS dr, count(o.replied_at) AS dp FROM old_rows AS o JOIN organisation AS g ON g.id = o.org_id CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from g.path), '/')::integer[]) AS a(id) GROUP BY o.notice_id, a.id ORDER BY o.notice_id, a.id LOOP UPDATE notice_tally SET recipients = recipients - d.dn, read_count = read_count - d.dr, replied_count = replied_count - d.dp WHERE notice_id = d.notice_id AND org_id = d.org_id; "
    'END LOOP; '
    "ELSE FOR d IN SELECT n.notice_id, a.id AS org_id, sum((n.read_at IS NOT NULL)::integer - (o.read_at IS NOT NULL)::integer) AS dr, sum((n.replied_at IS NOT NULL)::integer - (o.replied_at IS NOT NULL)::integer) AS dp FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id JOIN organisation AS g ON g.id = n.org_id CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from g.path), '/')::integer[]) AS a(id) WHERE (n.read_at IS NULL) <> (o.read_at IS NULL) OR (n.replied_at IS NULL) <> (o.replied_at IS NULL) GROUP BY n.notice_id, a.id ORDER BY n.notice_id, a.id LOOP UPDATE notice_tally SET read_count = read_count + d.dr, replied_count = replied_count + d.dp WHERE notice_id = d.notice_id AND org_id = d.org_id; "
    'END LOOP; '
    'END IF; '
    'RETURN NULL; '
    'END $$'
)


def upgrade():
    op.create_table('person_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_person_list_owner_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_list')),
    sa.UniqueConstraint('owner_id', 'name', name='owner_name')
    )
    with op.batch_alter_table('person_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_list_owner_id'), ['owner_id'], unique=False)

    op.create_table('person_list_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['person_list.id'], name=op.f('fk_person_list_member_list_id_person_list'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_list_member_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_list_member')),
    sa.UniqueConstraint('list_id', 'person_id', name='list_person')
    )
    with op.batch_alter_table('person_list_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_list_member_person_id'), ['person_id'], unique=False)

    # `notice` has no triggers (the tally's are on notice_recipient): a batch copy is safe.
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_list_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('list_name', sa.String(length=100), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notice_person_list_id_person_list'), 'person_list', ['person_list_id'], ['id'], ondelete='SET NULL')

    if op.get_bind().dialect.name == 'postgresql':
        # Subtree queries are `path LIKE '/1/7/%'`: under a non-C collation only an index
        # with the pattern operators serves them.
        op.create_index('ix_organisation_path_pattern', 'organisation', ['path'], unique=False,
                        postgresql_ops={'path': 'varchar_pattern_ops'})
        # Reminders (thousands of rows, no count changed) no longer pay the ancestors' join.
        op.execute(TALLY_FUNCTION_0016)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(TALLY_FUNCTION_0015)
        op.drop_index('ix_organisation_path_pattern', table_name='organisation')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notice_person_list_id_person_list'), type_='foreignkey')
        batch_op.drop_column('list_name')
        batch_op.drop_column('person_list_id')

    with op.batch_alter_table('person_list_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_list_member_person_id'))
    op.drop_table('person_list_member')
    with op.batch_alter_table('person_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_list_owner_id'))
    op.drop_table('person_list')

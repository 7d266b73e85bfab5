"""A PostgreSQL rebuild's table: the new `search_document` loaded beside the live one and
swapped into its place when the rebuild's transaction commits (docs/SEARCH.md, issue 13).

`pg_backend.PostgresBackend.rebuild` makes a `StagedTable`, copies the new rows into it
and calls `finish`; the swap runs from the session's `before_commit`.
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from sqlalchemy import event
from sqlalchemy import text as sql
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

DOC = "search_document"
# How long one request for the live table's lock may hold new readers up (`swap`).
LOCK_ATTEMPT = 0.1
log = logging.getLogger(__name__)

# The live table's indexes: name, definition, and for a primary key or unique
# constraint its name and definition (the constraint builds the index).
_INDEXES = sql(
    "SELECT c.relname, pg_get_indexdef(i.indexrelid), k.conname, pg_get_constraintdef(k.oid) "
    "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid "
    "WHERE i.indrelid = CAST(:t AS regclass) ORDER BY c.relname"
)
_TABLE = sql(
    "SELECT c.reloptions, obj_description(c.oid, 'pg_class'), pg_get_userbyid(c.relowner), "
    "current_user, (SELECT array_agg(quote_ident(a.attname) ORDER BY a.attnum) "
    "FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) "
    "FROM pg_class c WHERE c.oid = CAST(:t AS regclass)"
)
_GRANTS = sql(
    "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) "
    "END, a.privilege_type, a.is_grantable "
    "FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = CAST(:t AS regclass)"
)
_SET_MEMORY = sql(
    "SELECT set_config('gin_pending_list_limit', :m, true), set_config('work_mem', :m, true)"
)
# lz4 (when the server has it) compresses the copied `terms` arrays several times faster
# than pglz, and the GIN merges and rechecks read them back faster; the values are the
# same (the column keeps the server's default for other writes).
_SET_LZ4 = sql(
    "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings "
    "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)
_RESET_MEMORY = sql(
    "SELECT set_config(name, reset_val, true) FROM pg_settings "
    "WHERE name IN ('gin_pending_list_limit', 'work_mem', 'default_toast_compression')"
)
_SWAPS = "search_pending_swaps"  # Session.info: the staged tables to swap in at commit


class StagedTable:
    """A rebuild's new `search_document`, loaded beside the live one (issue 13).

    Created in the rebuild's transaction like the live table (columns, defaults,
    storage, check constraints, table options, comment) with its indexes under
    temporary names, so the load never touches the live table and its index: no dead
    rows, no deletes to vacuum, and no concurrent reader. That lets the transaction
    raise `gin_pending_list_limit` (and `work_mem`, which merging the pending list
    uses) for the new table's GIN index: the copied rows' keys are appended to the
    pending list and merged into the index a few thousand documents at a time, while
    the next batches are built (a larger list would leave more to merge at the end;
    `finish` merges the rest, so that readers never scan a pending list).

    At the commit of the rebuild's session (`before_commit`) `swap` locks the live table,
    copies the other document types' rows across (a write committed before the swap is
    carried; a later one waits for the lock, then goes to the new table by its name),
    drops it and gives the new table, its indexes and constraints the live names; the
    owner and the privileges granted on the live table go to the new one. Readers keep
    reading the live table until the swap, and wait for the commit (moments) from then
    on. A rebuild that fails or rolls back leaves nothing behind: the table belongs to
    its transaction.
    """

    def __init__(self, session: Session, doc_type: str, memory: str | None) -> None:
        if not doc_type.isidentifier() or not doc_type.isascii() or len(doc_type) > 20:
            raise ValueError(f"document type {doc_type!r} cannot name a table")
        self.doc_type = doc_type
        self.table = f"{DOC}_new_{doc_type.lower()}"
        self.ready = False
        options, comment, owner, user, columns = session.execute(_TABLE, {"t": DOC}).one()
        self.owner = owner if owner != user else None
        self.columns = ", ".join(columns)
        like = " ".join(
            f"INCLUDING {part}"
            for part in ("DEFAULTS", "STORAGE", "COMPRESSION", "COMMENTS", "CONSTRAINTS")
        )
        with_options = f" WITH ({', '.join(options)})" if options else ""
        session.execute(sql(f"CREATE TABLE {self.table} (LIKE {DOC} {like}){with_options}"))
        if comment is not None:
            session.execute(sql(f"COMMENT ON TABLE {self.table} IS {_literal(session, comment)}"))
        self.renames = self._create_indexes(session)
        self.gin = [t for t, _n, _c, method in self.renames if method == "gin"]
        if memory:
            session.execute(_SET_MEMORY, {"m": memory})
        session.execute(_SET_LZ4)
        self.swap_at_commit(session)

    def _create_indexes(self, session: Session) -> list[tuple[str, str, bool, str]]:
        """The live table's indexes on the new one, under temporary names: (temporary
        name, live name, whether a constraint's, access method)."""
        suffix = self.table[len(DOC) :]
        renames = []
        for name, definition, constraint, constraint_def in session.execute(
            _INDEXES, {"t": DOC}
        ).all():
            temporary = f"{name[: 63 - len(suffix)]}{suffix}"
            head, _, tail = definition.partition(" ON ")
            if not head.endswith(f" {name}") or " USING " not in tail:
                raise RuntimeError(f"unexpected index definition: {definition}")
            _table, _, using = tail.partition(" USING ")
            if constraint is not None:  # a primary key or unique constraint: its index
                session.execute(
                    sql(f"ALTER TABLE {self.table} ADD CONSTRAINT {temporary} {constraint_def}")
                )
            else:
                kind = head[: -len(name)]
                session.execute(sql(f"{kind}{temporary} ON {self.table} USING {using}"))
            method = using.split(" ", 1)[0]
            renames.append((temporary, constraint or name, constraint is not None, method))
        return renames

    def finish(self, session: Session) -> None:
        """After the load: merge what is left in the GIN pending lists; ready to swap."""
        for index in self.gin:
            session.execute(
                sql("SELECT gin_clean_pending_list(CAST(:i AS regclass))"), {"i": index}
            )
        session.execute(_RESET_MEMORY)
        self.ready = True

    def swap_at_commit(self, session: Session) -> None:
        """Swap the new table in when `session` commits (after `rebuild` has returned:
        the caller's transaction may still read the old set); forgotten at rollback."""
        pending: dict[str, StagedTable] | None = session.info.get(_SWAPS)
        if pending is None:
            pending = session.info[_SWAPS] = {}
            event.listen(session, "before_commit", _swap_pending)
            event.listen(session, "after_rollback", _forget_pending)
        pending[self.table] = self

    def swap(self, session: Session, wait: float) -> None:
        """Put the new table in the live one's place (in the committing transaction).

        Dropping the live table waits for every transaction that has read it to end, and
        a lock request that waits queues new readers behind it: so the lock is asked for
        in short attempts (`LOCK_ATTEMPT`) with pauses between them in which queued readers
        go on. If no attempt succeeds within `wait` seconds (a long report, a backup, an
        idle transaction), the rows are copied into the live table instead (the slow
        path, as if there were no staged table)."""
        if session.scalar(sql("SELECT to_regclass(:t)"), {"t": self.table}) is None:
            return  # this session's transaction that created it has ended
        if not self.ready:
            raise RuntimeError(f"search rebuild of {self.doc_type}: committed unfinished")
        connection = session.connection()
        deadline = time.monotonic() + wait
        attempt = f"{int(LOCK_ATTEMPT * 1000)}ms"
        while True:
            savepoint = connection.begin_nested()
            try:
                session.execute(sql("SELECT set_config('lock_timeout', :w, true)"), {"w": attempt})
                session.execute(sql(f"LOCK TABLE {DOC} IN ACCESS EXCLUSIVE MODE"))
                break
            except OperationalError as err:
                if getattr(err.orig, "sqlstate", None) != "55P03":  # not lock_timeout
                    raise
                savepoint.rollback()
            if time.monotonic() >= deadline:
                log.warning("search rebuild: %s busy, copying the new rows in place", DOC)
                self._copy_in_place(session)
                return
            time.sleep(LOCK_ATTEMPT / 2)
        session.execute(
            sql(
                "SELECT set_config('lock_timeout', reset_val, true) "
                "FROM pg_settings WHERE name = 'lock_timeout'"
            )
        )
        session.execute(
            sql(
                f"INSERT INTO {self.table} ({self.columns}) SELECT {self.columns} FROM {DOC} "
                "WHERE doc_type <> :t"
            ),
            {"t": self.doc_type},
        )
        grants = session.execute(_GRANTS, {"t": DOC}).all()
        for grantee, privilege, grantable in grants:
            option = " WITH GRANT OPTION" if grantable else ""
            session.execute(sql(f"GRANT {privilege} ON {self.table} TO {grantee}{option}"))
        if self.owner is not None:
            session.execute(sql(f"ALTER TABLE {self.table} OWNER TO {_ident(self.owner)}"))
        session.execute(sql(f"DROP TABLE {DOC}"))
        session.execute(sql(f"ALTER TABLE {self.table} RENAME TO {DOC}"))
        for temporary, name, is_constraint, _method in self.renames:
            # Renaming a constraint renames its index too.
            if is_constraint:
                session.execute(sql(f"ALTER TABLE {DOC} RENAME CONSTRAINT {temporary} TO {name}"))
            else:
                session.execute(sql(f"ALTER INDEX {temporary} RENAME TO {name}"))
        savepoint.commit()

    def _copy_in_place(self, session: Session) -> None:
        session.execute(sql(f"DELETE FROM {DOC} WHERE doc_type = :t"), {"t": self.doc_type})
        session.execute(
            sql(f"INSERT INTO {DOC} ({self.columns}) SELECT {self.columns} FROM {self.table}")
        )
        session.execute(sql(f"DROP TABLE {self.table}"))


def _swap_pending(session: Session) -> None:
    pending = session.info.pop(_SWAPS, {})
    session.info[_SWAPS] = {}
    wait = float(current_app.config.get("SEARCH_SWAP_WAIT", 2.0))
    for staged in pending.values():
        staged.swap(session, wait)


def _forget_pending(session: Session) -> None:
    session.info[_SWAPS] = {}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(session: Session, value: str) -> str:
    return str(session.scalar(sql("SELECT quote_literal(:v)"), {"v": value}))

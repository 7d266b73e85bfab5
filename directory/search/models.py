"""The search tables: the outbox of pending re-indexing and the PostgreSQL backend's documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import Model

_TEXTS = ARRAY(Text).with_variant(Text(), "sqlite")
# Byte order: the same order on every machine and a btree that serves LIKE 'prefix%'.
_SORT = Text().with_variant(Text(collation="C"), "postgresql")


class SearchOutbox(Model):
    """One pending change: `source` row `key` changed; `doc_type` documents depend on it."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    key: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SearchDocument(Model):
    """The PostgreSQL backend's documents (the table exists, unused, on SQLite too).

    `terms`: every exact key of the document in one array with a GIN index (field-marked:
    `n|` names, `o|` current organisations, `p|` former ones, `b|` bio, `x|` pinyin
    prefixes up to 8 letters, `y|` whole pinyin forms, `f|` filter values); it is stored
    out of line (TOAST), so the heap row stays narrow. A search reads the keys holding a
    `terms` key through the GIN index (a posting list), and each process reads the keys
    in `sort` (name) order once per version of the table (`SearchVersion`). `fv_id` (the
    set of the type's facet values and its `active` flag) and `rl2_id`..`rl12_id` (the
    sets of region codes of each division level), ids of `search_set`, give the posting
    lists of the facet values, provinces and cities in one pass grouped by set id.
    """

    __tablename__ = "search_document"
    __table_args__ = (
        Index("ix_search_document_terms", "terms", postgresql_using="gin"),
        # Without doc_type: posting lists test the type per row (see pg_bits._postings).
        Index("ix_search_document_sort", "sort", "key"),
        {"postgresql_with": {"toast_tuple_target": 128}},
    )

    doc_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    terms: Mapped[list[str]] = mapped_column(_TEXTS, server_default="{}")
    sort: Mapped[str] = mapped_column(_SORT, server_default="")
    fv_id: Mapped[int] = mapped_column(server_default="0")
    rl2_id: Mapped[int | None]
    rl4_id: Mapped[int | None]
    rl6_id: Mapped[int | None]
    rl9_id: Mapped[int | None]
    rl12_id: Mapped[int | None]
    digest: Mapped[str] = mapped_column(String(32), server_default="")
    # Makes every new row longer than PostgreSQL's fixed toasting threshold (2,032 bytes),
    # so that `terms` goes out of line even when it is shorter (see PAD_BYTES).
    pad: Mapped[str] = mapped_column(Text, server_default=" " * 2040)


# The narrow text columns stay in the row (migration 0019): with `toast_tuple_target =
# 128` PostgreSQL would move every text value over 24 bytes out of line, not only `terms`,
# and a search would read TOAST pages for each matching row's `sort`.
NARROW_COLUMNS = ("sort", "digest")
# PostgreSQL toasts a row only when it is longer than 2,032 bytes (a constant; the
# table's `toast_tuple_target` is how far it then goes): a document whose `terms` was
# shorter stayed whole in the heap row, 18 % of the rows at 100,000 people, 1,800 bytes
# each, 72 % of the heap's pages, read by every pass over many rows. `pad` (2,040
# spaces, storage MAIN: compressed in the row to a few dozen bytes once `terms` has
# gone out of line) makes every row long enough to be toasted (migration 0020).
event.listen(
    SearchDocument.__table__,
    "after_create",
    DDL(
        "ALTER TABLE search_document "
        + ", ".join(f"ALTER COLUMN {c} SET STORAGE PLAIN" for c in NARROW_COLUMNS)
        + ", ALTER COLUMN pad SET STORAGE MAIN"
    ).execute_if(dialect="postgresql"),
)


class SearchSet(Model):
    """The distinct value sets of the PostgreSQL backend's narrow columns (migration 0020).

    `kind` 0: a document's facet values and `active` flag (`fv_id`), space-separated
    `field:value` in byte order; 2, 4, 6, 9, 12: its region codes of that division level
    (`rl<kind>_id`), `field:code`. Each process reads the distinct `field:value` entries
    once per version of the table: the values a facet or the region facet counts. Sets
    are only added, never renumbered (a value nobody holds any more counts 0: left out).
    """

    __tablename__ = "search_set"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[str] = mapped_column(_SORT)


class SearchForm(Model):
    """Every pinyin form of the PostgreSQL backend's documents (btree, "C" order).

    A typed prefix longer than the `x|` prefixes in `terms` (8 letters) is expanded here
    into the whole forms that start with it (a range scan), then matched as `y|` terms.
    Forms are only added (a form nobody holds any more matches nothing); a rebuild
    starts the list afresh.
    """

    __tablename__ = "search_form"

    doc_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    form: Mapped[str] = mapped_column(_SORT, primary_key=True)


class SearchVersion(Model):
    """The PostgreSQL backend's change version of each document type (migration 0021).

    Every write to `search_document` sets `version` to its transaction's id, in that
    transaction; a search compares it with the version its process's bitsets were built
    at (`pg_bits.refresh`). Transaction ids are never reused, so a
    rolled-back write cannot leave a version a later commit repeats.
    """

    __tablename__ = "search_version"

    doc_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    # The version of the last write that may have changed the rank order (migration 0023):
    # a process whose rank order was read at it keeps the order after other writes.
    order_version: Mapped[int | None] = mapped_column(BigInteger)
    # The writes since the last that removed or re-sorted a document: the versions they
    # replaced and the keys they wrote (`pg_bits.parse_history`; migration 0025), for
    # processes a few writes behind.
    history: Mapped[str | None] = mapped_column(Text)

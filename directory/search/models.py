"""The search tables: the outbox of pending re-indexing and the PostgreSQL backend's documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Index, String, Text, event, func
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import Model


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

    `tsv`: weighted segmented tokens (A names, B organisations, C bio); `pinyin`:
    " form form " for trigram prefix matching; `filters`: "field:value" entries.
    """

    __tablename__ = "search_document"
    __table_args__ = (
        Index("ix_search_document_tsv", "tsv", postgresql_using="gin"),
        Index(
            "ix_search_document_pinyin",
            "pinyin",
            postgresql_using="gin",
            postgresql_ops={"pinyin": "gin_trgm_ops"},
        ),
        Index("ix_search_document_filters", "filters", postgresql_using="gin"),
        Index("ix_search_document_sort", "doc_type", "sort"),
    )

    doc_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tsv: Mapped[str] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))
    pinyin: Mapped[str] = mapped_column(Text, server_default="")
    filters: Mapped[list[str]] = mapped_column(
        ARRAY(Text).with_variant(Text(), "sqlite"), server_default="{}"
    )
    sort: Mapped[str] = mapped_column(Text, server_default="")
    digest: Mapped[str] = mapped_column(String(32), server_default="")


event.listen(
    SearchDocument.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)

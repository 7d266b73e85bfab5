"""Reference searches for bench/search.py: naive SQL LIKE, and tantivy on the same documents."""

from __future__ import annotations

from typing import Any

import tantivy
from sqlalchemy import text as sql

from directory.core.text import segment
from directory.extensions import db
from directory.search.documents import DOC_TYPES
from directory.search.query import And, Node, Prefix, Query, Term
from directory.search.results import next_region_length

# Field weights of the tantivy reference (it ranks by score, not by the project's tiers).
BOOST = {"names": 6.0, "org": 2.0, "orgp": 2.0, "body": 1.0}

_LIKE = """
FROM person p
LEFT JOIN position po ON po.person_id = p.id
LEFT JOIN organisation o ON o.id = po.organisation_id
LEFT JOIN region r ON r.id = o.region_id
WHERE (:q = '' OR p.name LIKE :p OR p.name_pinyin LIKE :p OR o.name LIKE :p
       OR po.title LIKE :p OR p.bio LIKE :p)
  AND (:region = '' OR r.code LIKE :region || '%')
"""


class LikeSearch:
    """What a quick app does: one LIKE '%q%' over joined columns, a count, a page."""

    def search(self, params: Any) -> tuple[int, list[int]]:
        """Total and the page of ids, ordered by pinyin."""
        args = {"q": params.q, "p": f"%{params.q}%", "region": params.region}
        total = db.session.scalar(sql(f"SELECT count(DISTINCT p.id) {_LIKE}"), args)
        ids = db.session.scalars(
            sql(
                f"SELECT p.id {_LIKE} GROUP BY p.id ORDER BY p.name_pinyin "
                f"LIMIT 20 OFFSET {(params.page - 1) * 20}"
            ),
            args,
        ).all()
        return total or 0, list(ids)


class TantivySearch:
    """The same documents, tokens and query tree in tantivy (in memory)."""

    FIELDS = ("names", "pfx", "org", "orgp", "body", "f")

    def __init__(self, index: Any, schema: Any, vocab: set[str]) -> None:
        self.index, self.schema = index, schema
        self.by_field: dict[str, list[str]] = {}
        for term in sorted(vocab):
            self.by_field.setdefault(term.split(":", 1)[0], []).append(term)
        self.searcher = index.searcher()

    @classmethod
    def build(cls) -> TantivySearch:
        """Index every person document."""
        b = tantivy.SchemaBuilder()
        for name in cls.FIELDS:
            b.add_text_field(name, tokenizer_name="raw", index_option="freq")
        b.add_integer_field("key", stored=True, fast=True)
        b.add_integer_field("rank", fast=True)
        schema = b.build()
        index = tantivy.Index(schema)
        writer = index.writer(heap_size=200_000_000, num_threads=1)
        dt = DOC_TYPES["person"]
        docs = []
        for keys in dt.all_keys(db.session, 2000):
            docs.extend(dt.load(db.session, set(keys)).values())
        ranks = {d.key: i for i, d in enumerate(sorted(docs, key=lambda d: d.sort))}
        vocab: set[str] = set()
        for d in docs:
            doc = tantivy.Document()
            for token in d.names:
                doc.add_text("names", token)
            for form in d.pinyin:  # every prefix (no cap): one term per prefix query
                for n in range(1, len(form) + 1):
                    doc.add_text("pfx", form[:n])
            for token in set(segment(d.org_text)):
                doc.add_text("org", token)
            for token in set(segment(getattr(d, "org_past", ""))):
                doc.add_text("orgp", token)
            for token in set(segment(d.body)):
                doc.add_text("body", token)
            for k, values in d.filters.items():
                for v in values:
                    doc.add_text("f", f"{k}:{v}")
                    vocab.add(f"{k}:{v}")
            doc.add_integer("key", d.key)
            doc.add_integer("rank", ranks[d.key])
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        return cls(index, schema, vocab)

    def _compile(self, node: Node) -> Any:
        Q, occur = tantivy.Query, tantivy.Occur
        if isinstance(node, Term):
            return Q.boost_query(
                Q.term_query(self.schema, node.field, node.value), BOOST.get(node.field, 1.0)
            )
        if isinstance(node, Prefix):
            return Q.term_query(self.schema, "pfx", node.value)
        how = occur.Must if isinstance(node, And) else occur.Should
        return Q.boolean_query([(how, self._compile(n)) for n in node.items])

    def _filters(self, q: Query, skip: str | None = None) -> list[Any]:
        Q, occur = tantivy.Query, tantivy.Occur
        out = []
        for name, values in q.filters.items():
            if name == skip:
                continue
            terms = [(occur.Should, Q.term_query(self.schema, "f", f"{name}:{v}")) for v in values]
            out.append(Q.boolean_query(terms))
        return out

    def _query(self, q: Query, skip: str | None = None) -> Any:
        Q, occur = tantivy.Query, tantivy.Occur
        match = Q.all_query() if q.tree is None else self._compile(q.tree)
        parts = [(occur.Must, match)] + [(occur.Must, f) for f in self._filters(q, skip)]
        return Q.boolean_query(parts)

    def search(self, q: Query) -> tuple[int, list[int], dict[str, dict[str, int]]]:
        """Total, page of keys and the same disjunctive facet counts as the backends."""
        Q, occur = tantivy.Query, tantivy.Occur
        start = (q.page - 1) * q.per_page
        query = self._query(q)
        if q.sort == "name" or q.tree is None:
            res = self.searcher.search(
                query, q.per_page, offset=start, order_by_field="rank", order=tantivy.Order.Asc
            )
        else:
            res = self.searcher.search(query, q.per_page, offset=start)
        keys = [self.searcher.doc(addr)["key"][0] for _s, addr in res.hits]
        facets: dict[str, dict[str, int]] = {}
        wanted = [(f, f, f"{f}:") for f in q.facets]
        if q.region_facet is not None:
            name, parent = q.region_facet
            wanted.append(("region", name, f"{name}:{parent}"))
        for label, name, prefix in wanted:
            base = self._query(q, skip=None if label == "region" else name)
            length = next_region_length(prefix.split(":", 1)[1]) if label == "region" else None
            counts = {}
            for term in self.by_field.get(name, []):
                if not term.startswith(prefix):
                    continue
                value = term.split(":", 1)[1]
                if length is not None and len(value) != length:
                    continue
                both = Q.boolean_query(
                    [(occur.Must, base), (occur.Must, Q.term_query(self.schema, "f", term))]
                )
                n = self.searcher.search(both, 1, count=True).count
                if n:
                    counts[value] = n
            facets[label] = counts
        return res.count or 0, keys, facets

"""One page of a list: the only pagination type services return and templates read.

`ListPage.fetch` runs a SELECT for one page. With `count=True` it also counts the
whole list (numbered pagers: "page 3 of 12"); with `count=False` it reads one row
more than a page instead, which is all a "next page" / "load more" link needs, and
`total` is None.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from directory.extensions import db

T = TypeVar("T")


@dataclass
class ListPage(Generic[T]):
    """One page of items; `total` is the size of the whole list when it was counted."""

    items: list[T]
    total: int | None
    page: int
    per_page: int
    next_exists: bool | None = None  # set when the list was not counted

    @property
    def pages(self) -> int:
        """The number of pages (when not counted: as far as is known, this one or the next)."""
        if self.total is None:
            return self.page + 1 if self.has_next else self.page
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        if self.total is None:
            return bool(self.next_exists)
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def iter_pages(
        self, left_edge: int = 2, left_current: int = 2, right_current: int = 4, right_edge: int = 2
    ) -> Iterator[int | None]:
        """Page numbers for a pager, None for a gap (as Flask-SQLAlchemy's Pagination)."""
        pages = self.pages
        last = 0
        for n in range(1, pages + 1):
            if (
                n <= left_edge
                or self.page - left_current - 1 < n < self.page + right_current
                or n > pages - right_edge
            ):
                if last + 1 != n:
                    yield None
                yield n
                last = n

    @classmethod
    def fetch(
        cls, query: Select[Any], page: int, per_page: int, *, count: bool = True
    ) -> ListPage[Any]:
        """Page `page` (1-based) of `query`'s scalars, counted or not (see the module doc)."""
        page = max(1, page)
        offset = (page - 1) * per_page
        if not count:
            rows = list(db.session.scalars(query.limit(per_page + 1).offset(offset)))
            return cls(rows[:per_page], None, page, per_page, next_exists=len(rows) > per_page)
        total = (
            db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
            or 0
        )
        items = list(db.session.scalars(query.limit(per_page).offset(offset)))
        return cls(items, total, page, per_page)

"""Read side of the organisation pages: a fixed number of queries per page, whatever its size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from directory.core.errors import NotFound
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.regions.models import Region
from directory.regions.services import NEXT_LENGTH, subtree_filter


@dataclass
class TreeNode:
    """An organisation with the number of its children, shown beside it in the tree.

    Its cadres are counted by people (`people.org_pages.cadre_counts`), a page part.
    """

    org: Organisation
    child_count: int


def _child_count():
    child = aliased(Organisation)
    return (
        select(func.count(child.id))
        .where(child.parent_id == Organisation.id)
        .correlate(Organisation)
        .scalar_subquery()
    )


def tree_nodes(parent_id: int | None) -> list[TreeNode]:
    """The children of `parent_id` (top level for None) with their counts: one query."""
    where = (
        Organisation.parent_id.is_(None)
        if parent_id is None
        else Organisation.parent_id == parent_id
    )
    rows = db.session.execute(
        select(Organisation, _child_count())
        .join(Region, Region.id == Organisation.region_id)
        .where(where)
        # Official order: by division code (成都 5101 before 乐山 5111), then name.
        .order_by(
            Organisation.dissolved_at.is_not(None), Region.code, Organisation.name, Organisation.id
        )
    )
    return [TreeNode(org, children or 0) for org, children in rows]


def get_org(org_id: int) -> Organisation:
    """The organisation with its region, or NotFound."""
    org = db.session.scalar(
        select(Organisation)
        .options(joinedload(Organisation.region))
        .where(Organisation.id == org_id)
    )
    if org is None:
        raise NotFound(_("团组织不存在。"))
    return org


def ancestors(org: Organisation) -> list[Organisation]:
    """The organisations above `org`, root first, in one query (their ids are in `path`)."""
    ids = org.ancestor_ids[:-1]
    if not ids:
        return []
    found = {
        o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


def org_counts(region: Region | None) -> dict[str, int]:
    """Live organisations per child subtree, keyed by child code, in one query.

    The region's own code, if present, counts the organisations located in it directly;
    the sum of all values is the count for its whole subtree.
    """
    length = NEXT_LENGTH.get(len(region.code) if region else 0, 12)
    key = func.substr(Region.code, 1, length)
    query = (
        select(key, func.count(Organisation.id))
        .join(Organisation, Organisation.region_id == Region.id)
        .where(Organisation.dissolved_at.is_(None))
        .group_by(key)
    )
    if region is not None:
        query = query.where(subtree_filter(Region.code, region.code))
    return {k: n for k, n in db.session.execute(query)}


def orgs_select(region: Region) -> Any:
    """A SELECT of the live organisations located directly in a region, by name."""
    return (
        select(Organisation)
        .where(Organisation.region_id == region.id, Organisation.dissolved_at.is_(None))
        .order_by(Organisation.name, Organisation.id)
    )

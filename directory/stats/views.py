"""Statistics and data-quality pages; every chart has its table and a CSV beside it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as BaseResponse

from directory.core.cells import neutralise
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.people.permissions import is_any_org_admin
from directory.regions.models import Region
from directory.stats import figures, quality
from directory.stats.permissions import can_view_stats
from directory.stats.tiles import TileMap, tile_map
from directory.web.rendering import render

bp = Blueprint("stats", __name__, url_prefix="/stats")
CHECKS = ("stale", "no_secretary", "committees", "claims")
MAP_NAME = re.compile(r"china|[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}", re.ASCII)


def _org(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id, options=[joinedload(Organisation.region)])
    if org is None:
        abort(404)
    if not can_view_stats(current_user, org):
        abort(403)
    return org


@bp.route("/")
@login_required
def index() -> BaseResponse:
    """The statistics of the first organisation the admin manages (the root for system admins)."""
    if not is_any_org_admin(current_user):
        abort(403)
    if current_user.is_admin:
        org = db.session.scalar(
            select(Organisation).where(Organisation.parent_id.is_(None)).order_by(Organisation.id)
        )
    else:
        org = min((a.organisation for a in current_user.admin_of), key=lambda o: o.path)
    if org is None:
        abort(404)
    return redirect(url_for("stats.show", org_id=org.id))


def _drill_links(org: Organisation, codes: Iterable[str]) -> dict[str, str]:
    """Tile code -> the statistics of the organisation directly below that sits there."""
    children = db.session.scalars(
        select(Organisation)
        .options(joinedload(Organisation.region))
        .where(Organisation.parent_id == org.id, Organisation.dissolved_at.is_(None))
    )
    links: dict[str, str] = {}
    for child in children:
        code = child.region.code if child.region else ""
        for tile_code in codes:
            if code.startswith(tile_code) and tile_code not in links:
                links[tile_code] = url_for("stats.show", org_id=child.id)
    return links


def _tile_map(org: Organisation, region: figures.Table) -> tuple[TileMap, dict[str, str]]:
    """Every area below the organisation's region (counted or not) as tiles, and the drill
    links (area code -> URL) that the tiles, the table and a registered map share."""
    areas: dict[str, str] = {
        code: name
        for code, name in db.session.execute(
            select(Region.code, Region.name).where(Region.parent_id == org.region_id)
        )
    }
    for label, code in region.links.items():  # members of an organisation above the areas
        areas.setdefault(code, label)
    counts = {region.links[label]: n for label, n in region.rows}
    links = _drill_links(org, areas)
    return tile_map(sorted(areas.items()), counts, links), links


def geojson_dir() -> Path | None:
    """The deployment's folder of reviewed GeoJSON maps (STATS_GEOJSON_DIR), if any."""
    folder = current_app.config.get("STATS_GEOJSON_DIR") or ""
    return Path(folder) if folder else None


def _map_file(code: str) -> Path | None:
    folder = geojson_dir()
    if folder is None or not MAP_NAME.fullmatch(code):
        return None
    path = folder / f"{code}.geojson"
    return path if path.is_file() else None


@bp.route("/orgs/<id:org_id>")
@login_required
def show(org_id: int) -> str:
    org = _org(org_id)
    tables = figures.all_tables(org)
    region = tables[0]
    quality_counts = quality.counts(org)
    tilemap, links = _tile_map(org, region)
    code = org.region.code if org.region else "china"
    return render(
        "stats/show.html",
        None,
        org=org,
        tables=tables,
        tilemap=tilemap,
        region_links={label: links.get(code) for label, code in region.links.items()},
        region_codes=region.links,
        map_url=url_for("stats.geojson", code=code) if _map_file(code) else None,
        completeness=quality.completeness(org),
        quality_counts=quality_counts,
    )


@bp.route("/maps/<code>.geojson")
@login_required
def geojson(code: str) -> BaseResponse:
    """A reviewed GeoJSON map registered by the deployment (the areas below region `code`)."""
    if not is_any_org_admin(current_user):
        abort(403)
    path = _map_file(code)
    if path is None:
        abort(404)
    response = Response(path.read_bytes(), mimetype="application/geo+json")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/orgs/<id:org_id>/<key>.csv")
@login_required
def table_csv(org_id: int, key: str) -> Response:
    org = _org(org_id)
    table = next((t for t in figures.all_tables(org) if t.key == key), None)
    if table is None:
        abort(404)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([neutralise(table.title), _("人数")])
    for label, n in table.rows:
        writer.writerow([neutralise(label), n])
    return Response(
        "\ufeff" + buf.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="stats-{org.id}-{key}.csv"'},
    )


@bp.route("/orgs/<id:org_id>/quality/<check>")
@login_required
def quality_list(org_id: int, check: str) -> str:
    """The records behind one data-quality figure (at most quality.LIST_LIMIT)."""
    org = _org(org_id)
    if check not in CHECKS:
        abort(404)
    people: list[Person] = []
    orgs: list[Organisation] = []
    committees: list[quality.Committee] = []
    claims: list[Position] = []
    if check == "stale":
        people = list(db.session.scalars(quality.stale_people(org)))
    elif check == "no_secretary":
        orgs = list(
            db.session.scalars(quality.orgs_without_secretary(org).limit(quality.LIST_LIMIT))
        )
    elif check == "committees":
        committees = quality.committees(org, limit=quality.LIST_LIMIT)
    else:
        claims = list(
            db.session.scalars(
                quality.pending_claims(org)
                .options(joinedload(Position.person), joinedload(Position.organisation))
                .limit(quality.LIST_LIMIT)
            )
        )
    return render(
        "stats/quality.html",
        None,
        org=org,
        check=check,
        people=people,
        orgs=orgs,
        committees=committees,
        claims=claims,
        limit=quality.LIST_LIMIT,
    )

"""API: the admin's desk: an organisation's roster (JSON or the page's files), its statistics.

Both go through the pages' own code: `rosters.scopes.org_roster` (which checks
`can_view_roster`), the export's `rows` (contacts through `ContactPolicy`) and its audit
row; `stats.permissions.can_view_stats` and the figures of `stats.figures` / `stats.quality`.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from spectree import Response as SpecResponse
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from directory.api import respond
from directory.api.desk_schemas import RosterExport, RosterFileQuery, RosterQuery, Statistics
from directory.api.problems import Problem
from directory.api.spec import file_response, responses, spec
from directory.api.views import bp
from directory.core import time as clock
from directory.core.errors import NotFound, PermissionDenied
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.rosters import export, scopes
from directory.rosters import services as rosters
from directory.stats import figures, quality
from directory.stats.permissions import can_view_stats

ROSTER_FILE_PATH = "/api/v1/organisations/{org_id}/roster/file"


def _org(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id, options=[joinedload(Organisation.region)])
    if org is None:
        raise NotFound(_("团组织不存在。"))
    return org


def _roster_person(person: Person, contacts: dict[str, str]) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "gender": respond.enum_value(person.gender),
        "birth_year": person.birth_year,
        "political_status": respond.enum_value(person.political_status),
        "cadre_kind": respond.enum_value(person.cadre_kind),
        "establishment": respond.enum_value(person.establishment),
        "membership_org": respond.org_ref(person.membership_org) if person.membership_org else None,
        "current_positions": [respond.position(x) for x in person.current_positions],
        "contacts": contacts,
    }


@bp.route("/organisations/<id:org_id>/roster")
@spec.validate(query=RosterQuery, resp=responses(RosterExport, 403, 404), tags=["rosters"])
def roster(org_id: int) -> Response:
    """Export the organisation's roster as JSON (its admins and above), audited like the
    page's export: members and holders of a current confirmed post, visible contacts only."""
    subtree: bool = request.context.query.subtree  # type: ignore[attr-defined]  # set by spectree
    org = _org(org_id)
    chosen = scopes.org_roster(current_user, org, subtree)  # 403 unless can_view_roster
    _regions = respond.preload_regions(
        [p.membership_org for p in chosen.people]
        + [pos.organisation for p in chosen.people for pos in p.current_positions]
    )
    people = [
        _roster_person(p, contacts) for p, contacts, _cells in export.rows(current_user, chosen)
    ]
    body = {
        "title": chosen.title,
        "organisation": respond.org_ref(org),
        "subtree": subtree,
        "exported_by": current_user.name,
        "exported_at": respond.iso(clock.now()),
        "total": len(people),
        "truncated": chosen.truncated,
        "people": people,
    }
    # Built before the audit row commits (a commit expires every loaded row).
    rosters.record_export(current_user, chosen, "json")
    return respond.ok(body)


file_response(ROSTER_FILE_PATH, [media for media, _ext in export.FORMATS.values()])


@bp.route("/organisations/<id:org_id>/roster/file")
@spec.validate(
    query=RosterFileQuery,
    resp=SpecResponse("HTTP_200", HTTP_403=Problem, HTTP_404=Problem),
    tags=["rosters"],
)
def roster_file(org_id: int) -> Response:
    """The same roster as the file the roster page offers (XLSX, CSV or vCard), audited."""
    query: RosterFileQuery = request.context.query  # type: ignore[attr-defined]  # set by spectree
    org = _org(org_id)
    chosen = scopes.org_roster(current_user, org, query.subtree)
    data, mimetype, name = rosters.export(current_user, chosen, query.format)
    return current_app.response_class(
        data,
        content_type=mimetype,  # as given: `mimetype=` would add a second charset
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _table(t: figures.Table) -> dict[str, Any]:
    return {
        "key": t.key,
        "title": t.title,
        "chart": t.chart,
        "total": t.total,
        "rows": [{"label": label, "count": n, "region": t.links.get(label)} for label, n in t.rows],
    }


@bp.route("/organisations/<id:org_id>/statistics")
@spec.validate(resp=responses(Statistics, 403, 404), tags=["statistics"])
def statistics(org_id: int) -> Response:
    """The figures of the statistics page over the organisation's subtree (its admins and
    above): cadres by region, sector, kind, establishment, age, political status, tenure,
    transfers in and out by month; profile completeness; the data-quality counts."""
    org = _org(org_id)
    if not can_view_stats(current_user, org):
        raise PermissionDenied(_("只有该组织或上级组织的管理员可以查看统计。"))
    return respond.ok(
        {
            "organisation": respond.org_ref(org),
            "tables": [_table(t) for t in figures.all_tables(org)],
            "completeness": [
                {"organisation": respond.org_ref(c.org), "people": c.people, "filled": c.filled}
                for c in quality.completeness(org)
            ],
            "quality": quality.counts(org),
        }
    )

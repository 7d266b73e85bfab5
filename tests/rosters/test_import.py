"""Import: template, preview (nothing written), all-or-nothing job, idempotent re-import."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from directory.audit.models import AuditEvent
from directory.core.enums import PositionStatus
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from tests.rosters.helpers import csv_bytes, person_row, upload, xlsx


def _people() -> int:
    return db.session.scalar(select(func.count()).select_from(Person)) or 0


def _good_rows(world) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [
        person_row(
            name="吴敏", email="wumin@example.org", phone="13700137000", gender="女",
            birth_year="1998", political_status="共青团员", cadre_kind="兼职",
            establishment="编制外", membership_org="模范街社区团支部", title="组织委员",
            start="2023-09-01",
        ),
        person_row(
            name="郑浩", email="ZhengHao@Example.org", membership_org="中城街道团工委",
            title="委员", position_org="中城街道团工委", start="2022/1/1",
        ),
    ]  # fmt: skip


def test_template_downloads(client, auth, world, org_admin) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    r = client.get("/rosters/import/template.xlsx")
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["花名册", "团组织", "填写说明"]
    head = [c.value for c in book["花名册"][1]]
    assert head[:3] == ["姓名", "电子邮箱", "手机"]
    r = client.get("/rosters/import/template.csv")
    assert r.data.startswith("\ufeff姓名,电子邮箱".encode())
    assert client.get("/rosters/import/template.pdf").status_code == 404


def test_preview_writes_nothing_then_the_job_imports_everything(
    app, client, auth, world, org_admin
) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    before = _people()
    orgs = [["新村团支部", "中城街道团工委", "团支部", "511302001", "农村"]]
    rows = [
        *_good_rows(world),
        person_row(name="冯涛", email="fengtao@example.org", membership_org="新村团支部",
                   title="书记", start="2024-01-01"),
    ]  # fmt: skip
    r = upload(client, xlsx(rows, orgs))
    assert r.status_code == 303
    preview_url = r.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert 'id="count-create">4<' in page and "确认导入" in page
    assert _people() == before  # nothing written by the preview
    r = client.post(preview_url)
    assert r.status_code == 303 and r.headers["Location"].startswith("/jobs/")
    job_page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "导入完成：新建 3 人" in job_page
    wu = db.session.scalar(select(Person).where(Person.email == "wumin@example.org"))
    assert wu is not None and wu.phone == "+8613700137000" and wu.cadre_kind.value == "part_time"
    [post] = wu.positions
    assert post.status == PositionStatus.CONFIRMED
    assert (post.recorded_by_id, post.reviewed_by_id) == (org_admin.id, org_admin.id)
    feng = db.session.scalar(select(Person).where(Person.email == "fengtao@example.org"))
    assert feng.membership_org.name == "新村团支部"
    assert feng.membership_org.parent_id == world.street_org.id
    assert feng.membership_org.path.startswith(world.street_org.path)
    [entry] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.import"))
    assert entry.actor_id == org_admin.id and entry.details["people_created"] == 3
    # The same file again changes nothing.
    r = upload(client, xlsx(rows, orgs))
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="count-unchanged">4<' in page and 'id="count-create">0<' in page
    assert "没有需要导入的变化" in page


def test_problems_are_listed_per_row_and_nothing_is_written(
    client, auth, world, org_admin, cadre
) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    rows = [
        person_row(name="甲", email="jia@example.org", phone="12345", membership_org="模范街社区团支部"),
        person_row(name="乙", email="yi@example.org", membership_org="不存在的团支部"),
        person_row(name="丙", email="bing@example.org", membership_org="模范街社区团支部"),
        person_row(name="丙", email="BING@example.org", membership_org="模范街社区团支部"),
        person_row(name="丁", email="ding@example.org", membership_org="模范街社区团支部",
                   title="委员", start="2024-05-01", end="2023-01-01"),
        person_row(name="戊", email="wu@example.org", membership_org="模范街社区团支部",
                   cadre_kind="专职", birth_year="1980", title="书记", start="2020-01-01"),
        person_row(name="己", email="ji@example.org", membership_org="共青团成都市委"),
        person_row(name="庚", email="geng@example.org", membership_org="模范街社区团支部", gender="未知"),
    ]  # fmt: skip
    before = _people()
    r = upload(client, xlsx(rows))
    preview_url = r.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "手机号码“12345”无效" in page
    assert "团组织“不存在的团支部”不存在" in page
    assert "此人在文件中出现了两次（第 4 行也有 bing@example.org）" in page
    assert "任职结束日期早于开始日期" in page
    assert "提醒：专职团干部一般不超过 35 岁" in page  # a warning, not an error
    assert "团组织“共青团成都市委”不存在，或不在你管理的范围内" in page  # outside the subtree
    assert "性别“未知”无法识别，可填：男、女" in page
    assert 'id="count-error">6<' in page and "确认导入" not in page
    r = client.post(preview_url)
    assert r.status_code == 422
    assert _people() == before


def test_csv_in_utf8_and_gbk(client, auth, world, org_admin) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    rows = [person_row(name="褚红", email="chuhong@example.org", membership_org="模范街社区团支部")]
    for encoding in ("utf-8", "utf-8-sig", "gb18030", "gbk"):
        r = upload(client, csv_bytes(rows, encoding), "名单.csv")
        assert r.status_code == 303, encoding
        page = client.get(r.headers["Location"]).get_data(as_text=True)
        assert "褚红" in page and 'id="count-create">1<' in page, encoding


def test_updates_are_described_and_applied(client, auth, world, org_admin, cadre) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    rows = [person_row(name="张彤", email=cadre.email, phone="13600136000",
                       membership_org="模范街社区团支部", political_status="中共党员")]  # fmt: skip
    r = upload(client, xlsx(rows))
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="count-update">1<' in page and "+8613800138000 → +8613600136000" in page
    client.post(r.headers["Location"])
    db.session.expire_all()
    person = db.session.get(Person, cadre.id)
    assert person.phone == "+8613600136000" and person.political_status.value == "party"
    assert len(person.positions) == 1  # untouched


def test_membership_moves_need_a_transfer(client, auth, world, org_admin, cadre) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    rows = [person_row(name="张彤", email=cadre.email, membership_org="中城街道团工委")]
    page = client.get(upload(client, xlsx(rows)).headers["Location"]).get_data(as_text=True)
    assert "组织关系的变更请通过“组织关系转接”办理" in page


def test_who_may_import(client, auth, world, cadre, org_admin, admin) -> None:  # type: ignore[no-untyped-def]
    rows = [person_row(name="褚红", email="chuhong@example.org", membership_org="模范街社区团支部")]
    auth.login(cadre)
    assert client.get("/rosters/import").status_code == 403
    assert upload(client, xlsx(rows)).status_code == 403
    auth.logout()
    auth.login(org_admin)
    location = upload(client, xlsx(rows)).headers["Location"]
    auth.logout()
    auth.login(admin)  # another person's upload is not found, even for a system admin
    assert client.get(location).status_code == 404
    assert client.get("/rosters/import/not-a-token").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 6
    assert db.session.scalar(select(func.count()).select_from(Position)) == 2  # the personas'

"""Batch transfers: selection and uploads (CSV/XLSX), per-member results, bad files."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import Workbook

from directory.extensions import db
from directory.transfers import batches
from directory.transfers.models import (
    Transfer,
    TransferBatch,
    TransferBatchFailure,
    TransferReason,
    TransferState,
)
from tests.factories import make_person


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _class(world, n=3):
    return [
        make_person(name=f"学生{i}", email=f"s{i}@example.org", membership_org_id=world.branch.id)
        for i in range(n)
    ]


def test_selection_batch(client, auth, org_admin, world, receiving):
    people = _class(world)
    auth.login(org_admin)
    page = client.get(f"/transfers/orgs/{world.county_org.id}/batch")
    assert page.status_code == 200 and "学生1" in page.get_data(as_text=True)
    r = client.post(
        f"/transfers/orgs/{world.county_org.id}/batch",
        data={
            "members": [str(p.id) for p in people],
            "destination": f"x #{receiving.branch.id}",
            "reason": "graduation",
        },
    )
    assert r.status_code == 303
    batch = db.session.scalars(sa.select(TransferBatch)).one()
    items = db.session.scalars(sa.select(Transfer).where(Transfer.batch_id == batch.id)).all()
    assert len(items) == 3
    # The sending side's admin submitted: that is the 转出 approval.
    assert {t.state for t in items} == {TransferState.APPROVED_OUT}
    show = client.get(f"/transfers/batch/{batch.id}")
    assert show.status_code == 200 and "学生2" in show.get_data(as_text=True)
    frag = client.get(f"/transfers/batch/{batch.id}", headers={"HX-Request": "true"})
    assert "<html" not in frag.get_data(as_text=True) and "HX-Request" in frag.headers["Vary"]


def test_selection_needs_members_and_destination(client, auth, org_admin, world):
    auth.login(org_admin)
    url = f"/transfers/orgs/{world.county_org.id}/batch"
    r = client.post(url, data={"destination": "1", "reason": "job"})
    assert r.status_code == 422 and "请至少选择一名成员" in r.get_data(as_text=True)
    r = client.post(url, data={"members": ["1"], "destination": "", "reason": "job"})
    assert r.status_code == 422
    assert _count(TransferBatch) == 0 and _count(Transfer) == 0


def test_batch_pages_are_for_admins_only(
    client, auth, cadre, outsider, org_admin, world, receiving
):
    people = _class(world, 1)
    batch = batches.submit_batch(
        org_admin,
        [batches.BatchLine(1, f"#{people[0].id}", str(receiving.branch.id))],
        TransferReason.JOB,
    )
    for who in (cadre, outsider):
        auth.login(who)
        assert client.get(f"/transfers/orgs/{world.county_org.id}/batch").status_code == 404
        assert client.get(f"/transfers/batch/{batch.id}").status_code == 404
        assert (
            client.post(
                f"/transfers/orgs/{world.county_org.id}/batch",
                data={"members": ["1"], "destination": "1", "reason": "job"},
            ).status_code
            == 404
        )
        auth.logout()


def test_csv_upload_with_failures_per_member(client, auth, org_admin, world, receiving, cadre):
    people = _class(world, 2)
    csv_text = (
        "成员,转入团组织,原因,说明\n"
        f"{people[0].email},成都七中团支部,毕业,\n"
        f"张彤 #{cadre.id},成都七中团支部 #{receiving.branch.id},,\n"
        "nobody@example.org,成都七中团支部,,\n"
        f"{people[1].email},不存在的支部,,\n"
        f"{people[0].email},成都七中团支部,,\n"
        f"#{people[1].id},{receiving.branch.id},飞走,\n"
    )
    auth.login(org_admin)
    r = client.post(
        f"/transfers/orgs/{world.county_org.id}/batch/upload",
        data={"file": (io.BytesIO(csv_text.encode("utf-8-sig")), "list.csv"), "reason": "job"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    batch = db.session.scalars(sa.select(TransferBatch)).one()
    assert batch.source == "csv"
    made = db.session.scalars(
        sa.select(Transfer.person_id).where(Transfer.batch_id == batch.id)
    ).all()
    assert sorted(made) == sorted([people[0].id, cadre.id])
    failures = db.session.scalars(
        sa.select(TransferBatchFailure).order_by(TransferBatchFailure.line)
    ).all()
    assert [f.line for f in failures] == [4, 5, 6, 7]
    assert "找不到成员" in failures[0].message
    assert "团组织不存在" in failures[1].message
    assert "进行中" in failures[2].message or "多次" in failures[2].message
    assert "原因" in failures[3].message
    html = client.get(f"/transfers/batch/{batch.id}").get_data(as_text=True)
    assert "nobody@example.org" in html and 'id="failure-count">4<' in html


def test_gbk_csv_and_bad_encoding(client, auth, org_admin, world, receiving):
    people = _class(world, 1)
    auth.login(org_admin)
    url = f"/transfers/orgs/{world.county_org.id}/batch/upload"
    gbk = f"{people[0].email},成都七中团支部\n".encode("gbk")
    r = client.post(
        url,
        data={"file": (io.BytesIO(gbk), "gbk.csv"), "reason": "job"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303 and _count(Transfer) == 1
    bad = b"a@b.c,\xff\xfe\xfa\n"
    r = client.post(
        url,
        data={"file": (io.BytesIO(b"ok,ok\n" + bad), "bad.csv"), "reason": "job"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "第 2 行" in r.get_data(as_text=True)
    r = client.post(
        url,
        data={"file": (io.BytesIO(b"PK\x03\x04junk"), "x.xlsx"), "reason": "job"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "无法读取" in r.get_data(as_text=True)
    r = client.post(
        url,
        data={"file": (io.BytesIO(b"x"), "x.pdf"), "reason": "job"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "CSV 或 XLSX" in r.get_data(as_text=True)
    r = client.post(url, data={"reason": "job"}, content_type="multipart/form-data")
    assert r.status_code == 422 and "请选择文件" in r.get_data(as_text=True)
    assert _count(TransferBatch) == 1


def test_xlsx_upload(client, auth, org_admin, world, receiving):
    people = _class(world, 2)
    book = Workbook()
    sheet = book.active
    sheet.append(["成员", "转入团组织"])
    for p in people:
        sheet.append([p.email, f"成都七中团支部 #{receiving.branch.id}"])
    buf = io.BytesIO()
    book.save(buf)
    auth.login(org_admin)
    r = client.post(
        f"/transfers/orgs/{world.county_org.id}/batch/upload",
        data={"file": (io.BytesIO(buf.getvalue()), "class.xlsx"), "reason": "graduation"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    rows = db.session.scalars(sa.select(Transfer)).all()
    assert {t.person_id for t in rows} == {p.id for p in people}
    assert {t.reason for t in rows} == {TransferReason.GRADUATION}


def test_batch_by_non_admin_lines_fail_individually(cadre, outsider, receiving, world):
    people = _class(world, 1)
    batch = batches.submit_batch(
        outsider,
        [
            batches.BatchLine(1, f"#{people[0].id}", str(receiving.branch.id)),
            batches.BatchLine(2, f"#{outsider.id}", str(world.city_org.id)),
        ],
        TransferReason.JOB,
    )
    assert [f.line for f in batch.failures] == [1]
    assert "只能为自己" in batch.failures[0].message


def test_whole_branch_by_scope_and_select_all(client, auth, org_admin, world, receiving, cadre):
    from directory.transfers import services as svc

    people = _class(world, 3)
    other_branch = make_org_in(world)
    elsewhere = make_person(name="别处", membership_org_id=other_branch.id)
    svc.submit(cadre, cadre, receiving.branch, TransferReason.JOB)  # already in transfer
    auth.login(org_admin)
    url = f"/transfers/orgs/{world.county_org.id}/batch"
    html = client.get(f"{url}?scope={world.branch.id}").get_data(as_text=True)
    assert "学生0" in html and "别处" not in html
    foreign = client.get(f"{url}?scope={receiving.branch.id}").get_data(as_text=True)
    assert "别处" in foreign  # a scope outside the subtree falls back to the whole subtree
    r = client.post(
        url,
        data={
            "scope": str(world.branch.id),
            "all": "1",
            "destination": str(receiving.branch.id),
            "reason": "other",
        },
    )
    assert r.status_code == 303
    batch = db.session.scalars(sa.select(TransferBatch)).one()
    moved = set(
        db.session.scalars(sa.select(Transfer.person_id).where(Transfer.batch_id == batch.id))
    )
    assert moved == {p.id for p in people}  # not 张彤 (in transfer), not 别处 (other branch)
    assert elsewhere.id not in moved


def make_org_in(world):
    from tests.factories import make_org

    return make_org("另一社区团支部", world.street_region, world.street_org)

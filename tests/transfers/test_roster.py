"""Both organisations' rosters show a member in transfer as 转接中."""

from __future__ import annotations

from directory.transfers import accepting
from directory.transfers import services as svc


def test_sending_and_receiving_rosters_show_marker(
    client, auth, cadre, org_admin, world, receiving, submitted
):
    auth.login(org_admin)
    html = client.get(f"/orgs/{world.branch.id}").get_data(as_text=True)
    assert "张彤" in html and "转接中" in html
    auth.logout()
    auth.login(receiving.admin)
    html = client.get(f"/orgs/{receiving.branch.id}").get_data(as_text=True)
    assert "正在转入" in html and "张彤" in html and "转接中" in html
    svc.approve_out(org_admin, submitted.id, submitted.version)
    accepting.accept_in(receiving.admin, submitted.id, submitted.version)
    html = client.get(f"/orgs/{receiving.branch.id}").get_data(as_text=True)
    assert "张彤" in html and "转接中" not in html and "正在转入" not in html


def test_no_marker_without_transfer(client, auth, cadre, org_admin, world):
    auth.login(org_admin)
    html = client.get(f"/orgs/{world.branch.id}").get_data(as_text=True)
    assert "张彤" in html and "转接中" not in html


def test_profile_page_shows_marker_while_in_transfer(client, auth, cadre, outsider, submitted):
    auth.login(outsider)
    assert "转接中" in client.get(f"/people/{cadre.id}").get_data(as_text=True)
    assert "转接中" not in client.get(f"/people/{outsider.id}").get_data(as_text=True)


def test_profile_links_to_the_open_transfer_instead_of_starting_another(
    client, auth, cadre, org_admin, outsider, submitted
):
    """Who may open the transfer gets 查看转接 to it; nobody is offered 发起转接 while one is
    open (it would be refused); an outsider sees only the marker."""
    for viewer in (cadre, org_admin):
        auth.login(viewer)
        html = client.get(f"/people/{cadre.id}").get_data(as_text=True)
        assert f'href="/transfers/{submitted.id}"' in html and "查看转接" in html
        assert "发起转接" not in html
        auth.logout()
    auth.login(outsider)
    html = client.get(f"/people/{cadre.id}").get_data(as_text=True)
    assert "转接中" in html and "查看转接" not in html and "发起转接" not in html
    auth.logout()
    svc.withdraw(cadre, submitted.id, submitted.version)
    auth.login(cadre)
    html = client.get(f"/people/{cadre.id}").get_data(as_text=True)
    assert "发起转接" in html and "查看转接" not in html

from directory.extensions import db
from directory.notifications.services import notify, unread_count


def test_bell_counts_and_mark_read(client, auth, cadre, outsider):
    notify([cadre.id, cadre.id], "test", "有人回复了你的话题", "/")
    notify([outsider.id], "test", "别人的通知")
    db.session.commit()
    auth.login(cadre)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "有人回复了你的话题" in page
    assert "别人的通知" not in page
    bell = client.get("/notifications/bell", headers={"HX-Request": "true"})
    assert bell.get_data(as_text=True).count('class="badge">1<') == 1
    assert "HX-Request" in bell.headers["Vary"]
    r = client.post("/notifications/read", data={})
    assert r.status_code == 303
    assert unread_count(cadre.id) == 0
    assert unread_count(outsider.id) == 1


def test_mark_read_cannot_touch_other_peoples(client, auth, cadre, outsider):
    notify([outsider.id], "test", "别人的通知")
    db.session.commit()
    auth.login(cadre)
    client.post("/notifications/read", data={"id": "1"})
    assert unread_count(outsider.id) == 1

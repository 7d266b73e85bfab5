"""The option lists and the cascading picker, with and without htmx."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from directory.regions.forms import RegionField
from directory.regions.picker import level_options, picked_code, picker_levels
from tests.factories import make_region

HX = {"HX-Request": "true"}


def option_values(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', html)


def test_options_fragment_lists_children(client, auth, cadre, world):
    auth.login(cadre)
    r = client.get("/regions/51/options", headers=HX)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in body
    assert option_values(body) == ["", "5101", "5113"]
    assert "— 请选择 —" in body and ">南充市</option>" in body
    assert "HX-Request" in r.headers["Vary"]


def test_options_full_page_is_a_working_chooser(client, auth, cadre, world):
    auth.login(cadre)
    r = client.get("/regions/51/options")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" in page
    assert 'action="/regions/go"' in page and 'name="region"' in page
    assert option_values(page) == ["", "5101", "5113"]
    assert '<input type="hidden" name="region" value="51">' in page
    go = client.get("/regions/go?region=51&region=5113")
    assert go.status_code == 302 and go.headers["Location"].endswith("/regions/5113")


def test_options_of_unknown_region_is_404(client, auth, cadre, world):
    auth.login(cadre)
    r = client.get("/regions/77/options", headers=HX)
    assert r.status_code == 404 and "地区代码不存在" in r.get_data(as_text=True)


def test_picked_code_keeps_the_deepest_consistent_chain():
    assert picked_code(["51", "5113", "511302", ""]) == "511302"
    assert picked_code(["511302", "51", "5113"]) == "511302"  # order does not matter
    assert picked_code(["44", "5113", "511302"]) == "44"  # stale lower levels dropped
    assert picked_code(["", "x", None, "5"]) == ""
    assert picked_code(["51", "5113", "511302", "511302001", "511302001001"]) == "511302001001"


def test_picker_levels_follow_the_selection(app, world):
    levels = picker_levels("511302001")
    assert [lvl.level.value for lvl in levels] == ["province", "city", "county", "township"]
    assert [lvl.selected for lvl in levels] == ["51", "5113", "511302", "511302001"]
    assert [r.code for r in levels[1].options] == ["5101", "5113"]
    assert [r.code for r in levels[3].options] == ["511302001"]
    empty = picker_levels("")
    assert [r.code for r in empty[0].options] == ["51"]
    assert [lvl.options for lvl in empty[1:]] == [[], [], []]
    assert picker_levels("5199")[1].selected == ""  # unknown code: nothing selected
    assert len(picker_levels("51", depth=2)) == 2


def test_level_options(app, world):
    options, selected = level_options(["51", "5113"], 1)
    assert [r.code for r in options] == ["5101", "5113"] and selected == "5113"
    assert level_options(["51", "5113"], 2)[0][0].code == "511302"
    assert level_options(["51"], 2) == ([], "")  # the level above is not chosen
    assert level_options(["52"], 1) == ([], "")  # unknown parent
    assert level_options([], 7) == ([], "")


def test_picker_endpoint_for_htmx(client, auth, cadre, world):
    auth.login(cadre)
    # The city level after the province changed: the stale county is ignored.
    r = client.get(
        "/regions/options?field=target&level=1&target=51&target=4401&target=440103", headers=HX
    )
    assert r.status_code == 200 and option_values(r.get_data(as_text=True)) == ["", "5101", "5113"]
    # The county level while the city above is stale: only the empty option.
    r = client.get("/regions/options?field=target&level=2&target=51&target=4401", headers=HX)
    assert option_values(r.get_data(as_text=True)) == [""]
    assert "HX-Request" in r.headers["Vary"]
    full = client.get("/regions/options?field=target&level=1&target=51")
    assert "<html" in full.get_data(as_text=True) and "四川省的下级地区" in full.get_data(
        as_text=True
    )


@pytest.mark.parametrize("query", ["", "field=x", "field=x&level=9", "field=x&level=a"])
def test_picker_endpoint_bad_parameters(client, auth, cadre, world, query):
    auth.login(cadre)
    r = client.get(f"/regions/options?{query}", headers=HX)
    assert r.status_code == 400 and "地区选择器的参数有误" in r.get_data(as_text=True)


def test_index_picker_markup(client, auth, cadre, world):
    auth.login(cadre)
    page = client.get("/regions/").get_data(as_text=True)
    picker = page[page.index('<fieldset class="region-picker') : page.index("</fieldset>")]
    assert picker.count('<select name="region"') == 4
    assert 'hx-get="/regions/options"' in picker
    assert 'hx-trigger="change from:#region-picker-0, change from:#region-picker-1"' in picker
    assert "&#34;level&#34;: 2" in picker or '"level": 2' in picker
    assert 'name="region_picker_refine" value="region"' in picker  # the no-JavaScript button


def test_jump_without_javascript(client, auth, cadre, world):
    auth.login(cadre)
    # "显示下一级": the page comes back with the chosen levels rendered and selected.
    r = client.get("/regions/go?region=51&region=&region_picker_refine=region")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<option value="5113">' in page and 'value="51" selected' in page
    r = client.get("/regions/go?region=51&region=5113&region=511302&region=")
    assert r.status_code == 302 and r.headers["Location"].endswith("/regions/511302")
    empty = client.get("/regions/go?region=&region=")
    assert empty.status_code == 422 and "请选择地区" in empty.get_data(as_text=True)


def test_region_field_reads_the_picker(app, world):
    from directory.web.forms import BaseForm

    class F(BaseForm):
        region = RegionField()

    with app.test_request_context():
        form = F(formdata=MultiDict([("region", "51"), ("region", "5113"), ("region", "")]))
        assert form.region.data == "5113"
        assert F(formdata=None, region="51").region.data == "51"
    make_region("5114", "眉山市", world.sichuan)

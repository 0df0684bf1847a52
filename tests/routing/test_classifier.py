"""Category suggestions (分类建议): the text classifier, its CLI, the API, retraining from cases, the bench.

The fixture is 210 real titles (30 per first-level label, tests/data/classifier_titles.csv). Accuracy on
the whole set is the bench's business (`gridgov bench classify`); here: round trips, determinism, and that
a missing or broken model never stands in the way of a report.
"""

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.cases.suggestions import retrain_categories, training_rows
from gridgov.exchange import orders
from gridgov.people.actors import Actor
from gridgov.routing.classifier import model as text_model
from gridgov.routing.classifier import suggest as suggestions
from gridgov.routing.models import Category
from tests.cases.helpers import GRID, point_in

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "classifier_titles.csv"
DISPATCHER = "dispatcher-410102001"  # 林山寨街道's platform: cases filed in GRID go there


def fixture_rows() -> tuple[list[str], list[str]]:
    with FIXTURE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["title"] for r in rows], [r["label"] for r in rows]


@pytest.fixture(scope="module")
def trained():
    titles, labels = fixture_rows()
    return text_model.train(titles, labels, seed=7)


@pytest.fixture
def model_file(tmp_path, settings):
    """GRIDGOV_CLASSIFIER_MODEL pointed at a fresh path (nothing there yet)."""
    path = tmp_path / "models" / "categories.joblib"
    settings.GRIDGOV_CLASSIFIER_MODEL = str(path)
    suggestions.forget()
    yield path
    suggestions.forget()


def run(*args) -> str:
    out = StringIO()
    call_command("routing", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# ---- the model -----------------------------------------------------------------------------------


@pytest.mark.once
def test_round_trip_learns_the_fixture_and_survives_saving(trained, tmp_path):
    titles, labels = fixture_rows()
    assert sorted(trained.labels) == sorted(set(labels)) and trained.rows == len(titles)
    predictions = trained.predict(titles, ranked=True)
    assert [(p.label, p.confidence) for p in predictions] == [(p.label, p.confidence) for p in trained.predict(titles)]
    right = sum(p.label == y for p, y in zip(predictions, labels, strict=True))
    assert right / len(titles) > 0.9  # what it was trained on, it knows
    assert all(0 < p.confidence <= 1 and abs(sum(c for _, c in p.ranked) - 1) < 1e-6 for p in predictions)
    assert all(p.ranked[0] == (p.label, p.confidence) and p.ranked[0][1] >= p.ranked[1][1] for p in predictions)
    loaded = text_model.load(trained.save(tmp_path / "m.joblib"))
    assert [p.label for p in loaded.predict(titles)] == [p.label for p in predictions]


@pytest.mark.once
def test_the_same_seed_gives_the_same_model(trained):
    titles, labels = fixture_rows()
    again = text_model.train(titles, labels, seed=7)
    probe = ["小区垃圾无人清运", "社保转移怎么办理", "学校乱收费", "公交线路调整"]
    assert (again.probabilities(probe) == trained.probabilities(probe)).all()


@pytest.mark.once
def test_explanations_are_words_of_the_text(trained):
    title = "A市社保局拒绝为下岗职工办理养老保险"
    label = trained.predict([title])[0].label
    words = trained.explain(title, label)
    assert label == "劳动和社会保障"
    assert words and all(w in title and len(w) > 1 for w in words)
    assert trained.explain(title, "no such label") == []


@pytest.mark.once
def test_too_few_labels_is_refused():
    with pytest.raises(text_model.TrainingError, match="two labels"):
        text_model.train(["一", "二", "三", "四"], ["a", "a", "a", "b"])


# ---- the CLI -------------------------------------------------------------------------------------


@pytest.mark.once
def test_cli_train_then_predict(tmp_path):
    model = tmp_path / "m.joblib"
    report = json.loads(
        run("train", "--input", str(FIXTURE), "--text-col", "title", "--label-col", "label", "--model", str(model),
            "--cv", "3", "--json")
    )  # fmt: skip
    assert report["rows"] == 210 and len(report["labels"]) == 7 and model.exists()
    assert report["cv"]["folds"] == 3 and 0 < report["cv"]["macro_f1"] <= 1 and report["seconds"] > 0
    source = tmp_path / "in.csv"
    source.write_text("id,text\n1,小区门口垃圾堆积发臭\n2,孩子入学报名需要什么材料\n", encoding="utf-8-sig")
    output = tmp_path / "out.csv"
    run("predict", "--model", str(model), "--input", str(source), "--text-col", "text", "--output", str(output))
    with output.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == ["1", "2"] and list(rows[0]) == ["id", "text", "predicted", "confidence"]
    assert all(r["predicted"] in report["labels"] and 0 < float(r["confidence"]) <= 1 for r in rows)


@pytest.mark.once
def test_cli_errors_say_what_is_wrong(tmp_path):
    with pytest.raises(CommandError, match="no column 正文"):
        run("train", "--input", str(FIXTURE), "--text-col", "正文", "--label-col", "label", "--model", "x")
    broken = tmp_path / "broken.joblib"
    broken.write_bytes(b"not a model")
    with pytest.raises(CommandError, match="cannot read the model"):
        run("predict", "--model", str(broken), "--input", str(FIXTURE), "--text-col", "title", "--output", "o")


# ---- suggestions on the platform -----------------------------------------------------------------


def leaf_codes(n: int) -> list[Category]:
    return list(Category.objects.filter(is_leaf=True, active=True, tree="hotline").order_by("code")[:n])


def platform_model(path: Path, cats: list[Category]) -> None:
    """A model over real leaf codes: the fixture's seven labels renamed to seven hotline leaves."""
    titles, labels = fixture_rows()
    code = {label: c.code for label, c in zip(sorted(set(labels)), cats, strict=False)}
    text_model.train(titles, [code[y] for y in labels], seed=1).save(path)


def test_suggestions_api(api, demo_city, model_file):
    r = api().get("/routing/suggest", params={"title": "小区垃圾没人清理"})
    assert r.status_code == 200 and r.json() == {"suggestions": []}  # no model yet: nothing, no error
    cats = leaf_codes(7)
    platform_model(model_file, cats)
    r = api().get("/routing/suggest", params={"title": "社保局拒绝办理养老保险", "text": "下岗职工"})
    assert r.status_code == 200, r.content
    got = r.json()["suggestions"]
    assert len(got) == 3 and {s["code"] for s in got} <= {c.code for c in cats}
    assert got[0]["confidence"] >= got[1]["confidence"] >= got[2]["confidence"]
    assert got[0]["name"] == Category.objects.get(code=got[0]["code"]).name and got[0]["words"]
    assert api().get("/routing/suggest", params={"title": " "}).status_code == 400


def test_a_broken_or_missing_model_never_blocks_intake(api, spot, model_file):
    model_file.parent.mkdir(parents=True)
    model_file.write_bytes(b"\x80\x04 not a pickle at all")
    assert suggestions.suggest("路灯不亮") == [] and suggestions.classify("路灯不亮", "") is None
    fields = orders.OrderFields(number="X-1", title="路灯不亮", lon=spot["lon"], lat=spot["lat"], channel="import")
    assert orders.category_for(fields) is None
    received = orders.receive_order(actor=Actor.system("12345"), system="12345", source="pull", fields=fields)
    assert received.created and received.case.category is None  # filed all the same: the platform classifies it
    r = api().post("/cases", {"title": "路灯不亮", "description": "整条街都黑", "lon": spot["lon"], "lat": spot["lat"]})
    assert r.status_code == 201, r.content
    assert api().get("/routing/suggest", params={"title": "路灯不亮"}).json() == {"suggestions": []}
    model_file.unlink()
    assert suggestions.suggest("路灯不亮") == []


def test_retraining_learns_the_dispatchers_correction(account, demo_city, model_file):
    first, second = leaf_codes(2)
    dispatcher = Actor.of(account(DISPATCHER))
    lon, lat = point_in(GRID)

    def case(title: str, reported: Category, registered: Category | None) -> str:
        intake = services.report_case(
            actor=Actor.anonymous(), title=title, lon=lon, lat=lat, category=reported.code, channel="resident"
        )
        number = intake.case.number
        if registered is not None:
            services.register_case(actor=dispatcher, number=number, category=registered.code)
        return number

    for i in range(4):
        case(f"路面坑洼第{i}处", first, first)
        case(f"噪音扰民第{i}次", second, second)
    corrected = case("夜间施工噪音扰民", first, second)  # the resident said one thing, the dispatcher another
    unconfirmed = case("只上报未立案的案件", first, None)
    rows = dict(training_rows())
    assert rows["夜间施工噪音扰民"] == second.code and "只上报未立案的案件" not in rows
    assert Case.objects.get(number=corrected).category == second and Case.objects.filter(number=unconfirmed).exists()

    assert retrain_categories() == {"trained": False, "why": "too few labelled cases", "rows": 9}
    done = retrain_categories(force=True)
    assert done["trained"] is True and done["rows"] == 9 and model_file.exists()
    assert suggestions.classify("夜间噪音扰民", "") == second.code
    assert retrain_categories()["trained"] is False  # nothing new since


def test_the_pages_offer_suggestions(client, account, demo_city):
    """/report/, /m/report/, 来电登记 and the dispatcher's registration carry the box category-suggest.js fills."""
    html = client.get("/report/").content.decode()
    assert 'id="category-suggest"' in html and 'data-url="/api/v1/routing/suggest"' in html
    assert "web/category-suggest.js" in html and "建议分类" in html
    client.force_login(account(DISPATCHER))
    html = client.get("/console/hotline/").content.decode()
    assert 'data-target="h-category"' in html and 'data-title="h-title"' in html
    lon, lat = point_in(GRID)
    number = services.report_case(actor=Actor.anonymous(), title="井盖丢失", description="路口", lon=lon, lat=lat)
    html = client.get(f"/console/cases/{number.case.number}/").content.decode()
    assert 'data-title-text="井盖丢失"' in html and 'data-value="code"' in html
    client.force_login(account(f"worker-{GRID}"))
    assert 'id="category-suggest"' in client.get("/m/report/").content.decode()


def test_retraining_with_one_category_only_says_so(account, demo_city, model_file):
    (only,) = leaf_codes(1)
    lon, lat = point_in(GRID)
    for i in range(3):
        number = services.report_case(actor=Actor.anonymous(), title=f"路灯不亮{i}", lon=lon, lat=lat).case.number
        services.register_case(actor=Actor.of(account(DISPATCHER)), number=number, category=only.code)
    done = retrain_categories(force=True)
    assert done["trained"] is False and "太少" in done["why"] and not model_file.exists()

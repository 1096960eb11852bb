import pytest

from stance import Prediction, predict
from stance.model import RunError, StanceModel
from stance.predict import default_model_path, load_model

TEXT = "Russia demands that Ukraine never join NATO, a demand Stoltenberg rejects."


def test_string_gives_list_of_predictions(tiny_run):
    preds = predict(TEXT, model=tiny_run, include_none=True)
    assert all(isinstance(p, Prediction) for p in preds)
    assert {p.actor for p in preds} == {"russia", "ukraine", "nato", "stoltenberg"}
    assert len(preds) == 4 * 5
    p = preds[0]
    assert p.scores[p.stance] == p.score and abs(sum(p.scores.values()) - 1) < 1e-5
    with pytest.raises(AttributeError):
        p.stance = "favor"  # frozen


def test_list_gives_list_of_lists(tiny_run):
    out = predict([TEXT, "Kyiv said nothing.", "No actor here."], model=tiny_run, include_none=True)
    assert isinstance(out, list) and len(out) == 3 and all(isinstance(x, list) for x in out)
    assert {p.actor for p in out[1]} == {"ukraine"} and out[2] == []
    assert predict([], model=tiny_run) == []


def test_batching_does_not_change_scores(tiny_run):
    a = predict([TEXT, "Kyiv said nothing."], model=tiny_run, include_none=True, batch_size=1)
    b = predict([TEXT, "Kyiv said nothing."], model=tiny_run, include_none=True, batch_size=64)
    assert [[round(p.score, 5) for p in x] for x in a] == [[round(p.score, 5) for p in x] for x in b]


def test_none_is_dropped_by_default(tiny_run):
    all_preds = predict(TEXT, model=tiny_run, include_none=True)
    kept = predict(TEXT, model=tiny_run)
    assert kept == [p for p in all_preds if p.stance != "none"]


def test_target_filter_and_unknown_target(tiny_run):
    preds = predict(TEXT, model=tiny_run, target="neutrality", include_none=True)
    assert {p.target for p in preds} == {"neutrality"} and len(preds) == 4
    with pytest.raises(ValueError, match="unknown target 'nato'.*valid targets: nato_membership"):
        predict(TEXT, model=tiny_run, target="nato")


def test_actor_by_id_alias_or_free_string(tiny_run):
    preds = predict(TEXT, model=tiny_run, actor="the Kremlin", include_none=True)
    assert {(p.actor, p.mention) for p in preds} == {("russia", "Russia")}
    preds = predict(TEXT, model=tiny_run, actor="lavrov", include_none=True)
    assert {(p.actor, p.mention) for p in preds} == {("lavrov", None)}  # scored although not mentioned
    preds = predict("Greenpeace wants peace.", model=tiny_run, actor="Greenpeace", include_none=True)
    assert {(p.actor, p.mention) for p in preds} == {("Greenpeace", "Greenpeace")}


def test_pronoun_actor_from_context(tiny_run):
    preds = predict("There is room for compromise, he tweets.", context="Podoljak is cautiously optimistic.",
                    model=tiny_run, include_none=True)
    assert {(p.actor, p.mention) for p in preds} == {("podolyak", "he")}


@pytest.mark.parametrize("text,error,match", [
    ("", ValueError, "text is empty"), ("   ", ValueError, "text is empty"), (42, TypeError, "got int"),
    (["ok", None], TypeError, r"text\[1\] must be a string"), (["ok", ""], ValueError, r"text\[1\] is empty"),
])
def test_bad_text(tiny_run, text, error, match):
    with pytest.raises(error, match=match):
        predict(text, model=tiny_run)


def test_context_must_match_text_shape(tiny_run):
    with pytest.raises(TypeError, match="same length"):
        predict(["a", "b"], context=["only one"], model=tiny_run)


def test_model_argument_forms(tiny_run, monkeypatch, tmp_path):
    loaded = StanceModel.from_pretrained(tiny_run)
    assert load_model(loaded) is loaded
    assert load_model(tiny_run) is load_model(str(tiny_run))  # cached
    monkeypatch.setenv("STANCE_MODEL", str(tiny_run))
    assert default_model_path() == tiny_run
    assert predict(TEXT, include_none=True)
    monkeypatch.setenv("STANCE_MODEL", str(tmp_path / "missing"))
    with pytest.raises(RunError, match="stance train configs/default.yaml"):
        predict(TEXT)

from stance.actors import ActorRegistry
from stance.data import InputSettings
from stance.data import InputFormatter, PairExample, pairs_to_dataset, record_pairs
from stance.schema import LABELS, load_targets, read_records

from .conftest import TINY_DATA


def formatter(**settings):
    return InputFormatter(InputSettings(**settings), ActorRegistry.load(), load_targets())


EX = PairExample(text="Russia demands that Ukraine never join NATO.", actor="nato", target="nato_membership",
                 mention="NATO", context="Talks resumed on Tuesday.")


def test_first_segment_names_actor_and_target():
    first, _ = formatter().segments(EX)
    assert first == "NATO on Ukraine becoming a member of NATO"
    first, _ = formatter().segments(PairExample(text="x", actor="Greenpeace", target="neutrality"))
    assert first.startswith("Greenpeace on ")  # a free-string actor is read as given


def test_first_segment_may_name_the_side_a_person_speaks_for():
    fmt = formatter(actor_template="{actor} ({affiliation}) on {target}")
    witkoff = PairExample(text="Witkoff spoke.", actor="witkoff", target="neutrality", mention="Witkoff")
    assert fmt.segments(witkoff)[0].startswith("Steve Witkoff (United States) on Ukraine adopting a neutral")
    assert fmt.segments(EX)[0].startswith("NATO (NATO) on ")  # not a person: the actor's own name
    free = PairExample(text="x", actor="Greenpeace", target="neutrality")
    assert fmt.segments(free)[0].startswith("Greenpeace (Greenpeace) on ")
    assert InputSettings(actor_template="{actor} ({side}) on {target}").check() == [
        ("actor_template", "{actor} ({side}) on {target}")]


def test_mention_is_marked_and_context_follows_sentence():
    _, second = formatter().segments(EX)
    assert second == "Russia demands that Ukraine never join [NATO]. | Talks resumed on Tuesday."
    _, second = formatter(mark_mention=False, context="never").segments(EX)
    assert second == EX.text


def test_typed_markers_name_the_actor_type():
    fmt = formatter(mention_markers=["@ * {type} * ", " @"], context="never")
    assert fmt.segments(EX)[1] == "Russia demands that Ukraine never join @ * organization * NATO @."
    free = PairExample(text="Greenpeace objects.", actor="Greenpeace", target="neutrality", mention="Greenpeace")
    assert fmt.segments(free)[1] == "@ * actor * Greenpeace @ objects."  # not in the registry
    assert InputSettings(mention_markers=["<{kind}>", ">"]).check() == [("mention_markers", ["<{kind}>", ">"])]


def test_pronoun_context_policy():
    fmt = formatter(context="pronoun")
    assert "|" not in fmt.segments(EX)[1]
    pron = PairExample(text="We continue, he tweets.", actor="podolyak", target="neutrality", mention="he", context="Podolyak spoke.")
    assert fmt.segments(pron)[1] == "We continue, [he] tweets. | Podolyak spoke."


def test_context_is_cut_to_the_nearest_words():
    ex = PairExample(text="S.", actor="russia", target="neutrality", context="one two three four five")
    assert formatter(context_words=2).segments(ex)[1] == "S. | four five"


def test_record_pairs_and_dataset_have_classlabel():
    examples = record_pairs(read_records(TINY_DATA))
    assert len(examples) == 195 and {e.label for e in examples} == set(LABELS)
    ds = pairs_to_dataset(examples, formatter())
    assert ds.features["label"].names == list(LABELS)
    assert ds.features["label"].int2str(ds[0]["label"]) == examples[0].label

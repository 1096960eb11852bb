"""Name-swap augmentation (training.name_swap): who is renamed, into whom, and what stays."""

from __future__ import annotations

import pytest

from stance.actors import ActorRegistry
from stance.data import PairExample
from training.augment import short_name, swap_names


@pytest.fixture(scope="module")
def registry():
    return ActorRegistry.load()


def pair(text, actor, mention, context=None, label="against"):
    return PairExample(text=text, actor=actor, mention=mention, target="nato", context=context, label=label,
                       record_id="r1")


def test_short_name_is_the_alias_that_ends_the_name(registry):
    assert short_name(registry["putin"]) == "Putin"
    assert short_name(registry["von_der_leyen"]) == "von der Leyen"


def test_a_named_person_goes_to_a_colleague_of_the_same_side_and_gender_everywhere(registry):
    ex = pair("Sergei Lavrov said Lavrov's ministry rejects NATO membership for Ukraine.", "lavrov", "Sergei Lavrov",
              context="Earlier, Lavrov had met his Turkish counterpart.")
    for seed in range(20):
        (out,) = swap_names([ex], registry, share=1.0, seed=seed)
        other = registry[out.actor]
        assert out.actor != "lavrov" and other.affiliation == "russia" and other.gender == "male"
        assert "Lavrov" not in out.text and "Lavrov" not in out.context
        assert out.mention == other.name and out.text.startswith(other.name)
        assert f"{short_name(other)}'s ministry" in out.text
        assert (out.label, out.target, out.record_id) == (ex.label, ex.target, ex.record_id)


def test_nobody_already_named_is_chosen_and_pronouns_titles_and_context_names_stay(registry):
    named = pair("Lavrov and Peskov both said Kyiv must give up NATO.", "lavrov", "Lavrov",
                 context="Medvedev and Shoigu agreed. So did Ushakov, Dmitriev, Medinsky, Zakharova and Nebenzya.")
    others = [pair("He said Kyiv must give up NATO.", "lavrov", "He", context="Lavrov spoke in Ankara."),
              pair("The Russian president rejected NATO membership.", "putin", "The Russian president"),
              pair("Moscow rejects NATO membership.", "russia", "Moscow")]
    swapped = [swap_names([named], registry, share=1.0, seed=s)[0].actor for s in range(30)]
    assert set(swapped) <= {"putin", "pushilin"}  # every other male Russian is named around the sentence
    assert swap_names(others, registry, share=1.0, seed=0) == others


def test_share_and_seed_decide_how_many_and_which(registry):
    examples = [pair(f"Zelensky said on day {i} that Ukraine will join NATO.", "zelensky", "Zelensky", label="favor")
                for i in range(200)]
    assert swap_names(examples, registry, share=0.0, seed=1) == examples
    half = swap_names(examples, registry, share=0.5, seed=1)
    changed = sum(a != b for a, b in zip(examples, half))
    assert 70 < changed < 130
    assert half == swap_names(examples, registry, share=0.5, seed=1)
    assert half != swap_names(examples, registry, share=0.5, seed=2)

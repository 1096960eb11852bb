"""The actor registry and actor detection in raw text.

Matching works on word tokens normalised for case, diacritics and common transliteration
differences, so "Zelenskyj's", "ZELENSKIY" and "Zelensky" all match the alias "Zelensky", and
"Podoljak" matches "Podolyak". Role phrases ("the Ukrainian president", "the Kremlin") are matched
the same way and may be limited to the dates their holder held the role. The longest match wins, so
"Kremlin spokesman Dmitry Peskov" is one mention of peskov, not a mention of russia as well.

Example:
    >>> registry = ActorRegistry.load()
    >>> [(m.actor, m.text) for m in registry.detect("Zelenskyj's adviser Podoljak spoke to Kiev.")]
    [('zelensky', 'Zelenskyj'), ('podolyak', 'Podoljak'), ('ukraine', 'Kiev')]
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable

import yaml

from .schema import DataError

_TOKEN = re.compile(r"\w+(?:\.\w+)*\.?|\w+", re.UNICODE)
_ARTICLES = {"the"}
_POSSESSIVE = re.compile(r"\w['’]")
PRONOUNS = {"he", "him", "his", "she", "her", "hers"}
_FEMININE = {"she", "her", "hers"}
# A definite description of a person named before: "the minister", "the French leader", "The
# President" (a Kremlin readout). The title word must fit the person (registry roles or the words
# around their name in the context); an adjective before it must be a registry demonym.
_DESCRIPTION = re.compile(
    r"\b[Tt]he\s+(?:(?P<adjective>(?!prime\b|foreign\b|defen[cs]e\b|secretary\b)[A-Z][\w-]*)\s+)?(?P<title>foreign minister|defen[cs]e minister|prime minister|"
    r"secretary of state|secretary general|secretary-general|minister|chancellor|president|leader|premier|"
    r"head of state|diplomat|envoy|spokesman|spokeswoman|spokesperson|negotiator|aide|adviser|advisor)\b(?!\s+of\b)",
    re.IGNORECASE)
# Offices that are also said with "of" and the state: "the President of Türkiye".
_OFFICES = {"president", "vice president", "prime minister", "chancellor", "foreign minister", "defence minister",
            "defense minister", "secretary of state"}
# Adjectives of a description that say when, not who: "the former prime minister".
_TIME_ADJECTIVES = {"former", "then", "new", "outgoing", "incoming", "current", "late"}
_TITLE_EVIDENCE = {  # a title word and the words that show a person may be called by it
    "leader": ("president", "prime minister", "chancellor", "leader", "premier"),
    "head of state": ("president", "leader", "head of state"),
    "aide": ("aide", "adviser", "advisor"),
    "premier": ("prime minister", "premier"),
    "diplomat": ("minister", "diplomat", "ambassador", "secretary of state"),
    "spokesman": ("spokesman", "spokeswoman", "spokesperson", "press secretary"),
}
_TITLE_EVIDENCE["spokeswoman"] = _TITLE_EVIDENCE["spokesperson"] = _TITLE_EVIDENCE["spokesman"]
_TITLE_EVIDENCE["adviser"] = _TITLE_EVIDENCE["advisor"] = _TITLE_EVIDENCE["aide"]
# Sentence boundaries inside a context string: the antecedent of a pronoun is looked for sentence
# by sentence, nearest first.
_SENTENCE_END = re.compile(r"(?<=[.!?…\"”’])\s+(?=[A-Z0-9“\"‘'«–—(])")
# An interview: answers ("A: We will ...") speak for the interviewee, questions ("Q: Will you
# meet Putin?") name people who are not the speaker.
_ANSWER = re.compile(r"(?:^|\s)A:\s")
_QUESTION = re.compile(r"\bQ:.*?(?=\bA:|$)")
# Who speaks in a sentence: the subject of a reporting verb ("Scholz said", "Peskov, the Kremlin
# spokesman, told", "said Kuleba", "according to Kuleba"). A pronoun is more often the speaker's
# than the first person named ("At a news conference with Putin, Scholz said ... He added").
_SPEECH = (r"(?:said|says|told|tells|added|adds|declared|declares|warned|warns|argued|argues|insisted|insists|"
           r"stressed|stresses|noted|notes|wrote|writes|tweeted|tweets|replied|replies|answered|answers|announced|"
           r"announces|explained|explains|acknowledged|acknowledges|claimed|claims|suggested|suggests|urged|urges|"
           r"remarked|remarks|repeated|repeats|conceded|concedes|predicted|predicts|asserted|asserts|dismissed|"
           r"dismisses|ruled|rules|called|calls|described|describes|spoke|speaks)")
_AUXILIARY = r"(?:has\s+|had\s+|also\s+|again\s+|then\s+)?"
_SPEAKER_AFTER = re.compile(r"^(?:\s*,[^,.;]{1,90},)?\s+" + _AUXILIARY + _SPEECH + r"\b")
# "Russia's envoy to the UN, Vassily Nebenzya, told ...": the name closes an apposition.
_SPEAKER_AFTER_APPOSITION = re.compile(r"^,\s+" + _AUXILIARY + _SPEECH + r"\b")
# The verb before the name only after a quotation or a comma (", said Kuleba"): "Scholz said
# Putin would ..." is Scholz's statement about Putin.
_SPEAKER_BEFORE = re.compile(r"(?:[,\"”’]\s*" + _SPEECH + r"|\baccording to)\s+$", re.IGNORECASE)
# An unregistered name as the speaker ("Niinisto said", "Prime Minister Rishi Sunak said"): a
# pronoun after it is that person's, not someone's of the registry.
_NAME_SPEAKER = re.compile(r"(?<![\w'’])((?:[A-Z][\w'’-]+\s+){0,3}[A-Z][\w'’-]+)" + _SPEAKER_AFTER.pattern[1:])
_NOT_NAMES = {"he", "she", "it", "they", "we", "i", "you", "the", "this", "that", "these", "those", "officials",
              "analysts", "diplomats", "critics", "observers", "sources", "both", "some", "many", "others", "one",
              "nobody", "everyone", "a", "an", "his", "her", "their", "its", "our", "in", "on", "at", "but", "and",
              "asked", "later", "earlier", "then", "now", "also", "there", "here", "q", "a:"}
# An opening phrase "In his address, Putin ..." names its owner after the comma; "in his telling"
# and the like report the account of someone named before.
_OPENING_PREPOSITIONS = {"in", "at", "for", "on", "during", "after", "before", "with", "from", "by", "upon"}
_ACCOUNT_WORDS = {"telling", "account", "view", "words", "opinion", "judgement", "judgment", "estimate",
                  "estimation", "reading", "version", "assessment", "mind", "eyes"}
_FIRST_PERSON = {"i", "we", "our", "my", "us", "me"}
_QUOTES = "\"“”«»"
_DASHES = ("–", "—", "- ")
#: Nouns after which a nationality adjective names its state as a holder ("the Russian
#: memorandum", "American negotiators"): guidelines rule 6.1.
HOLDER_NOUNS = ("proposal", "proposals", "plan", "plans", "peace plan", "memorandum", "memorandums", "memoranda",
                "draft", "drafts", "document", "terms", "conditions", "demands", "position", "positions", "formula", "offer",
                "negotiators", "delegation", "delegations", "officials", "diplomats", "envoy", "envoys", "side",
                "team", "counterproposal", "counter-proposal", "framework")
#: Words of a title that describes someone by whom they serve ("Zelensky's adviser Mykhailo
#: Podolyak", "Podolyak, an adviser to Zelensky", "head of Zelensky's office"): the possessor only
#: describes the named person and is not a holder (guidelines rule 6.1).
_TITLE_WORDS = {"adviser", "advisor", "advisers", "aide", "aides", "spokesman", "spokeswoman", "spokesperson",
                "press", "secretary", "minister", "foreign", "defence", "defense", "prime", "deputy", "national",
                "security", "chief", "of", "staff", "head", "office", "envoy", "special", "ambassador", "permanent",
                "representative", "top", "senior", "negotiator", "president", "vice", "the", "a", "an", "to", "team"}
_TITLE_HEADS = {"adviser", "advisor", "advisers", "aide", "aides", "spokesman", "spokeswoman", "spokesperson",
                "secretary", "minister", "chief", "head", "office", "envoy", "ambassador", "representative",
                "negotiator", "president", "team"}
# "<person>, who leads the Russian delegation" / "<person>, heading Russia's team": the body the
# person leads describes the person, as a title does.
_LEADS = re.compile(r",\s*(?:who\s+(?:[\w'’]+\s+){0,2}?)?(?:leads?|led|heads?|headed|heading|leading|chairs?|chaired|"
                    r"runs?|ran|sits\s+on|sat\s+on)\s+(?:the\s+)?", re.IGNORECASE)
# What may stand between the words of one name or role: spaces, a hyphen, a possessive.
_JOINS = re.compile(r"(?:['’]s?)?[\s\-‑]*")
# Short all-caps aliases ("US", "EU", "UK") collide with ordinary words in lower case ("us").
_CASE_SENSITIVE_MAX_LEN = 3


def _fold(token: str) -> str:
    """Normalise one token: lower case, no diacritics, one spelling for transliteration variants."""
    token = unicodedata.normalize("NFKD", token)
    token = "".join(c for c in token if not unicodedata.combining(c)).lower().rstrip(".")
    token = token.replace(".", "")
    # Order matters: "lj" -> "ly" before "j" -> "y"; then collapse the y-endings.
    for a, b in (("lj", "ly"), ("j", "y"), ("iy", "y"), ("yy", "y"), ("ii", "i"), ("ie", "i"), ("w", "v"), ("kh", "k"), ("ch", "k")):
        token = token.replace(a, b)
    return token


def default_actors_path() -> Path:
    """Path of the packaged actor registry."""
    return Path(str(resources.files("stance") / "resources" / "actors.yaml"))


@dataclass(frozen=True)
class Actor:
    """One registry entry. ``affiliation`` is the id a person speaks for (None for states)."""

    id: str
    name: str
    type: str
    affiliation: str | None = None
    aliases: tuple[str, ...] = ()
    roles: tuple[tuple[str, str | None, str | None], ...] = ()  # (phrase, from, to)
    demonyms: tuple[str, ...] = ()  # "Russian": names the state before a HOLDER_NOUNS noun
    gender: str | None = None  # persons: female | male, so that "she" is never resolved to a man


@dataclass(frozen=True)
class Mention:
    """An actor found in a text: the canonical id and the characters ``text[start:end]``."""

    actor: str
    text: str
    start: int
    end: int
    via: str = "name"  # name | role | modifier | pronoun | description


@dataclass
class _Pattern:
    tokens: tuple[str, ...]
    actor: str
    via: str
    case_sensitive: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None


def _tokens(text: str) -> list[tuple[str, int, int]]:
    # A possessive 's is not a word of the name: "the Kremlin's spokesman" must match the role
    # "Kremlin spokesman", and "Putin's spokesman" keeps matching its own role phrase.
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)
            if not (m.group() in ("s", "S") and m.start() >= 2 and _POSSESSIVE.match(text, m.start() - 2))]


@dataclass
class ActorRegistry:
    """Canonical actors with their names, spelling variants and role phrases.

    Build it with :meth:`load` (the packaged registry plus any extension files). ``detect`` finds
    actors in a text; ``resolve`` maps an id, alias or role phrase to an id.

    Example:
        >>> reg = ActorRegistry.load()
        >>> reg.resolve("the Kremlin"), reg.resolve("Zelenskiy"), reg["putin"].affiliation
        ('russia', 'zelensky', 'russia')
    """

    actors: dict[str, Actor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._patterns: dict[str, list[_Pattern]] = {}
        self._demonyms = {_fold(d): a.id for a in self.actors.values() for d in a.demonyms}
        for actor in self.actors.values():
            for alias in (actor.name, *actor.aliases):
                self._add(alias, actor.id, "name")
            for phrase, start, end in actor.roles:
                self._add(phrase, actor.id, "role", start, end)
                for of_phrase in self._of_state(actor, phrase):
                    self._add(of_phrase, actor.id, "role", start, end)
            for demonym in actor.demonyms:
                for noun in HOLDER_NOUNS:
                    self._add(f"{demonym} {noun}", actor.id, "modifier")

    def _of_state(self, actor: Actor, phrase: str) -> list[str]:
        """"Russian president" read as well as "President of Russia", "president of the Russian
        Federation", "Russia's president": an office named by its state's demonym, said with
        "of" or the possessive of each name of the state."""
        state = self.actors.get(actor.affiliation or "")
        demonym, _, title = phrase.partition(" ")
        if state is None or demonym not in state.demonyms or title.lower() not in _OFFICES:
            return []
        names = [re.sub(r"^the\s+", "", n, flags=re.IGNORECASE) for n in (state.name, *state.aliases)]
        return [f"{title} of {the}{name}" for name in names for the in ("", "the ")] + [
            f"{name}'s {title}" for name in names]

    def _add(self, phrase: str, actor: str, via: str, start=None, end=None) -> None:
        toks = [t for t, _, _ in _tokens(phrase)]
        if toks and toks[0].lower() in _ARTICLES and len(toks) > 1:
            toks = toks[1:]
        if not toks:
            return
        case = phrase if (len(toks) == 1 and phrase.isupper() and len(phrase.replace(".", "")) <= _CASE_SENSITIVE_MAX_LEN) else None
        folded = tuple(_fold(t) for t in toks)
        # headlines drop articles: "head of Russian delegation" is "head of the Russian delegation"
        for tokens in {folded, tuple(t for t in folded if t not in _ARTICLES)}:
            pat = _Pattern(tokens, actor, via, case.replace(".", "") if case else None, start, end)
            if pat not in self._patterns.get(tokens[0], ()):
                self._patterns.setdefault(tokens[0], []).append(pat)

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def load(cls, *extra_files: str | Path, path: str | Path | None = None) -> "ActorRegistry":
        """Read the registry (default: packaged) and extension files; later entries replace earlier ones by id.

        Example:
            >>> ActorRegistry.load("my_actors.yaml")  # doctest: +SKIP
        """
        actors: dict[str, Actor] = {}
        for f in (path or default_actors_path(), *extra_files):
            for actor in _read_actor_file(Path(f)):
                actors[actor.id] = actor
        return cls(actors)

    def to_yaml(self) -> str:
        """Serialise the registry in the file format it was read from (saved with each run)."""
        out = []
        for a in self.actors.values():
            entry = {"id": a.id, "name": a.name, "type": a.type}
            if a.affiliation:
                entry["affiliation"] = a.affiliation
            entry["aliases"] = list(a.aliases)
            entry["roles"] = [p if not (s or e) else {k: v for k, v in (("phrase", p), ("from", s), ("to", e)) if v} for p, s, e in a.roles]
            if a.demonyms:
                entry["demonyms"] = list(a.demonyms)
            if a.gender:
                entry["gender"] = a.gender
            out.append(entry)
        return yaml.safe_dump(out, sort_keys=False, allow_unicode=True)

    # --- lookup ------------------------------------------------------------------------------
    def __contains__(self, actor_id: object) -> bool:
        return actor_id in self.actors

    def __getitem__(self, actor_id: str) -> Actor:
        return self.actors[actor_id]

    def __len__(self) -> int:
        return len(self.actors)

    def resolve(self, name: str) -> str | None:
        """Canonical id for an id, alias or role phrase that makes up the whole of ``name``; else None."""
        if name in self.actors:
            return name
        bare = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
        found = self._match(bare, None)
        if len(found) == 1 and found[0].start == 0 and found[0].end >= len(bare.rstrip(". '’s")):
            return found[0].actor
        return None

    def display_name(self, actor: str) -> str:
        """The name the model reads for an actor: its registry name, or the string as given."""
        return self.actors[actor].name if actor in self.actors else actor

    def affiliation(self, actor: str) -> str:
        """The state or organisation a person speaks for; the actor itself otherwise."""
        a = self.actors.get(actor)
        return a.affiliation if a and a.affiliation else actor

    # --- detection ---------------------------------------------------------------------------
    def detect(self, text: str, date: str | None = None, context: str | None = None) -> list[Mention]:
        """Find registry actors in ``text``, first mention of each actor, in order of appearance.

        With ``context`` (the preceding text), a sentence with a personal pronoun (he, his, she,
        her) before any person of its own is attributed to a person named in the context: the
        first one (the subject, as a rule) of the nearest context sentence that names one, of the
        pronoun's gender where the registry knows it (its speaker first; when that sentence's
        subject is itself a pronoun or a description, the person it stands for); the quote
        attribution "..., he tweets." belongs to the adviser named before. So is a first-person
        pronoun in a quotation or in an interview answer ("A: We ..."), whose questions ("Q: ...")
        are not the speaker's words. Each definite description ("the minister", "the French
        leader") goes to the nearest person of the context whom its title fits. ``date`` (YYYY-MM-DD) selects the holder of a dated role
        ("NATO secretary general").

        Example:
            >>> reg = ActorRegistry.load()
            >>> [m.actor for m in reg.detect("Kremlin spokesman Dmitry Peskov said Kyiv must accept it.")]
            ['peskov', 'ukraine']
        """
        matched = self._match(text, date)
        mentions = self._first_mentions(text, matched)
        if not context:
            return mentions
        named = {m.actor for m in mentions}
        descriptions = self._descriptions(text, mentions)
        # a sentence after an answer, with no question of its own, goes on with the answer
        last = _SENTENCE_END.split(context.strip())[-1]
        pron = self._pronoun(text, mentions, continues_answer=bool(_ANSWER.search(" " + last)) and "Q:" not in text)
        # "The minister said he ...": the pronoun is the described person's, found or not
        if pron and not any(d.start() < pron[1] for d in descriptions) and _unregistered_speaker(text, matched, pron[1]) is None:
            feminine = pron[0].lower() in _FEMININE

            def fits(actor: str, around: str) -> bool:
                return self.actors[actor].gender != ("male" if feminine else "female") or pron[0].lower() in _FIRST_PERSON

            answer = _ANSWER.search(text)
            question = (text[:answer.start()] if answer and "Q:" in text[:answer.start()] else
                        last if answer and last.lstrip().startswith("Q:") else None)
            # "Q: What has Putin achieved? A: Well, he has not ...": he is the person asked about
            who = (pron[0].lower() in PRONOUNS and question and pron[1] >= answer.end()
                   and self._antecedent_in([question], date, named, fits))
            who = who or self._antecedent(context, date, named, fits)
            if who:
                mentions.append(Mention(who, pron[0], pron[1], pron[2], "pronoun"))
                named.add(who)
        for d in descriptions:
            title, adjective = d.group("title").lower(), d.group("adjective")
            who = self._antecedent(context, date, named, lambda actor, around: self._fits(actor, title, adjective, around))
            if who:
                mentions.append(Mention(who, d.group(0), d.start(), d.end(), "description"))
                named.add(who)
        return sorted(mentions, key=lambda m: m.start)

    def _first_mentions(self, text: str, matched: list[Mention]) -> list[Mention]:
        """The first mention of each actor that is a holder (not only describing another person),
        in order of appearance."""
        first: dict[str, Mention] = {}
        for m in matched:
            if not self._describes_other(text, m, matched):
                first.setdefault(m.actor, m)
        return sorted(first.values(), key=lambda m: m.start)

    def _antecedent(self, context: str, date: str | None, named: set, fits) -> str | None:
        """The first person that ``fits`` in the nearest sentence of ``context`` naming one, leaving
        out people already named, people who only describe another ("Zelensky's adviser X") and
        the people of interview questions. ``fits(actor, title_words)`` (see :func:`_titles`)."""
        return self._antecedent_in(_SENTENCE_END.split(_QUESTION.sub(" ", context)), date, named, fits)

    def _antecedent_in(self, sentences: list[str], date: str | None, named: set, fits) -> str | None:
        for i in range(len(sentences) - 1, -1, -1):
            sentence = sentences[i]
            found = self._match(sentence, date)
            people = [m for m in found if self._is_person(m.actor) and m.actor not in named
                      and not self._describes_other(sentence, m, found) and fits(m.actor, _titles(sentence, m))]
            speakers = [m for m in people if _speaks(sentence, m)]
            if speakers:
                return speakers[0].actor
            if _unregistered_speaker(sentence, found) is not None:
                return None
            if people:
                # "He told Putin ...", "the chancellor said Putin would ...": a subject before the
                # sentence's first person stands for someone named earlier, who stays the topic
                chain = self._subject_reference(sentence, found, fits)
                who = chain and self._antecedent_in(sentences[:i], date, named, chain)
                return who or people[0].actor
        return None

    def _subject_reference(self, sentence: str, found: list[Mention], fits):
        """For a sentence whose first person comes after a third-person pronoun or a definite
        description ("He told Putin ...", "The minister met Zelensky"), or in which such a
        description is the speaker ("Zelensky ..., the minister wrote"), the test (``fits``,
        narrowed by the description's title) that the person it stands for must pass; else None."""
        mentions = self._first_mentions(sentence, found)
        persons = [m.start for m in mentions if self._is_person(m.actor)]
        if not persons:
            return None

        def subject(start: int, end: int) -> bool:
            return start < min(persons) or bool(_SPEAKER_AFTER.match(sentence[end:]))

        description = next((d for d in self._descriptions(sentence, mentions) if subject(d.start(), d.end())), None)
        # a possessive in an opening phrase is the person's after it ("At his phone-in, Putin said")
        pron = next(((t, s, e) for t, s, e in _tokens(sentence) if t.lower() in ("he", "she") and s < min(persons)), None)
        if description and (not pron or description.start() < pron[1]):
            title, adjective = description.group("title").lower(), description.group("adjective")
            return lambda actor, around: fits(actor, around) and self._fits(actor, title, adjective, around)
        return fits if pron else None

    def _descriptions(self, text: str, mentions: list[Mention]) -> list[re.Match]:
        """Definite descriptions ("the minister", "the Turkish minister") that no registry phrase
        already matched, leaving out an apposition of a person named in the sentence ("Kuleba,
        the minister, said")."""
        out = []
        for d in _DESCRIPTION.finditer(text):
            if any(m.start < d.end() and d.start() < m.end for m in mentions):
                continue
            if any(self._is_person(m.actor) and re.fullmatch(r"\s*,\s*", text[m.end:d.start()]) for m in mentions):
                continue
            if re.search(r"\b(?:to|of|for)\s+$", text[:d.start()]):  # "an adviser to the president"
                continue
            # "Kuleba ... Ukraine, the foreign minister said": a person of the sentence whom the
            # title fits is the one described
            title, adjective = d.group("title").lower(), d.group("adjective")
            if any(self._is_person(m.actor) and m.end <= d.start() and self._fits(m.actor, title, adjective, _titles(text, m))
                   for m in mentions):
                continue
            out.append(d)
        return out

    def _fits(self, actor: str, title: str, adjective: str | None, around: str) -> bool:
        """Whether a person can be "the <adjective> <title>": the title (or a word that implies it,
        a president is a leader) in their registry roles or next to their name; the adjective a
        demonym of the state they speak for."""
        evidence = " ".join([p for p, _, _ in self.actors[actor].roles] + [around]).lower()
        if not any(word in evidence for word in _TITLE_EVIDENCE.get(title, (title.split()[-1],))):
            return False
        if not adjective or adjective.lower() in _TIME_ADJECTIVES:
            return True
        if _fold(adjective) in self._demonyms:
            return self._demonyms[_fold(adjective)] == self.affiliation(actor)
        return f"{adjective} {title}".lower() in evidence  # "the separatist leader"

    def _describes_other(self, text: str, m: Mention, found: list[Mention]) -> bool:
        """Whether ``m`` only names whom another person serves: "M's adviser <person>",
        "<person>, (an adviser to | head of) M's ..." with nothing but title words in between; a
        person M also without the possessive ("Zelensky aide Zhovkva", "Podolyak, the Zelensky
        adviser")."""
        people = [o for o in found if o is not m and o.actor != m.actor and self._is_person(o.actor)]
        if not people:
            return False

        def title(span: str) -> bool:
            words = re.findall(r"[\w'’]+", span.lower())
            return bool(words) and all(w in _TITLE_WORDS for w in words) and any(w in _TITLE_HEADS for w in words)

        after = text[m.end:]
        possessive = re.match(r"['’]s?\b", after)
        if possessive:
            after = after[possessive.end():]
        # "M's adviser <person>" / "M's foreign minister, <person>" / "Zelensky aide <person>"
        if possessive and any(o.start >= m.end and title(text[m.end + possessive.end():o.start].strip(" ,"))
                              for o in people):
            return True
        if self._is_person(m.actor) and any(  # a bare noun adjunct: "Zelensky aide <person>"
                o.start >= m.end and re.fullmatch(r"(?:\s+[\w'’]+){1,3}\s+", text[m.end:o.start])
                and title(text[m.end:o.start]) and not re.search(r"\b(?:to|of|the|a|an)\b", text[m.end:o.start])
                for o in people):
            return True
        lead_word = (re.findall(r"[\w'’-]+", after)[:1] or [""])[0].lower()
        if any(o.end <= m.start and _LEADS.fullmatch(text[o.end:m.start]) for o in people) and (
                m.via in ("role", "modifier") or (possessive and (lead_word in HOLDER_NOUNS or lead_word in _TITLE_HEADS))):
            return True
        # "<person>, M's adviser" / "<person>, an adviser to M" / "<person>, head of M's office"
        for o in people:
            if o.end <= m.start:
                between = text[o.end:m.start]
                if between.startswith(",") and (between.strip(" ,").lower() in ("", "the", "a", "an")
                                                or title(between.strip(" ,"))):
                    lead = re.findall(r"[\w'’]+", after)[:4]
                    lead = lead[:next((i for i, w in enumerate(lead) if w.lower() not in _TITLE_WORDS), len(lead))]
                    if (possessive or self._is_person(m.actor)) and title(" ".join(lead)):
                        return True
                    if not possessive and re.search(r"\b(to|of)\s*$", between):
                        return True
        return False

    def _pronoun(self, text: str, mentions: list[Mention], continues_answer: bool = False) -> tuple[str, int, int] | None:
        """The pronoun that stands for a person named before the sentence, if any: a third-person
        pronoun in a sentence that names no person, or that comes before the sentence's first
        person ("He told Putin ..."); or, inside a quotation, "I", "we", "our" ... of a speaker named
        before (a quote split from its attribution). In an interview answer ("Q: ... A: ...", or a
        sentence that ``continues_answer``) only the answer counts, and its "I" or "we" comes first:
        the interviewee speaks."""
        found = _ANSWER.search(text)
        answer = found or continues_answer
        begin = found.end() if found else 0
        persons = [m.start for m in mentions if self._is_person(m.actor) and m.start >= begin]
        limit = min(persons) if persons else len(text)
        tokens = [(t, s, e) for t, s, e in _tokens(text) if s >= begin]
        first = next(((t, s, e) for t, s, e in tokens if t.lower() in _FIRST_PERSON and t not in ("US", "U.S")
                      and s < limit), None)
        if answer and first:
            return first
        third = next(((t, s, e) for t, s, e in tokens if t.lower() in PRONOUNS and s < limit), None)
        if third and not (persons and self._cataphoric(text[begin:], (third[0], third[1] - begin, third[2] - begin),
                                                       limit - begin)):
            return third
        if persons or answer:
            return None
        quote = next((i for i, c in enumerate(text) if c in _QUOTES), None)
        if quote is None and not text.lstrip().startswith(_DASHES):
            return None
        start = 0 if quote is None else quote
        return next(((t, s, e) for t, s, e in tokens if s >= start and t.lower() in _FIRST_PERSON
                     and not (t == "US" or t == "U.S")), None)

    @staticmethod
    def _cataphoric(text: str, pronoun: tuple[str, int, int], person_start: int) -> bool:
        """Whether a possessive in an opening phrase belongs to the person right after it: "In his
        address, Putin said ...", "For his part, the Chinese leader ...". Not "In his telling, X
        was ..." (the speaker's account) nor "His foreign minister, X, ..." (a title of X)."""
        words = re.findall(r"[\w'’]+", text[:person_start])
        lead = [w.lower() for w in words[:3]]
        if pronoun[0].lower() not in ("his", "her") or not lead or lead[0] not in _OPENING_PREPOSITIONS:
            return False
        if pronoun[0].lower() not in lead[1:3]:
            return False
        after = re.findall(r"[\w'’]+", text[pronoun[2]:])[:1]
        if after and after[0].lower() in _ACCOUNT_WORDS:
            return False
        comma = text.rfind(",", pronoun[2], person_start)
        return comma >= 0 and len(re.findall(r"[\w'’]+", text[comma + 1:person_start])) <= 1

    def _is_person(self, actor: str) -> bool:
        return actor in self.actors and self.actors[actor].type == "person"

    def _match(self, text: str, date: str | None) -> list[Mention]:
        toks = _tokens(text)
        folded = [_fold(t) for t, _, _ in toks]
        raw = [t.replace(".", "") for t, _, _ in toks]
        out, i = [], 0
        while i < len(toks):
            best = None
            for pat in self._patterns.get(folded[i], ()):
                n = len(pat.tokens)
                if tuple(folded[i:i + n]) != pat.tokens:
                    continue
                if any(not _JOINS.fullmatch(text[toks[k][2]:toks[k + 1][1]]) for k in range(i, i + n - 1)):
                    continue  # "In Kyiv, President Zelensky" is not the role "Kyiv's president"
                if pat.case_sensitive and raw[i] != pat.case_sensitive:
                    continue
                if date and ((pat.valid_from and date < pat.valid_from) or (pat.valid_to and date > pat.valid_to)):
                    continue
                if best is None or n > len(best.tokens):
                    best = pat
            if best is None:
                i += 1
                continue
            n = len(best.tokens)
            start, end = toks[i][1], toks[i + n - 1][2]
            # Extend a role to an immediately following name of the same person
            # ("Russian President Vladimir Putin" is one mention).
            j = i + n
            while j < len(toks):
                nxt = max((p for p in self._patterns.get(folded[j], ()) if p.actor == best.actor and tuple(folded[j:j + len(p.tokens)]) == p.tokens),
                          key=lambda p: len(p.tokens), default=None)
                if nxt is None or text[end:toks[j][1]].strip(" ,"):
                    break
                end = toks[j + len(nxt.tokens) - 1][2]
                j += len(nxt.tokens)
            if text[start - 4:start].lower() == "the " and best.via == "role":
                start -= 4
            out.append(Mention(best.actor, text[start:end].rstrip("."), start, start + len(text[start:end].rstrip(".")), best.via))
            i = j
        return out


def _speaks(sentence: str, m: Mention) -> bool:
    """Whether the person named at ``m`` is the subject of a reporting verb in ``sentence``."""
    before, after = sentence[:m.start], sentence[m.end:]
    if re.search(r"\bwhat\s+(?:[A-Z][\w'’-]*\s+){0,3}$", before):  # "what Zelensky calls a doctrine"
        return False
    return bool(_SPEAKER_AFTER.match(after) or _SPEAKER_BEFORE.search(before)
                or (before.rstrip().endswith(",") and _SPEAKER_AFTER_APPOSITION.match(after)))


def _unregistered_speaker(text: str, found: list[Mention], before: int | None = None) -> int | None:
    """Where a name that is no registry mention speaks in ``text`` (before ``before``), if it does."""
    for match in _NAME_SPEAKER.finditer(text, 0, len(text) if before is None else before):
        name = match.group(1)
        words = name.split()
        while words and words[0].lower() in _NOT_NAMES:
            words = words[1:]
        if not words or any(m.start < match.end(1) and match.start(1) < m.end for m in found):
            continue
        # "Russia's envoy to the UN, Vassily Nebenzya, told": the registry name closing the
        # apposition speaks, not the last capitalised word of the title ("UN")
        if any(m.via == "name" and match.end(1) <= m.start and m.end <= match.end()
               and _SPEAKER_AFTER_APPOSITION.match(text[m.end:]) for m in found):
            continue
        return match.start(1)
    return None


def _titles(sentence: str, m: Mention) -> str:
    """The words that title a person where they are named: capitalised words right before the
    name ("Turkish Foreign Minister Mevlut Cavusoglu") and an apposition before or after it ("the
    chancellor, Olaf Scholz", "Shoigu, the defence minister,")."""
    before, after = sentence[:m.start], sentence[m.end:]
    parts = [re.search(r"(?:[A-Z][\w'’-]*\s+){0,4}$", before).group()]
    apposition = re.search(r"(?:^|[,;:(])\s*([^,;:()]{1,60}),\s*$", before)
    if apposition:
        parts.append(apposition.group(1))
    apposition = re.match(r"\s*,\s*([^,;:()]{1,60})", after)
    if apposition:
        parts.append(apposition.group(1))
    return " ".join(parts)


def _read_actor_file(path: Path) -> Iterable[Actor]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as err:
        raise DataError(f"{path}: cannot read actor registry: {err}") from err
    if not isinstance(raw, list):
        raise DataError(f"{path}: an actor registry is a YAML list of entries")
    for i, entry in enumerate(raw):
        where = f"{path}: entry #{i + 1}"
        if not isinstance(entry, dict) or "id" not in entry:
            raise DataError(f"{where}: each entry needs at least an 'id'")
        unknown = set(entry) - {"id", "name", "type", "affiliation", "aliases", "roles", "demonyms", "gender"}
        if unknown:
            raise DataError(f"{where} ({entry['id']}): unknown key(s) {sorted(unknown)}")
        if entry.get("type", "person") not in {"person", "state", "organization"}:
            raise DataError(f"{where} ({entry['id']}): type must be person, state or organization")
        if entry.get("gender") not in (None, "female", "male"):
            raise DataError(f"{where} ({entry['id']}): gender must be female or male, got {entry['gender']!r}")
        roles = []
        for r in entry.get("roles") or []:
            if isinstance(r, str):
                roles.append((r, None, None))
            elif isinstance(r, dict) and "phrase" in r and set(r) <= {"phrase", "from", "to"}:
                roles.append((str(r["phrase"]), _date(r.get("from"), where), _date(r.get("to"), where)))
            else:
                raise DataError(f"{where} ({entry['id']}): a role is a phrase or {{phrase, from, to}}, got {r!r}")
        yield Actor(
            id=str(entry["id"]),
            name=str(entry.get("name") or entry["id"]),
            type=entry.get("type", "person"),
            affiliation=entry.get("affiliation"),
            aliases=tuple(str(a) for a in entry.get("aliases") or ()),
            roles=tuple(roles),
            demonyms=tuple(str(d) for d in entry.get("demonyms") or ()),
            gender=entry.get("gender"),
        )


def _date(value, where: str) -> str | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(str(value)).isoformat()
    except ValueError as err:
        raise DataError(f"{where}: role date {value!r} is not YYYY-MM-DD") from err

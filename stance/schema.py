"""The fixed vocabulary of the task: stance labels, targets, hard-case tags, and the record format.

Every data file is JSON Lines, one sentence a line::

    {"id": "d012-s03", "doc_id": "d012", "date": "2022-03-29", "text": "...", "context": "...",
     "pairs": [{"actor": "russia", "mention": "Moscow", "target": "neutrality", "stance": "favor"}],
     "phenomena": ["role_mention"]}

A pair's ``mention`` is the characters of ``text`` that name the actor; the empty string ``""``
means the actor is not named in the text (the author of a tweet, say). `validate_file` checks a
file against this format and reports every problem as ``file:line``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

import yaml

#: The four stance labels, in the order of the model's output layer (``id2label``).
LABELS: tuple[str, ...] = ("none", "favor", "against", "neutral")
LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}

#: Tags marking hard cases on a record (see data/GUIDELINES.md, section 4).
PHENOMENA: tuple[str, ...] = (
    "reporter_not_holder",
    "opposing_actors",
    "negation",
    "conditional",
    "pronoun",
    "role_mention",
    "spelling_variant",
    "target_no_position",
    "hedged",
    # phenomena of published coverage (GUIDELINES.md section 6)
    "modifier_holder",
    "split_quote",
    "distant_antecedent",
    "no_verb_headline",
    "framing_verb",
    "de_facto",
    "presupposition",
    "place_not_actor",
    "boilerplate",
    "multi_clause",
    "interview_turn",
)

REQUIRED_FIELDS = ("id", "doc_id", "text", "pairs")
#: Fields of a line of data/documents.jsonl (a document's description, not a sentence record).
DOCUMENT_FIELDS = {"doc_id", "date", "kind", "title", "description", "sentences"}
OPTIONAL_FIELDS = ("date", "context", "phenomena", "slice")
PAIR_FIELDS = ("actor", "mention", "target", "stance")
_TARGET_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class DataError(ValueError):
    """A data or configuration file breaks the schema; the message names the file and line."""


class InputError(ValueError):
    """Bad input to a public function or command; the message names the argument, or the file and line."""


@dataclass(frozen=True)
class Target:
    """A contested question: ``favor`` means support for the outcome in ``description``.

    Example:
        >>> Target("nato_membership", "Ukraine becoming a member of NATO").id
        'nato_membership'
    """

    id: str
    description: str


def default_targets_path() -> Path:
    """Path of the packaged target list (the five targets of the corpus)."""
    return Path(str(resources.files("stance") / "resources" / "targets.yaml"))


def load_targets(path: str | Path | None = None, extra: Iterable[dict] = ()) -> list[Target]:
    """Read targets from a YAML list of ``{id, description}`` (default: the packaged five).

    ``extra`` adds user targets (same shape); an extra target with an existing id replaces it.

    Example:
        >>> [t.id for t in load_targets()][:2]
        ['nato_membership', 'neutrality']
    """
    path = Path(path) if path else default_targets_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as err:
        raise DataError(f"{path}: cannot read targets: {err}") from err
    by_id: dict[str, Target] = {}
    for where, entries in ((str(path), raw), ("config key 'targets'", list(extra))):
        if not isinstance(entries, list):
            raise DataError(f"{where}: targets must be a list of {{id, description}}")
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or set(entry) != {"id", "description"}:
                raise DataError(f"{where}: target #{i + 1} must have exactly the keys id and description, got {entry!r}")
            tid, desc = entry["id"], entry["description"]
            if not isinstance(tid, str) or not _TARGET_ID.match(tid):
                raise DataError(f"{where}: target id {tid!r} must be lowercase letters, digits and underscores")
            if not isinstance(desc, str) or not desc.strip():
                raise DataError(f"{where}: target {tid!r} needs a non-empty description")
            by_id[tid] = Target(tid, desc.strip())
    return list(by_id.values())


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value, where: str) -> str | None:
    """``value`` if it is None or a real calendar date written YYYY-MM-DD (a ``datetime.date`` is
    written so), else InputError naming ``where``.

    >>> parse_date("2022-03-29", "date")
    '2022-03-29'
    >>> parse_date("2022-13-45", "predict: date")
    Traceback (most recent call last):
    ...
    stance.schema.InputError: predict: date must be a calendar date written YYYY-MM-DD, got '2022-13-45'
    """
    if value is None:
        return None
    if isinstance(value, _dt.datetime):  # e.g. a dates column as the datasets JSON loader parses it
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str) and _DATE.match(value):
        try:
            _dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise InputError(f"{where} must be a calendar date written YYYY-MM-DD, got {value!r}")


def check_text(value, where: str) -> str:
    """``value`` if it is a non-empty string that can be encoded as UTF-8, else an error naming ``where``."""
    if not isinstance(value, str):
        raise TypeError(f"{where} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InputError(f"{where} is empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InputError(f"{where} holds a character that is not valid text ({err.reason} at position {err.start}, "
                         f"{value[err.start]!r}); decode the input properly") from None
    return value


_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_LETTER = re.compile(r"[^\W\d_]")


def warn_if_not_english(text: str, where: str) -> bool:
    """Warn (once per call) when most letters of ``text`` are not Latin: the registry and the models
    read English, so actors and stances in other scripts are missed. Returns whether it warned."""
    letters = _LETTER.findall(text)
    if len(letters) >= 20 and len(_LATIN.findall(text)) < 0.5 * len(letters):
        import warnings

        warnings.warn(f"{where}: the text is mostly in a non-Latin script; the actor registry and the model read "
                      "English, so its actors and stances will be missed (translate it first)", stacklevel=3)
        return True
    return False


def check_target(target: str, targets: Iterable[Target]) -> str:
    """Return ``target`` if it is a known id, else raise a ValueError listing the valid ids."""
    ids = [t.id for t in targets]
    if target not in ids:
        raise InputError(f"unknown target {target!r}; valid targets: {', '.join(ids)}")
    return target


def _record_problems(rec: object, known_actors: set[str] | None, target_ids: set[str]) -> list[str]:
    if not isinstance(rec, dict):
        return [f"a record must be a JSON object, got {type(rec).__name__}"]
    problems = []
    for key in REQUIRED_FIELDS:
        if key not in rec or rec[key] is None:
            problems.append(f"missing required field {key!r}")
    unknown = set(rec) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS) - {"meta"}
    if unknown:
        problems.append(f"unknown field(s) {sorted(unknown)}")
    for key in ("id", "doc_id", "text"):
        if key in rec and rec[key] is not None and not isinstance(rec[key], str):
            problems.append(f"field {key!r} must be a string")
    text = rec.get("text")
    if isinstance(text, str) and not text.strip():
        problems.append("field 'text' is empty")
    if rec.get("context") is not None and not isinstance(rec["context"], str):
        problems.append("field 'context' must be a string")
    if rec.get("slice") is not None and not isinstance(rec["slice"], str):
        problems.append("field 'slice' must be a string (a name that groups records in evaluation reports)")
    if rec.get("date") is not None:
        try:
            parse_date(rec["date"], "field 'date'")
        except InputError as err:
            problems.append(str(err))
    phen = rec.get("phenomena", [])
    if not isinstance(phen, list) or any(p not in PHENOMENA for p in phen):
        problems.append(f"field 'phenomena' must be a list of {list(PHENOMENA)}, got {phen!r}")
    pairs = rec.get("pairs")
    if pairs is not None and not isinstance(pairs, list):
        problems.append("field 'pairs' must be a list")
        pairs = []
    seen = set()
    for j, pair in enumerate(pairs or []):
        where = f"pairs[{j}]"
        if not isinstance(pair, dict):
            problems.append(f"{where} must be an object")
            continue
        missing = [k for k in PAIR_FIELDS if k not in pair or pair[k] is None]
        if missing:
            problems.append(f"{where} missing field(s) {missing}")
            continue
        extra = set(pair) - set(PAIR_FIELDS)
        if extra:
            problems.append(f"{where} has unknown field(s) {sorted(extra)}")
        if pair["stance"] not in LABELS:
            problems.append(f"{where} has unknown stance {pair['stance']!r}; valid: {', '.join(LABELS)}")
        if target_ids and pair["target"] not in target_ids:
            problems.append(f"{where} has unknown target {pair['target']!r}; valid: {', '.join(sorted(target_ids))}")
        if known_actors is not None and pair["actor"] not in known_actors:
            problems.append(f"{where} has actor {pair['actor']!r} not in the actor registry")
        # An empty mention means "not named in the text" and is always valid.
        if isinstance(text, str) and isinstance(pair["mention"], str) and pair["mention"] and pair["mention"] not in text:
            problems.append(f"{where} mention {pair['mention']!r} does not occur in the text")
        key = (pair["actor"], pair["target"])
        if key in seen:
            problems.append(f"{where} repeats the pair {key}")
        seen.add(key)
    return problems


def _document_problems(rec: object) -> list[str]:
    """Problems of one line of a documents file (data/documents.jsonl: one document's description)."""
    if not isinstance(rec, dict):
        return [f"a document must be a JSON object, got {type(rec).__name__}"]
    problems = [f"document lacks {k!r}" for k in sorted(DOCUMENT_FIELDS) if k not in rec]
    if rec.get("date") is not None:
        try:
            parse_date(rec["date"], "field 'date'")
        except InputError as err:
            problems.append(str(err))
    if "sentences" in rec and not (isinstance(rec["sentences"], int) and rec["sentences"] > 0):
        problems.append(f"field 'sentences' must be the number of sentences, got {rec['sentences']!r}")
    return problems


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, object]]:
    """Yield ``(line_number, parsed_json)`` for each non-blank line; malformed JSON raises DataError."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        raise DataError(f"{path}: cannot open: {err}") from err
    with handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{path}:{lineno}: malformed JSON: {err.msg} (column {err.colno})") from err


def validate_file(
    path: str | Path,
    targets: Iterable[Target] | None = None,
    known_actors: set[str] | None = None,
) -> list[str]:
    """Check one JSON Lines file; return a list of ``file:line: problem`` strings (empty if valid).

    ``targets`` defaults to the packaged targets; ``known_actors``, when given, also checks that
    every pair's actor is a registry id (free-string actors are otherwise allowed).

    Example:
        >>> validate_file("data/train.jsonl")  # doctest: +SKIP
        []
    """
    target_ids = {t.id for t in (targets if targets is not None else load_targets())}
    problems: list[str] = []
    ids: dict[str, int] = {}
    records = 0
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        return [f"{path}: cannot read: {err}"]
    documents = False
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        records += 1
        try:  # every line is checked: a malformed line is one problem, not the end of the check
            rec = json.loads(line)
        except json.JSONDecodeError as err:
            problems.append(f"{path}:{lineno}: malformed JSON: {err.msg} (column {err.colno})")
            continue
        if records == 1:  # the first record decides the file's format
            documents = isinstance(rec, dict) and DOCUMENT_FIELDS <= set(rec) and "pairs" not in rec
        check = _document_problems(rec) if documents else _record_problems(rec, known_actors, target_ids)
        for p in check:
            problems.append(f"{path}:{lineno}: {p}")
        rid = rec.get("id") if isinstance(rec, dict) else None
        if isinstance(rid, str):
            if rid in ids:
                problems.append(f"{path}:{lineno}: duplicate id {rid!r} (first on line {ids[rid]})")
            ids.setdefault(rid, lineno)
    if records == 0 and not problems:
        problems.append(f"{path}: no records")
    return problems


def read_records(path: str | Path, targets: Iterable[Target] | None = None) -> list[dict]:
    """Read and validate a data file; raise DataError listing every problem with file:line.

    Example:
        >>> records = read_records("data/dev.jsonl")  # doctest: +SKIP
    """
    problems = validate_file(path, targets)
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise DataError(f"{len(problems)} problem(s) in {path}:\n  {shown}{more}")
    return [rec for _, rec in iter_jsonl(path)]

"""SemEval-2016 Task 6, subtask A (stance in tweets) as records of this package.

The official files are not shipped with this package (their terms forbid redistribution). Obtain
``stancedataset.zip`` from http://www.saifmohammad.com/WebPages/StanceDataset.htm and point the
reader at its ``data-all-annotations`` folder, which holds:

- ``trainingdata-all-annotations.txt`` (2,814 tweets, latin-1) and
  ``trialdata-all-annotations.txt`` (100 tweets): together the 2,914 official training tweets;
- ``testdata-taskA-all-annotations.txt``: the 1,249 test tweets with gold labels.

If you use the data, cite Mohammad, Kiritchenko, Sobhani, Zhu and Cherry (2016), "SemEval-2016
Task 6: Detecting Stance in Tweets", Proceedings of SemEval-2016.

Each tweet becomes one record with one pair: the actor is the tweet's author (the free string
:data:`AUTHOR`, with the empty mention: the author is not named in the text), the target one of
:data:`TARGET_IDS`, the stance ``favor``, ``against`` or ``none``. The files are TSV with a header
row, CRLF line ends and no quoting (a ``"`` is an ordinary character); every tweet ends with the
task marker ``#SemST``, which is removed.

Example:
    >>> paths = write_semeval("../shared/benchmarks/semeval2016", "runs/semeval2016/data")  # doctest: +SKIP
    >>> sorted(paths)  # doctest: +SKIP
    ['dev', 'test', 'train']
"""

from __future__ import annotations

import collections
import csv
import json
import random
import re
from pathlib import Path
from typing import Iterable, Sequence

from stance.schema import DataError

OFFICIAL_PAGE = "http://www.saifmohammad.com/WebPages/StanceDataset.htm"
CITATION = ("Saif M. Mohammad, Svetlana Kiritchenko, Parinaz Sobhani, Xiaodan Zhu and Colin Cherry. 2016. "
            "SemEval-2016 Task 6: Detecting Stance in Tweets. In Proceedings of SemEval-2016.")

#: The official file of each part, in the ``data-all-annotations`` folder of the official zip.
FILES: dict[str, str] = {
    "train": "trainingdata-all-annotations.txt",
    "trial": "trialdata-all-annotations.txt",
    "test": "testdata-taskA-all-annotations.txt",
}
#: The file's target name -> the target id used in records (descriptions come from the config).
TARGET_IDS: dict[str, str] = {
    "Atheism": "atheism",
    "Climate Change is a Real Concern": "climate_change",
    "Feminist Movement": "feminist_movement",
    "Hillary Clinton": "hillary_clinton",
    "Legalization of Abortion": "legalization_of_abortion",
}
LABEL_MAP: dict[str, str] = {"FAVOR": "favor", "AGAINST": "against", "NONE": "none"}
#: The actor of every pair: the tweet's author, who is not named in the text (empty mention).
AUTHOR = "the author"
MARKER = "#SemST"
REQUIRED_COLUMNS = ("ID", "Target", "Tweet", "Stance")
ENCODING = "latin-1"  # the training file is not valid UTF-8 (IDs 110 and 1828); the others are ASCII
_MARKER_RE = re.compile(r"\s*" + re.escape(MARKER) + r"\b")


class SemEvalDataError(DataError):
    """The official files are missing or a row is malformed; the message names the file and line."""


def _missing_message(what: str) -> str:
    return (f"{what}. The SemEval-2016 Task 6 data is not distributed with this package (its terms forbid "
            f"redistribution): download stancedataset.zip from {OFFICIAL_PAGE}, unzip it and pass its "
            f"data-all-annotations folder (holding {', '.join(FILES.values())}). "
            f"If you use the data, cite: {CITATION}")


def locate(data_dir: str | Path) -> dict[str, Path]:
    """The paths of the three official files in ``data_dir`` (or its ``data-all-annotations`` subfolder).

    Raises:
        SemEvalDataError: the folder or one of the files is missing; the message says where to get them.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise SemEvalDataError(_missing_message(f"SemEval-2016 data folder {data_dir} does not exist"))
    if not (data_dir / FILES["train"]).exists() and (data_dir / "data-all-annotations").is_dir():
        data_dir = data_dir / "data-all-annotations"
    paths = {part: data_dir / name for part, name in FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise SemEvalDataError(_missing_message(f"missing SemEval-2016 file(s): {', '.join(missing)}"))
    return paths


def clean_tweet(text: str) -> str:
    """The tweet without the ``#SemST`` task marker and surrounding whitespace."""
    return _MARKER_RE.sub("", text).strip()


def read_semeval_file(path: str | Path, part: str | None = None, actor: str = AUTHOR) -> list[dict]:
    """Read one official TSV file into records (one pair each); every malformed row is reported.

    Args:
        path: An official ``*-all-annotations.txt`` file.
        part: Stored as ``meta.part`` (train, trial, test); default the file name.
        actor: The actor string of every pair (the tweet's author).

    Raises:
        SemEvalDataError: the file is missing, lacks the header, or has malformed rows (``file:line``).
    """
    path = Path(path)
    if not path.is_file():
        raise SemEvalDataError(_missing_message(f"SemEval-2016 file {path} does not exist"))
    part = part or path.name
    problems: list[str] = []
    records: list[dict] = []
    seen: dict[str, int] = {}
    # newline="" keeps the CRLF for csv to handle; QUOTE_NONE: quotes are part of the tweets.
    with path.open(encoding=ENCODING, newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, None)
        if header is None:
            raise SemEvalDataError(f"{path}:1: empty file; expected the header {' '.join(REQUIRED_COLUMNS)} ...")
        header = [h.strip() for h in header]
        absent = [c for c in REQUIRED_COLUMNS if c not in header]
        if absent:
            raise SemEvalDataError(f"{path}:1: header {header!r} lacks the column(s) {absent}; is this an official "
                                   f"*-all-annotations.txt file of the SemEval-2016 Task 6 release?")
        col = {name: header.index(name) for name in header}
        for row in rows:
            lineno = rows.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                problems.append(f"{path}:{lineno}: expected {len(header)} tab-separated fields, found {len(row)}")
                continue
            rid, target, tweet, stance = (row[col[c]].strip() for c in REQUIRED_COLUMNS)
            row_problems = []
            if not rid.isdigit():
                row_problems.append(f"ID {rid!r} is not a number")
            if target not in TARGET_IDS:
                row_problems.append(f"unknown target {target!r}; expected one of {', '.join(TARGET_IDS)}")
            if stance not in LABEL_MAP:
                row_problems.append(f"unknown stance {stance!r}; expected one of {', '.join(LABEL_MAP)}")
            text = clean_tweet(tweet)
            if not text:
                row_problems.append("empty tweet")
            if rid in seen:
                row_problems.append(f"duplicate ID {rid} (first on line {seen[rid]})")
            if row_problems:
                problems.extend(f"{path}:{lineno}: {p}" for p in row_problems)
                continue
            seen[rid] = lineno
            meta = {"source": "semeval2016_task6a", "part": part, "line": lineno}
            for extra, key in (("Opinion towards", "opinion_towards"), ("Sentiment", "sentiment")):
                if extra in col:
                    meta[key] = row[col[extra]].strip()
            records.append({
                "id": f"semeval2016-{rid}", "doc_id": f"semeval2016-{rid}", "text": text, "context": "",
                "pairs": [{"actor": actor, "mention": "", "target": TARGET_IDS[target], "stance": LABEL_MAP[stance]}],
                "meta": meta,
            })
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise SemEvalDataError(f"{len(problems)} malformed row(s) in {path}:\n  {shown}{more}")
    if not records:
        raise SemEvalDataError(f"{path}: no tweets after the header")
    return records


def load_semeval(data_dir: str | Path, actor: str = AUTHOR) -> dict[str, list[dict]]:
    """``{"train": train + trial (2,914 tweets), "test": test (1,249 tweets)}`` from the official files."""
    paths = locate(data_dir)
    train = read_semeval_file(paths["trial"], "trial", actor) + read_semeval_file(paths["train"], "train", actor)
    ids = collections.Counter(r["id"] for r in train)
    clash = sorted(i for i, n in ids.items() if n > 1)
    if clash:
        raise SemEvalDataError(f"{paths['train']} and {paths['trial']} share the ID(s) {clash[:10]}")
    return {"train": train, "test": read_semeval_file(paths["test"], "test", actor)}


def stratified_split(records: Sequence[dict], dev_fraction: float = 0.1, seed: int = 2016) -> tuple[list[dict], list[dict]]:
    """Split off ``dev_fraction`` of the records, stratified by (target, stance) and seeded.

    Each stratum gives ``round(n * dev_fraction)`` records to dev; both parts keep the input order.
    """
    if not 0 < dev_fraction < 1:
        raise ValueError(f"dev_fraction must be between 0 and 1, got {dev_fraction}")
    strata: dict[tuple, list[int]] = collections.defaultdict(list)
    for i, rec in enumerate(records):
        pair = rec["pairs"][0]
        strata[(pair["target"], pair["stance"])].append(i)
    rng = random.Random(seed)
    dev_idx: set[int] = set()
    for key in sorted(strata):
        members = strata[key]
        rng.shuffle(members)
        dev_idx.update(members[:round(len(members) * dev_fraction)])
    return ([r for i, r in enumerate(records) if i not in dev_idx], [r for i, r in enumerate(records) if i in dev_idx])


def _write_jsonl(records: Iterable[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for rec in records:
            handle.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def write_semeval(data_dir: str | Path, out_dir: str | Path, dev_fraction: float = 0.1, seed: int = 2016,
                  actor: str = AUTHOR) -> dict[str, Path]:
    """Convert the official files into ``train.jsonl``, ``dev.jsonl`` and ``test.jsonl`` in ``out_dir``.

    train + dev are the 2,914 official training tweets (train + trial), dev a stratified, seeded
    carve-out of ``dev_fraction``; test is the 1,249 official test tweets. Returns the three paths.
    Keep ``out_dir`` out of version control (the data must not be redistributed).
    """
    data = load_semeval(data_dir, actor)
    train, dev = stratified_split(data["train"], dev_fraction, seed)
    out_dir = Path(out_dir)
    return {name: _write_jsonl(recs, out_dir / f"{name}.jsonl")
            for name, recs in (("train", train), ("dev", dev), ("test", data["test"]))}


def majority_labels(records: Iterable[dict]) -> dict[str, str]:
    """The most frequent stance of each target in ``records`` (ties: favor, against, none order)."""
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for rec in records:
        for pair in rec["pairs"]:
            counts[pair["target"]][pair["stance"]] += 1
    order = {"favor": 0, "against": 1, "none": 2}
    return {t: max(c, key=lambda l: (c[l], -order.get(l, 9))) for t, c in sorted(counts.items())}


__all__ = ["AUTHOR", "CITATION", "FILES", "LABEL_MAP", "OFFICIAL_PAGE", "SemEvalDataError", "TARGET_IDS",
           "clean_tweet", "load_semeval", "locate", "majority_labels", "read_semeval_file", "stratified_split",
           "write_semeval"]

"""Evaluation of a trained model on held-out data files.

Reports per-label precision/recall/F1, macro-F1 over the four labels, F_avg (mean F1 of favor and
against), breakdowns per target, actor and hard-case tag, the confusion matrix, and end-to-end
triple P/R/F1 when actors are detected from the raw text instead of given. The metrics come from
the local ``evaluate`` module in ``stance/metrics/stance_f1`` (no hub access).

Example:
    >>> report = evaluate_run("runs/default", "data/test.jsonl")  # doctest: +SKIP
    >>> print(format_report([report]))  # doctest: +SKIP
"""

from __future__ import annotations

import collections
import json
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from .data import record_pairs
from .model import StanceModel
from .schema import LABELS, read_records
from .scorers import Ensemble, labels_of, scorer_proba
from .scoring import SentenceInput, score_sentences

METRIC_PATH = Path(__file__).resolve().parent / "metrics" / "stance_f1"
MIN_ACTOR_SUPPORT = 10


@lru_cache(maxsize=1)
def load_metric():
    """The local stance metric module, loaded by path with ``evaluate.load``."""
    import evaluate

    return evaluate.load(str(METRIC_PATH))


def compute_metrics(predictions: Sequence[str], references: Sequence[str]) -> dict:
    """Per-label P/R/F1, macro-F1, F_avg, accuracy and confusion for label strings."""
    return load_metric().compute(predictions=list(predictions), references=list(references), labels=list(LABELS))


def _summary(m: dict) -> dict:
    return {"macro_f1": m["macro_f1"], "f_avg": m["f_avg"], "support": m["support"],
            "non_none": m["support"] - m["per_label"]["none"]["support"]}


def member_summary(m: dict) -> dict:
    """macro-F1, F_avg and per-label F1 of a metrics dict (as in a report's ``members``)."""
    return {"macro_f1": m["macro_f1"], "f_avg": m["f_avg"],
            "per_label_f1": {label: v["f1"] for label, v in m["per_label"].items()}}


def _prf(correct: int, predicted: int, gold: int) -> dict:
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "correct": correct, "predicted": predicted, "gold": gold}


def evaluate_run(model: str | Path | StanceModel, data: str | Path, batch_size: int = 64, end_to_end: bool = True) -> dict:
    """Evaluate a model (run directory or loaded) on one JSON Lines file; returns a JSON-able report."""
    model = model if isinstance(model, StanceModel) else StanceModel.from_pretrained(model)
    records = read_records(data, model.targets)
    examples = record_pairs(records)
    gold = [e.label for e in examples]
    members = {}
    if isinstance(model.scorer, Ensemble) and examples:
        # each member alone, from the scores the ensemble combines anyway (no second pass)
        member_probas = [scorer_proba(m, examples, batch_size) for m in model.scorer.scorers]
        proba = model.scorer.combine(member_probas)
        members = {name: member_summary(compute_metrics(labels_of(p), gold))
                   for name, p in zip(model.scorer.names, member_probas)}
    else:
        proba = model.predict_proba(examples, batch_size=batch_size)
    predicted = labels_of(proba)
    report = {"model": model.path, "model_type": model.kind, "data": str(data), "sentences": len(records),
              "pairs": len(examples), "overall": compute_metrics(predicted, gold)}
    if members:
        report["members"] = members
    warning = model.scorer.dominance_warning() if isinstance(model.scorer, Ensemble) else None
    if warning:
        report["warnings"] = [warning]

    def breakdown(key_of) -> dict:
        groups = collections.defaultdict(list)
        for ex, p, g in zip(examples, predicted, gold):
            for key in key_of(ex):
                groups[key].append((p, g))
        return {k: _summary(compute_metrics(*zip(*v))) for k, v in sorted(groups.items())}

    phenomena = {r["id"]: r.get("phenomena", []) for r in records}
    report["per_target"] = breakdown(lambda ex: [ex.target])
    per_actor = breakdown(lambda ex: [ex.actor])
    report["per_actor"] = {a: v for a, v in per_actor.items() if v["support"] >= MIN_ACTOR_SUPPORT}
    report["per_phenomenon"] = breakdown(lambda ex: phenomena.get(ex.record_id, []))
    slices = {r["id"]: r["slice"] for r in records if r.get("slice")}
    if slices:  # records that name a slice (e.g. the corpus's first-round documents) are also scored apart
        report["per_slice"] = breakdown(lambda ex: [slices[ex.record_id]] if ex.record_id in slices else [])
    # Sentences where one actor holds positions on several targets are a known weak spot (the
    # model tends to attach every demand of a list to the last one); scored as their own slice.
    multi = multi_target_actors(records)
    sliced = breakdown(lambda ex: ["multi_target"] if (ex.record_id, ex.actor) in multi else [])
    if sliced:
        report["multi_target"] = sliced["multi_target"]
    if end_to_end:  # pairs whose detected actor and mention match a gold pair reuse its probabilities
        known = {(e.record_id, e.actor, e.target, e.mention): row for e, row in zip(examples, proba)}
        report["end_to_end"] = _end_to_end(model, records, batch_size, known)
    return report


def multi_target_actors(records: Sequence[dict]) -> set[tuple[str, str]]:
    """(record id, actor) of every actor with gold positions on two or more targets in one sentence.

    Example:
        >>> rec = {"id": "d-s1", "pairs": [{"actor": "putin", "target": "donbas_independence", "stance": "favor"},
        ...        {"actor": "putin", "target": "demilitarization", "stance": "favor"}]}
        >>> multi_target_actors([rec])
        {('d-s1', 'putin')}
    """
    counts = collections.Counter((r["id"], p["actor"]) for r in records for p in r["pairs"] if p["stance"] != "none")
    return {key for key, n in counts.items() if n >= 2}


def _end_to_end(model: StanceModel, records: list[dict], batch_size: int, known: dict | None = None) -> dict:
    """Detect actors from raw text, predict every target, compare non-none triples with gold."""
    sentences = [SentenceInput(r["text"], r.get("context"), r.get("date"), record_id=r["id"]) for r in records]
    predictions = score_sentences(model, sentences, batch_size=batch_size, known=known)
    predicted = {(r["id"], p.actor, p.target, p.stance) for r, preds in zip(records, predictions) for p in preds}
    gold = {(r["id"], p["actor"], p["target"], p["stance"]) for r in records for p in r["pairs"] if p["stance"] != "none"}
    return {"triples": _prf(len(predicted & gold), len(predicted), len(gold)),
            "actor_detection": actor_detection(model.registry, records)["all"]}


def actor_detection(registry, records: Sequence[dict]) -> dict:
    """Actors the registry detects in each record (with its context and date) against the gold actors.

    Returns ``{"all": P/R/F1, "by_via": {how the actor was found: precision}, "by_phenomenon":
    {gold phenomenon tag: recall over the gold actors of sentences with that tag}, "errors": [(record id, "missed" | "false", actor, mention)]}``.

    Example:
        >>> from stance.actors import ActorRegistry
        >>> rec = {"id": "d-s1", "text": "Peskov said Kyiv must accept.", "pairs": [{"actor": "peskov"}]}
        >>> actor_detection(ActorRegistry.load(), [rec])["all"]["recall"]
        1.0
    """
    correct = predicted = gold_total = 0
    via = collections.defaultdict(lambda: [0, 0])  # how found: [correct, predicted]
    phenomenon = collections.defaultdict(lambda: [0, 0])  # gold tag: [correct, gold]
    errors = []
    for r in records:
        found = {}
        for m in registry.detect(r["text"], date=r.get("date"), context=r.get("context")):
            found.setdefault(m.actor, m)
        gold = {}
        for p in r["pairs"]:
            gold.setdefault(p["actor"], p.get("mention"))
        correct += len(found.keys() & gold.keys())
        predicted += len(found)
        gold_total += len(gold)
        for actor, m in found.items():
            via[m.via][0] += actor in gold
            via[m.via][1] += 1
            if actor not in gold:
                errors.append((r["id"], "false", actor, m.text))
        for actor, mention in gold.items():
            for tag in r.get("phenomena") or ():
                phenomenon[tag][0] += actor in found
                phenomenon[tag][1] += 1
            if actor not in found:
                errors.append((r["id"], "missed", actor, mention))
    return {"all": _prf(correct, predicted, gold_total),
            "by_via": {k: {"precision": c / n, "predicted": n} for k, (c, n) in sorted(via.items())},
            "by_phenomenon": {k: {"recall": c / n, "gold": n} for k, (c, n) in sorted(phenomenon.items())},
            "errors": errors}


def _fmt(x: float) -> str:
    return f"{x:.3f}"


def format_report(reports: Sequence[dict], names: Sequence[str] | None = None) -> str:
    """An aligned plain-text table of one or more reports on the same data, side by side."""
    names = list(names) if names else [Path(r["model"] or "model").name for r in reports]
    rows: list[list[str]] = [["metric", *names]]
    first = reports[0]
    rows.append(["macro-F1", *(_fmt(r["overall"]["macro_f1"]) for r in reports)])
    rows.append(["F_avg (favor, against)", *(_fmt(r["overall"]["f_avg"]) for r in reports)])
    rows.append(["accuracy", *(_fmt(r["overall"]["accuracy"]) for r in reports)])
    for label in LABELS:
        support = first["overall"]["per_label"][label]["support"]
        rows.append([f"{label} P/R/F1 (n={support})", *(
            "/".join(_fmt(r["overall"]["per_label"][label][k]) for k in ("precision", "recall", "f1")) for r in reports)])
    for t in first["per_target"]:
        rows.append([f"target {t}: macro-F1 / F_avg", *(
            f"{_fmt(r['per_target'][t]['macro_f1'])} / {_fmt(r['per_target'][t]['f_avg'])}" if t in r["per_target"] else "-"
            for r in reports)])
    for p, v in first.get("per_phenomenon", {}).items():
        rows.append([f"tag {p} (n={v['support']}): macro-F1", *(
            _fmt(r["per_phenomenon"][p]["macro_f1"]) if p in r.get("per_phenomenon", {}) else "-" for r in reports)])
    for name, v in first.get("per_slice", {}).items():
        rows.append([f"slice {name} (n={v['support']}): macro-F1 / F_avg", *(
            f"{_fmt(r['per_slice'][name]['macro_f1'])} / {_fmt(r['per_slice'][name]['f_avg'])}"
            if name in r.get("per_slice", {}) else "-" for r in reports)])
    if "multi_target" in first:
        rows.append([f"multi-target actors (n={first['multi_target']['support']}): macro-F1 / F_avg", *(
            f"{_fmt(r['multi_target']['macro_f1'])} / {_fmt(r['multi_target']['f_avg'])}" if "multi_target" in r else "-"
            for r in reports)])
    if all("end_to_end" in r for r in reports):
        rows.append(["end-to-end triples P/R/F1", *(
            "/".join(_fmt(r["end_to_end"]["triples"][k]) for k in ("precision", "recall", "f1")) for r in reports)])
        rows.append(["actor detection P/R/F1", *(
            "/".join(_fmt(r["end_to_end"]["actor_detection"][k]) for k in ("precision", "recall", "f1")) for r in reports)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    head = f"{first['data']}: {first['sentences']} sentences, {first['pairs']} pairs"
    lines = [head]
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_confusion(report: dict) -> str:
    """The confusion matrix as an aligned table (rows gold, columns predicted)."""
    m = report["overall"]
    width = max(7, *(len(l) for l in m["labels"]))
    lines = ["gold \\ pred".ljust(width) + "".join(l.rjust(width + 1) for l in m["labels"])]
    for label, row in zip(m["labels"], m["confusion"]):
        lines.append(label.ljust(width) + "".join(str(v).rjust(width + 1) for v in row))
    return "\n".join(lines)


def plot_confusion(report: dict, path: str | Path) -> Path:
    """Save the confusion matrix as a PNG heat map; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = report["overall"]
    fig, ax = plt.subplots(figsize=(4.8, 4.2), dpi=120)
    ax.imshow(m["confusion"], cmap="Blues")
    ax.set_xticks(range(len(m["labels"])), m["labels"])
    ax.set_yticks(range(len(m["labels"])), m["labels"])
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = max(max(r) for r in m["confusion"]) or 1
    for i, row in enumerate(m["confusion"]):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if v > top / 2 else "black")
    ax.set_title(f"{Path(report['data']).name}: macro-F1 {m['macro_f1']:.3f}", fontsize=9)
    from .reports import save_figure

    return save_figure(fig, path)


def save_report(report: dict, path: str | Path) -> None:
    Path(path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

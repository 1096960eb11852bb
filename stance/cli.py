"""The ``stance`` command line: train, evaluate, predict, validate.

    stance train CONFIG [section.key=value ...]
    stance evaluate RUN --data FILE.jsonl [--data FILE2.jsonl] [--compare RUN2] [--json OUT.json] [--png DIR]
    stance predict RUN "text" [--actor ACTOR] [--target TARGET] [--context TEXT] [--all]
    stance validate DATA.jsonl ...
    stance analyze FILE ... [--format table|jsonl|csv] [--rollup] [--sentences] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_train(args) -> int:
    # Only the command line composes the library with the training entry points.
    from training.train import main as train_main

    return train_main([args.config, *args.overrides])


def _cmd_evaluate(args) -> int:
    from .evaluate import evaluate_run, format_confusion, format_report, plot_confusion
    from .model import StanceModel

    from .schema import InputError

    # Output paths are checked before the work: a mistake costs nothing.
    if args.png and Path(args.png).exists() and not Path(args.png).is_dir():
        raise InputError(f"--png {args.png}: exists and is not a folder")
    if args.json:
        if Path(args.json).is_dir():
            raise InputError(f"--json {args.json}: is a folder; give a file name")
        try:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"--json {args.json}: cannot create its folder ({err.strerror})") from None
    runs = [args.run, *args.compare]
    models = [StanceModel.from_pretrained(r) for r in runs]
    out = {}
    for data in args.data:
        reports = [evaluate_run(m, data, batch_size=args.batch_size) for m in models]
        for run, report in zip(runs, reports):
            for warning in report.get("warnings", []) if data == args.data[0] else []:
                print(f"warning: {run}: {warning}", file=sys.stderr)
        print(format_report(reports, names=[Path(r).name for r in runs]))
        print("\nconfusion matrix of " + Path(runs[0]).name + " (rows gold, columns predicted):")
        print(format_confusion(reports[0]) + "\n")
        if args.png:
            for run, report in zip(runs, reports):
                png = plot_confusion(report, Path(args.png) / f"confusion_{Path(run).name}_{Path(data).stem}.png")
                print(f"confusion matrix PNG: {png}")
        out[data] = {run: report for run, report in zip(runs, reports)}
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(f"JSON report: {args.json}")
    return 0


def _cmd_predict(args) -> int:
    from .predict import predict

    preds = predict(args.text, actor=args.actor, target=args.target, context=args.context, model=args.run,
                    include_none=args.all, date=args.date, quantize=args.quantize)
    if args.json:
        for p in preds:
            print(json.dumps({"actor": p.actor, "mention": p.mention, "target": p.target, "stance": p.stance,
                              "score": round(p.score, 4), "scores": {k: round(v, 4) for k, v in p.scores.items()}}))
        return 0
    if not preds:
        print("no stance found (use --all to list none predictions)")
    for p in preds:
        print(f"{p.actor:<16} {p.target:<20} {p.stance:<8} {p.score:.3f}   mention: {p.mention!r}")
    return 0


def _cmd_validate(args) -> int:
    from .actors import ActorRegistry
    from .schema import load_targets, validate_file

    targets = load_targets(args.targets, ())
    known = None if args.any_actor else set(ActorRegistry.load(*args.actors).actors)
    bad = 0
    for path in args.files:
        problems = validate_file(path, targets, known)
        for p in problems:
            print(p)
        print(f"{path}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
        bad += len(problems)
    return 1 if bad else 0


def _cmd_analyze(args) -> int:
    from itertools import chain

    from .analyze import aggregate, analyze_many
    from .documents import read_documents
    from .predict import load_model
    from .reports import document_summary, format_sentences, format_table, plot_heatmap, write_dna_csv, write_jsonl
    from .schema import InputError

    # Every output path is checked before any work; statements are appended as documents finish.
    out = Path(args.out) if args.out else None
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError(f"--out {out}: exists and is not a folder")
        try:
            out.mkdir(parents=True, exist_ok=True)
            jsonl = open(out / "statements.jsonl", "w", encoding="utf-8")
            dna = open(out / "statements_dna.csv", "w", encoding="utf-8", newline="")
        except OSError as err:
            raise InputError(f"--out {out}: cannot write there ({err.strerror})") from None
        write_dna_csv([], dna)  # the header
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm comes with transformers; the bar is a convenience
        tqdm = None
    to_stdout = args.format == "jsonl" and not out
    bar = tqdm(desc="analysing", unit=" sentences") if tqdm and not to_stdout else None
    model = load_model(args.model, quantize=args.quantize)
    docs = chain.from_iterable(read_documents(p) for p in args.files)
    results, interrupted, done = [], False, [0]

    def chunk_done(n: int, found: list) -> None:  # statements reach the outputs chunk by chunk
        done[0] += n
        if bar is not None:
            bar.update(n)
        if to_stdout:
            for st in found:
                print(json.dumps(st.__dict__, ensure_ascii=False), flush=True)
        if out is not None:
            write_jsonl(found, jsonl)
            write_dna_csv(found, dna, include_neutral=args.include_neutral, header=False)
            jsonl.flush()
            dna.flush()

    try:
        for result in analyze_many(docs, model, include_none=args.sentences, progress=chunk_done):
            results.append(result)
            if args.format == "table" and args.sentences:
                print(f"== {result.doc_id} ==\n{format_sentences(result)}\n")
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if bar is not None:
            bar.close()
        if out is not None:
            jsonl.close()
            dna.close()
    statements = [st for r in results for st in r.statements]
    cells = aggregate(statements, rollup=args.rollup)
    if args.format == "table":
        print(format_table(cells))
        if len(results) > 1:
            print("\n" + document_summary(results))
    elif args.format == "csv" and not out:
        write_dna_csv(statements, sys.stdout, include_neutral=args.include_neutral)
    if out is not None:
        (out / "table.json").write_text(json.dumps([c.__dict__ for c in cells], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (out / "documents.txt").write_text(document_summary(results) + "\n", encoding="utf-8")
        written = ["statements.jsonl", "statements_dna.csv", "table.json", "documents.txt"]
        if cells:
            plot_heatmap(cells, out / "heatmap.png")
            written.append("heatmap.png")
        print(f"wrote {', '.join(written)} to {out}", file=sys.stderr)
    if interrupted:
        print(f"stance analyze: interrupted; {len(results)} document(s) and {done[0]} sentences done"
              + (f", their results are in {out}" if out is not None else ""), file=sys.stderr)
        return 130
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stance", description="Actor-stance classification for news text.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train and evaluate a run from a YAML config")
    p.add_argument("config")
    p.add_argument("overrides", nargs="*", help="section.key=value, e.g. training.epochs=2")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("evaluate", help="evaluate runs on held-out data files")
    p.add_argument("run")
    p.add_argument("--data", action="append", required=True, help="JSON Lines file (repeatable)")
    p.add_argument("--compare", action="append", default=[], help="another run to show side by side (repeatable)")
    p.add_argument("--json", help="write the full reports as JSON here")
    p.add_argument("--png", help="write confusion-matrix PNGs into this directory")
    p.add_argument("--batch-size", type=int, default=64)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("predict", help="stances in one sentence")
    p.add_argument("run", help="run directory")
    p.add_argument("text")
    p.add_argument("--actor")
    p.add_argument("--target")
    p.add_argument("--context")
    p.add_argument("--date", help="YYYY-MM-DD, resolves dated role phrases")
    p.add_argument("--all", action="store_true", help="also list none predictions")
    p.add_argument("--json", action="store_true", help="one JSON object per prediction")
    p.add_argument("--quantize", choices=["int8"], help="score with the dynamically quantized model (faster on CPU)")
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("analyze", help="actor x target stances of whole articles, with evidence and exports")
    p.add_argument("files", nargs="+", help="plain-text articles or JSON Lines of {doc_id, date, text}")
    p.add_argument("--model", help="run directory (default: the default run)")
    p.add_argument("--format", choices=["table", "jsonl", "csv"], default="table")
    p.add_argument("--rollup", action="store_true", help="count persons under their affiliation (putin -> russia)")
    p.add_argument("--sentences", action="store_true", help="also list every sentence with its resolved actors")
    p.add_argument("--include-neutral", action="store_true", help="keep neutral statements in the DNA CSV")
    p.add_argument("--out", help="directory for statements.jsonl, statements_dna.csv, table.json, heatmap.png")
    p.add_argument("--quantize", choices=["int8"], help="score with the dynamically quantized model (faster on CPU)")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("validate", help="check data files against the schema (file:line for every problem)")
    p.add_argument("files", nargs="+")
    p.add_argument("--targets", help="targets YAML (default: the packaged targets)")
    p.add_argument("--actors", action="append", default=[], help="extra actor registry files")
    p.add_argument("--any-actor", action="store_true",
                   help="allow actors that are not registry ids (free strings); by default every actor must be one")
    p.set_defaults(func=_cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .encoder import EncoderError
    from .schema import DataError, InputError
    from .scorers import RunError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataError, EncoderError, InputError, RunError) as err:
        # Expected errors (bad input, a damaged run) get one line naming the place; anything else is
        # a bug and keeps its traceback.
        print(f"stance {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

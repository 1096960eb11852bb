import csv
import json

import pytest

from stance.analyze import Statement, aggregate, analyze, analyze_dataset, analyze_many
from stance.documents import read_documents, split_sentences
from stance.reports import document_summary, format_sentences, format_table, plot_heatmap, write_dna_csv, write_jsonl
from stance.cli import main

from .conftest import SEED_ARTICLE

SEED = SEED_ARTICLE
ARTICLE = """Talks resumed in Istanbul

Russia demands that Ukraine never join NATO. The U.S. said it rejects that demand.

Another member of the delegation, Zelenskyj's adviser Mykhailo Podoljak, is cautiously optimistic.

– We continue tomorrow. This is a slow process. But there is room for compromise, he tweets.
"""


def test_split_sentences_keeps_abbreviations_and_paragraphs():
    parts = split_sentences(ARTICLE)
    texts = [t for _, t in parts]
    assert texts[0] == "Talks resumed in Istanbul"
    assert "The U.S. said it rejects that demand." in texts
    assert texts[-1] == "But there is room for compromise, he tweets."
    assert parts[-1][0] == parts[-3][0]  # the quote's sentences share a paragraph


def test_quote_and_pronoun_resolve_to_the_adviser(baseline_run):
    doc = analyze({"doc_id": "a", "date": "2022-03-16", "text": ARTICLE}, baseline_run, include_none=True)
    by_text = {s.text: s for s in doc.sentences}
    for text in ("– We continue tomorrow.", "This is a slow process.", "But there is room for compromise, he tweets."):
        assert [a["actor"] for a in by_text[text].actors] == ["podolyak"], text
    # "We" inside the quote stands for its speaker (guidelines 6.2); the rest of the quote block is his by attribution
    assert by_text["– We continue tomorrow."].actors[0]["via"] == "pronoun"
    assert by_text["This is a slow process."].actors[0]["via"] == "quote"
    assert by_text["Talks resumed in Istanbul"].actors == []
    listing = format_sentences(doc)
    assert "podolyak (quote: 'he')" in listing
    # every resolved actor is scored on every target when none is included; a quote's speaker once,
    # on the attribution sentence
    assert all(len(s.predictions) == 5 * sum(a["via"] != "quote" for a in s.actors) for s in doc.sentences)
    assert len(by_text["But there is room for compromise, he tweets."].predictions) == 5


def statements():
    mk = lambda actor, aff, target, stance, score, i=0: Statement("d1", "2022-03-16", i, f"sentence {i}", actor, actor, aff, target, stance, score)
    return [mk("putin", "russia", "neutrality", "favor", 0.9, 1), mk("russia", "russia", "neutrality", "favor", 0.8, 2),
            mk("russia", "russia", "neutrality", "against", 0.2, 3), mk("kuleba", "ukraine", "neutrality", "against", 0.7, 4),
            mk("zelensky", "ukraine", "nato_membership", "neutral", 0.6, 5)]


def test_aggregate_counts_positions_and_rollup():
    cells = {(c.actor, c.target): c for c in aggregate(statements())}
    russia = cells[("russia", "neutrality")]
    assert russia.counts == {"favor": 1, "against": 1, "neutral": 0}
    assert russia.position == pytest.approx((0.8 - 0.2) / 1.0) and russia.stance == "favor"
    assert russia.evidence[0]["sentence"] == "sentence 2"  # highest score first
    assert cells[("zelensky", "nato_membership")].stance == "neutral"
    rolled = {(c.actor, c.target): c for c in aggregate(statements(), rollup=True)}
    assert rolled[("russia", "neutrality")].counts["favor"] == 2
    assert ("putin", "neutrality") not in rolled
    assert "evidence: sentence 2" in format_table(aggregate(statements()))


def test_exports_and_heatmap(tmp_path):
    sts = statements()
    assert write_jsonl(sts, tmp_path / "s.jsonl") == 5
    first = json.loads((tmp_path / "s.jsonl").read_text().splitlines()[0])
    assert {"doc_id", "sentence", "actor", "affiliation", "target", "stance", "score"} <= set(first)
    assert write_dna_csv(sts, tmp_path / "s.csv") == 4  # neutral left out of the binary agreement
    rows = list(csv.DictReader(open(tmp_path / "s.csv", encoding="utf-8")))
    assert list(rows[0]) == ["document", "date", "actor", "affiliation", "concept", "agreement", "text"]
    assert {r["agreement"] for r in rows} == {"yes", "no"}
    assert write_dna_csv(sts, tmp_path / "n.csv", include_neutral=True) == 5
    png = plot_heatmap(aggregate(sts), tmp_path / "h.png")
    from PIL import Image

    with Image.open(png) as image:  # the heat map opens as a real image of plausible size
        assert image.format == "PNG" and image.size[0] > 200 and image.size[1] > 150


def test_streaming_and_dataset_map(baseline_run, tmp_path):
    path = tmp_path / "docs.jsonl"
    # A sentence of the fixture corpus, so that even the tiny baseline finds statements in it.
    text = ARTICLE + "\nPutin also demands that the breakaway republics of Donetsk and Luhansk be recognized as independent."
    path.write_text("".join(json.dumps({"doc_id": f"d{i}", "date": "2022-03-16", "text": text}) + "\n" for i in range(5)))
    results = list(analyze_many(read_documents(path), baseline_run, docs_per_batch=2))
    assert [r.doc_id for r in results] == [f"d{i}" for i in range(5)]
    assert "d4" in document_summary(results)
    from datasets import load_dataset

    ds = load_dataset("json", data_files=str(path), split="train")
    out = analyze_dataset(ds, baseline_run, batch_size=2)
    assert len(out) == sum(len(r.statements) for r in results) > 0
    assert set(out.column_names) >= {"doc_id", "actor", "target", "stance", "score"}


def test_bad_documents_are_located(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"doc_id": "a", "text": "ok"}\n{"doc_id": "b"}\n')
    with pytest.raises(ValueError, match=r"docs.jsonl:2: a document needs a 'text'"):
        list(read_documents(path))


def test_cli_analyze_writes_every_export(baseline_run, tmp_path, capsys):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    assert main(["analyze", str(article), "--model", str(baseline_run), "--out", str(tmp_path / "out"), "--sentences"]) == 0
    assert "actors:" in capsys.readouterr().out
    for name in ("statements.jsonl", "statements_dna.csv", "table.json", "documents.txt"):
        assert (tmp_path / "out" / name).is_file()
    assert main(["analyze", str(article), "--model", str(baseline_run), "--format", "jsonl"]) == 0
    lines = [json.loads(l) for l in capsys.readouterr().out.splitlines() if l.startswith("{")]
    assert all({"doc_id", "sentence", "actor", "affiliation", "target", "stance", "score"} <= set(l) for l in lines)


@pytest.mark.skipif(not SEED.exists(), reason=f"the seed article ({SEED_ARTICLE}) is not present")
def test_seed_article_resolves_the_quote_to_podolyak(baseline_run):
    doc = analyze({"doc_id": "seed", "date": "2022-03-16", "text": SEED.read_text(encoding="utf-8")}, baseline_run)
    quote = next(s for s in doc.sentences if s.text.startswith("– We continue tomorrow"))
    assert [a["actor"] for a in quote.actors] == ["podolyak"]

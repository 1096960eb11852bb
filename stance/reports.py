"""Reports of an analysis: text tables, exports (JSON Lines, DNA CSV) and figures.

Writers take a path or an open text file, so results can stream to a file, stdout or a buffer.

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> write_dna_csv([], out)
    0
    >>> out.getvalue().strip()
    'document,date,actor,affiliation,concept,agreement,text'
"""

from __future__ import annotations

import collections
import contextlib
import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import IO, Iterable, Sequence


@contextlib.contextmanager
def _opened(target: str | Path | IO[str]):
    if hasattr(target, "write"):
        yield target
    else:
        with open(target, "w", encoding="utf-8", newline="") as f:
            yield f


def format_table(cells: Sequence, evidence: bool = True) -> str:
    """Aligned text table of an aggregation, one row per cell, with its best evidence sentence."""
    rows = [["actor", "target", "stance", "position", "favor", "against", "neutral"]]
    for c in cells:
        rows.append([c.actor, c.target, c.stance, f"{c.position:+.2f}", *(str(c.counts[l]) for l in ("favor", "against", "neutral"))])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(v.ljust(widths[i]) for i, v in enumerate(r)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
        elif evidence and cells[n - 1].evidence:
            ev = cells[n - 1].evidence[0]["sentence"]
            lines.append("    evidence: " + (ev if len(ev) < 160 else ev[:157] + "..."))
    return "\n".join(lines)


def format_sentences(doc) -> str:
    """Per-sentence listing: every sentence with its resolved actors and non-none stances."""
    lines = []
    for s in doc.sentences:
        actors = ", ".join(f"{a['actor']} ({a['via']}: {a['mention']!r})" for a in s.actors) or "-"
        lines.append(f"[{s.index}] {s.text}")
        lines.append(f"     actors: {actors}")
        for p in s.predictions:
            if p["stance"] != "none":
                lines.append(f"     {p['actor']} / {p['target']}: {p['stance']} ({p['score']:.2f})")
    return "\n".join(lines)


def write_jsonl(statements: Iterable, path: str | Path | IO[str]) -> int:
    """One JSON object per statement; returns how many were written."""
    n = 0
    with _opened(path) as f:
        for st in statements:
            f.write(json.dumps(asdict(st), ensure_ascii=False) + "\n")
            n += 1
    return n


DNA_COLUMNS = ["document", "date", "actor", "affiliation", "concept", "agreement", "text"]


def write_dna_csv(statements: Iterable, path: str | Path | IO[str], include_neutral: bool = False,
                  header: bool = True) -> int:
    """Statements in the shape discourse network analysis tools import: one row per statement with
    document, date, actor (person), affiliation (organization), concept (target), agreement (yes/no)
    and the sentence. DNA's agreement qualifier is binary, so neutral statements are left out unless
    ``include_neutral`` (then written as ``neutral``)."""
    n = 0
    with _opened(path) as f:
        writer = csv.writer(f)
        if header:  # appending to an open file: the header was written once, first
            writer.writerow(DNA_COLUMNS)
        for st in statements:
            if st.stance == "neutral" and not include_neutral:
                continue
            agreement = {"favor": "yes", "against": "no"}.get(st.stance, "neutral")
            writer.writerow([st.doc_id, st.date or "", st.actor, st.affiliation, st.target, agreement, st.sentence])
            n += 1
    return n


def plot_heatmap(cells: Sequence, path: str | Path, title: str = "actor × target positions") -> Path:
    """Actor × target heat map of confidence-weighted positions (−1 against … +1 favor) as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    actors = sorted({c.actor for c in cells})
    targets = sorted({c.target for c in cells})
    grid = np.full((len(actors), len(targets)), np.nan)
    counts = {}
    for c in cells:
        grid[actors.index(c.actor), targets.index(c.target)] = c.position
        counts[(c.actor, c.target)] = sum(c.counts.values())
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * max(1, len(targets)), 1.0 + 0.38 * max(1, len(actors))), dpi=120)
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(len(targets)), [t.replace("_", "\n") for t in targets], fontsize=8)
    ax.set_yticks(range(len(actors)), actors, fontsize=8)
    for (a, t), n in counts.items():
        ax.text(targets.index(t), actors.index(a), f"{grid[actors.index(a), targets.index(t)]:+.1f}\n(n={n})",
                ha="center", va="center", fontsize=6)
    fig.colorbar(image, ax=ax, label="against  ←  position  →  favor", shrink=0.8)
    ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def document_summary(docs: Sequence) -> str:
    """Per-document summary table: sentences, actors, statements, and stance counts."""
    rows = [["doc_id", "date", "sentences", "actors", "statements", "favor", "against", "neutral"]]
    for d in docs:
        c = collections.Counter(s.stance for s in d.statements)
        rows.append([d.doc_id, d.date or "-", str(len(d.sentences)), str(len({a['actor'] for s in d.sentences for a in s.actors})),
                     str(len(d.statements)), str(c["favor"]), str(c["against"]), str(c["neutral"])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(widths[i]) for i, v in enumerate(r)) for r in rows)




def save_figure(fig, path: str | Path) -> Path:
    """Lay out, write (creating the folder) and close a matplotlib figure; returns the path."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


__all__ = ["DNA_COLUMNS", "document_summary", "format_sentences", "format_table", "plot_heatmap", "save_figure",
           "write_dna_csv", "write_jsonl"]

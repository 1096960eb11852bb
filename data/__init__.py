"""The corpus tools (python data/corpus.py ...), importable as data.corpus from the repository root."""

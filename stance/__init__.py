"""stance: who takes which position on which contested question, read from news sentences.

Example:
    >>> from stance import predict
    >>> predict("Russia demands that Ukraine never join NATO.")  # doctest: +SKIP
"""

from .actors import ActorRegistry, Mention
from .data import InputFormatter, InputSettings, PairExample
from .evaluate import evaluate_run
from .model import StanceModel
from .predict import load_model, predict
from .schema import LABELS, DataError, InputError, Target, load_targets, read_records, validate_file
from .scorers import Ensemble, RunError, TransformerScorer, register_scorer
from .scoring import Prediction, SentenceInput, score_sentences

__version__ = "0.1.0"

__all__ = ["ActorRegistry", "DataError", "Ensemble", "InputError", "InputFormatter", "InputSettings", "LABELS",
           "Mention", "PairExample", "Prediction", "RunError", "SentenceInput", "StanceModel", "Target",
           "TransformerScorer", "evaluate_run", "load_model", "load_targets", "predict", "read_records",
           "register_scorer", "score_sentences", "validate_file", "__version__"]

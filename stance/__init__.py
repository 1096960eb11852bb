"""stance: who takes which position on which contested question, read from news sentences.

Example:
    >>> from stance import predict
    >>> predict("Russia demands that Ukraine never join NATO.")  # doctest: +SKIP
"""

from .actors import ActorRegistry, Mention
from .model import RunError, StanceModel
from .predict import Prediction, load_model, predict
from .schema import LABELS, DataError, Target, load_targets, read_records, validate_file

__version__ = "0.1.0"


def evaluate_run(*args, **kwargs):
    """Evaluate a run on a data file; see :func:`stance.evaluate.evaluate_run`."""
    from .evaluate import evaluate_run as _evaluate_run

    return _evaluate_run(*args, **kwargs)


__all__ = ["ActorRegistry", "DataError", "LABELS", "Mention", "Prediction", "RunError", "StanceModel", "Target",
           "evaluate_run", "load_model", "load_targets", "predict", "read_records", "validate_file", "__version__"]

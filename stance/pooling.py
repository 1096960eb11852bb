"""A stance classifier on the mean of an encoder's token vectors.

Sentence-transformers encoders such as all-MiniLM-L6-v2 were trained to represent an input by the
mean of its token vectors; their ``[CLS]`` vector and pooler layer were never trained for that. A
``transformers`` sequence classifier reads ``[CLS]`` through the pooler, so fine-tuning has to teach
both first. :class:`MeanPoolingClassifier` reads the masked mean instead, through dropout and a
linear ``classifier`` head (the layer the ``none`` calibration adjusts).

A saved model is the encoder as a standard checkpoint (``config.json`` with ``id2label`` and
``model.safetensors``; it loads with ``AutoModel``) and the head in ``head.safetensors``.

Example:
    >>> model = MeanPoolingClassifier.from_encoder("path/to/encoder", {0: "none", 1: "favor"})  # doctest: +SKIP
    >>> model.save_pretrained("run"); MeanPoolingClassifier.from_pretrained("run")  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModel
from transformers.modeling_outputs import SequenceClassifierOutput

HEAD_FILE = "head.safetensors"


class MeanPoolingClassifier(torch.nn.Module):
    """``encoder`` (an ``AutoModel``) -> masked mean of the last hidden states -> dropout -> linear."""

    def __init__(self, encoder):
        super().__init__()
        if getattr(encoder, "pooler", None) is not None:
            encoder.pooler = None  # unused: its parameters would get no gradient (an error under DDP)
        self.encoder = encoder
        self.config = encoder.config
        self.dropout = torch.nn.Dropout(getattr(self.config, "hidden_dropout_prob", 0.1))
        self.classifier = torch.nn.Linear(self.config.hidden_size, len(self.config.id2label))
        # the encoder's own initialisation for new layers (BERT: normal, std 0.02)
        std = getattr(self.config, "initializer_range", 0.02)
        torch.nn.init.normal_(self.classifier.weight, std=std)
        torch.nn.init.zeros_(self.classifier.bias)

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None):
        inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:  # encoders without segment embeddings do not take the argument
            inputs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**inputs).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        logits = self.classifier(self.dropout(pooled))
        loss = torch.nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return SequenceClassifierOutput(loss=loss, logits=logits)

    @classmethod
    def from_encoder(cls, path: str | Path, id2label: dict[int, str]) -> "MeanPoolingClassifier":
        """A new classifier (head initialised at random) on the encoder checkpoint at ``path``."""
        config = AutoConfig.from_pretrained(path, id2label=id2label, label2id={v: k for k, v in id2label.items()})
        return cls(_load_encoder(path, config))

    def save_pretrained(self, directory: str | Path) -> None:
        from safetensors.torch import save_file

        self.encoder.save_pretrained(str(directory))
        save_file({k: v.detach().contiguous().cpu() for k, v in self.classifier.state_dict().items()},
                  str(Path(directory) / HEAD_FILE))

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> "MeanPoolingClassifier":
        from safetensors.torch import load_file

        directory = Path(directory)
        model = cls(_load_encoder(directory, AutoConfig.from_pretrained(directory)))
        model.classifier.load_state_dict(load_file(str(directory / HEAD_FILE)))
        return model


def _load_encoder(path, config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:  # BERT and RoBERTa build a pooler unless told not to; it would be unused here
            return AutoModel.from_pretrained(path, config=config, add_pooling_layer=False)
        except TypeError:
            return AutoModel.from_pretrained(path, config=config)

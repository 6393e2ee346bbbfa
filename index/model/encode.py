#!/usr/bin/env python3
"""Pure-Python reference encoder for the Switchboard static embedding model.

Standard library only (no numpy). This is the executable definition of the
query/document encoder that the Rust side reimplements; README.md describes
the same algorithm in prose. It is also used by distill.py to tokenize the
sanity-check sentences and to write golden.json.

Usage:
    python3 encode.py --model-dir index/model "some text"      # print ids + vector head
    python3 encode.py --model-dir index/model --golden out.json  # (re)write golden vectors
"""
from __future__ import annotations

import argparse
import array
import json
import math
import os
import struct
import sys
import unicodedata

MAGIC = b"SBSE"
FORMAT_VERSION = 1
MAX_CHARS_PER_WORD = 100
UNK = "[UNK]"

GOLDEN_TEXTS = [
    "weather in Paris tomorrow",
    "Create a GitHub pull request",
    "Analyze Apple's stock for the past year and summarize it in a PPT in /root/ppt/apple.pptx",
    "naïve café RÉSUMÉ",
    "",
    "k8s pods",
    "x",
]


# ---------------------------------------------------------------------------
# Tokenizer: BERT uncased basic tokenization + greedy WordPiece
# ---------------------------------------------------------------------------

def load_vocab(path: str) -> list[str]:
    """vocab.txt: one token per line, line i (0-based) = token id i. Split on '\\n' only."""
    with open(path, "rb") as f:
        data = f.read().decode("utf-8")
    tokens = data.split("\n")
    if tokens and tokens[-1] == "":
        tokens.pop()
    return tokens


def is_whitespace(ch: str) -> bool:
    """Word separators: tab, LF, CR, and the Unicode space/line/paragraph separators (Zs, Zl, Zp)."""
    return ch in "\t\n\r" or unicodedata.category(ch) in ("Zs", "Zl", "Zp")


def is_removed(ch: str) -> bool:
    """Characters BERT deletes before splitting: U+0000, U+FFFD and every other-category (C*)
    character (Cc, Cf, Cn, Co, Cs) except tab/LF/CR. Deleting (not separating) means
    "co<U+00AD>operate" (soft hyphen) stays one word, exactly as in the HF BERT tokenizer."""
    if ch in "\t\n\r":
        return False
    return ch in "\x00\ufffd" or unicodedata.category(ch)[0] == "C"


def is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch)[0] == "P"


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def normalize(text: str) -> str:
    """Lowercase every character (full Unicode mapping, no context rules), NFD, drop Mn."""
    lowered = "".join(ch.lower() for ch in text)
    nfd = unicodedata.normalize("NFD", lowered)
    return "".join(ch for ch in nfd if unicodedata.category(ch) != "Mn")


def basic_tokenize(text: str) -> list[str]:
    words: list[str] = []
    cur: list[str] = []
    for ch in normalize(text):
        if is_removed(ch):
            continue
        if is_whitespace(ch):
            if cur:
                words.append("".join(cur))
                cur = []
        elif is_punctuation(ch) or is_cjk(ch):
            if cur:
                words.append("".join(cur))
                cur = []
            words.append(ch)
        else:
            cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words


def wordpiece(word: str, token_to_id: dict[str, int], unk_id: int) -> list[int]:
    chars = word  # Python str indexes by code point
    if len(chars) > MAX_CHARS_PER_WORD:
        return [unk_id]
    pieces: list[int] = []
    start = 0
    n = len(chars)
    while start < n:
        end = n
        found = None
        while start < end:
            sub = chars[start:end]
            if start > 0:
                sub = "##" + sub
            tid = token_to_id.get(sub)
            if tid is not None:
                found = tid
                break
            end -= 1
        if found is None:
            return [unk_id]
        pieces.append(found)
        start = end
    return pieces


class Tokenizer:
    def __init__(self, vocab: list[str]):
        self.vocab = vocab
        # First occurrence wins if a token were duplicated (it is not in this vocab).
        self.token_to_id: dict[str, int] = {}
        for i, t in enumerate(vocab):
            self.token_to_id.setdefault(t, i)
        self.unk_id = self.token_to_id[UNK]

    def tokenize(self, text: str) -> list[int]:
        ids: list[int] = []
        for w in basic_tokenize(text):
            ids.extend(wordpiece(w, self.token_to_id, self.unk_id))
        return ids


# ---------------------------------------------------------------------------
# Static model file (static-256.bin) and encoder
# ---------------------------------------------------------------------------

class StaticModel:
    """header: b'SBSE', u32 LE version, u32 LE V, u32 LE D; V f32 LE scales; V*D int8 row-major."""

    def __init__(self, path: str):
        with open(path, "rb") as f:
            data = f.read()
        if data[:4] != MAGIC:
            raise ValueError("bad magic")
        version, vocab_size, dims = struct.unpack_from("<III", data, 4)
        if version != FORMAT_VERSION:
            raise ValueError(f"unsupported version {version}")
        off = 16
        expected = off + vocab_size * 4 + vocab_size * dims
        if len(data) != expected:
            raise ValueError(f"size {len(data)} != expected {expected}")
        scales = array.array("f")
        scales.frombytes(data[off : off + vocab_size * 4])
        if sys.byteorder != "little":
            scales.byteswap()
        off += vocab_size * 4
        values = array.array("b")
        values.frombytes(data[off:])
        self.vocab_size = vocab_size
        self.dims = dims
        self.scales = scales
        self.values = values

    def row(self, tid: int, dims: int) -> list[float]:
        s = self.scales[tid]
        base = tid * self.dims
        return [v * s for v in self.values[base : base + dims]]


def embed_ids(model: StaticModel, ids: list[int], dims: int) -> list[float]:
    """Mean of (int8 row[:dims] * scale) over ids whose scale != 0, then L2-normalised.

    Returns all zeros if no id contributes or the mean has zero norm."""
    acc = [0.0] * dims
    count = 0
    for tid in ids:
        s = model.scales[tid]
        if s == 0.0:
            continue
        base = tid * model.dims
        vals = model.values
        for j in range(dims):
            acc[j] += vals[base + j] * s
        count += 1
    if count == 0:
        return acc
    mean = [a / count for a in acc]
    norm = math.sqrt(sum(x * x for x in mean))
    if norm == 0.0:
        return [0.0] * dims
    return [x / norm for x in mean]


class Encoder:
    def __init__(self, model_dir: str, model_file: str = "static-256.bin"):
        self.tokenizer = Tokenizer(load_vocab(os.path.join(model_dir, "vocab.txt")))
        self.model = StaticModel(os.path.join(model_dir, model_file))
        if self.model.vocab_size != len(self.tokenizer.vocab):
            raise ValueError("vocab.txt and model disagree on vocabulary size")

    def encode(self, text: str, dims: int | None = None) -> list[float]:
        dims = self.model.dims if dims is None else dims
        if not 0 < dims <= self.model.dims:
            raise ValueError("bad dims")
        return embed_ids(self.model, self.tokenizer.tokenize(text), dims)


def golden(enc: Encoder, texts: list[str] = GOLDEN_TEXTS) -> dict:
    cases = []
    for t in texts:
        ids = enc.tokenizer.tokenize(t)
        v256 = embed_ids(enc.model, ids, 256)
        v128 = embed_ids(enc.model, ids, 128)
        cases.append(
            {
                "text": t,
                "ids": ids,
                "tokens": [enc.tokenizer.vocab[i] for i in ids],
                "v256": [round(x, 6) + 0.0 for x in v256],
                "v128": [round(x, 6) + 0.0 for x in v128],
            }
        )
    return {"dims": [256, 128], "cases": cases}


def write_golden(enc: Encoder, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(golden(enc), f, ensure_ascii=False, indent=1)
        f.write("\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--golden", metavar="PATH", help="write golden.json to PATH")
    ap.add_argument("--dims", type=int, default=256)
    ap.add_argument("text", nargs="*")
    args = ap.parse_args()
    enc = Encoder(args.model_dir)
    if args.golden:
        write_golden(enc, args.golden)
        print(f"wrote {args.golden}")
    for t in args.text:
        ids = enc.tokenizer.tokenize(t)
        v = enc.encode(t, args.dims)
        print(json.dumps({"text": t, "ids": ids, "tokens": [enc.tokenizer.vocab[i] for i in ids], "head": [round(x, 6) for x in v[:8]]}, ensure_ascii=False))


if __name__ == "__main__":
    main()

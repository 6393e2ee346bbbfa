#!/usr/bin/env python3
"""Informational quality check of the static model on the docker MCP catalog (nothing is tuned on it).

    pip install numpy pyyaml
    python3 index/model/eval_catalog.py --catalog ../shared/catalogs/docker-mcp-catalog.yaml \
        ../shared/eval/dev-tasks.tsv ../shared/eval/dev-queries.tsv [--teacher WHEEL]

Document text per server: title + ". " + description, then (unless --no-tools) for every tool " " + name + ": " +
description. Servers are ranked by cosine with the query; reports top-1, hit@5 and MRR@10 for
the 256-d and 128-d encoders (and, with --teacher, the full all-MiniLM-L6-v2 as an upper bound).
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import encode  # noqa: E402


def doc_text(name: str, server: dict, tools: bool = True) -> str:
    text = f"{server.get('title') or name}. {server.get('description') or ''}"
    for tool in (server.get("tools") or []) if tools else []:
        text += f" {tool.get('name', '')}: {tool.get('description') or ''}"
    return text


def read_queries(path: str) -> list[tuple[str, set[str]]]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            q, answers = line.split("\t")[:2]
            out.append((q, {a.strip() for a in answers.split(",") if a.strip()}))
    return out


def metrics(qvecs: np.ndarray, dvecs: np.ndarray, names: list[str], answers: list[set[str]]):
    sims = qvecs @ dvecs.T
    top1 = hit5 = mrr = 0.0
    for i, ok in enumerate(answers):
        order = np.argsort(-sims[i], kind="stable")
        ranked = [names[j] for j in order[:10]]
        rank = next((r for r, n in enumerate(ranked, 1) if n in ok), None)
        top1 += rank == 1
        hit5 += rank is not None and rank <= 5
        mrr += 1.0 / rank if rank else 0.0
    n = len(answers)
    return top1 / n, hit5 / n, mrr / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalog", required=True)
    ap.add_argument("--model-dir", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--model-file", action="append", default=None,
                    help="model file(s) in --model-dir to score (default static-256.bin; repeatable)")
    ap.add_argument("--no-tools", action="store_true", help="document text = title + description only")
    ap.add_argument("--teacher", metavar="WHEEL", help="also score the full teacher model (slow-ish)")
    ap.add_argument("query_files", nargs="+")
    args = ap.parse_args()

    registry = yaml.safe_load(open(args.catalog, encoding="utf-8"))["registry"]
    names = list(registry)
    docs = [doc_text(n, registry[n], not args.no_tools) for n in names]
    sets = {os.path.basename(p): read_queries(p) for p in args.query_files}
    for label, qs in sets.items():
        missing = {a for _, ok in qs for a in ok} - set(names)
        if missing:
            print(f"warning: {label}: answers not in catalog: {sorted(missing)}")
    sets["all"] = [q for qs in list(sets.values()) for q in qs]

    encoders = {}
    for mf in args.model_file or ["static-256.bin"]:
        enc = encode.Encoder(args.model_dir, mf)
        tag = "" if mf == "static-256.bin" else f" [{mf}]"
        for d in (256, 128):
            encoders[f"static-{d}{tag}"] = (lambda e, d: lambda texts: np.array([e.encode(t, d) for t in texts]))(enc, d)
    if args.teacher:
        import distill

        config, vocab_bytes, tensors = distill.load_teacher(args.teacher)
        vocab = vocab_bytes.decode("utf-8").split("\n")[:-1]
        bert, tok = distill.Bert(tensors, config), encode.Tokenizer(vocab)
        encoders["MiniLM-L6 (teacher)"] = lambda texts: np.concatenate(
            [distill.sentence_embeddings(bert, tok, [t]) for t in texts])

    print(f"{len(names)} servers")
    print(f"| encoder | query set | n | top-1 | hit@5 | MRR@10 |\n|---|---|---|---|---|---|")
    for ename, fn in encoders.items():
        dvecs = fn(docs)
        for label, qs in sets.items():
            qvecs = fn([q for q, _ in qs])
            t1, h5, mrr = metrics(qvecs, dvecs, names, [ok for _, ok in qs])
            print(f"| {ename} | {label} | {len(qs)} | {t1:.3f} | {h5:.3f} | {mrr:.3f} |")


if __name__ == "__main__":
    main()

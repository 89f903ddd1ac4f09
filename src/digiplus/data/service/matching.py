"""Suggested matches between a demand and the catalogue.

score = (1 − α) · max(cosine, 0) + α · lexical

* cosine: all-MiniLM-L6-v2 embeddings (service/embedding.py) of the demand and of each dataset
  (title, description, keywords, column names). The model is English-centric: Chinese text
  comes out as mostly single characters it barely knows.
* lexical: the idf-weighted share of the demand's terms — the catalogue's own search terms,
  CJK bigrams and English stems (service/tokens.py) — found in the dataset's title or body.
* α grows with the share of CJK characters in the demand: 0.25 for English, 0.75 for Chinese.

Dataset embeddings are stored (``data_dataset_embeddings``) and made by the worker after a
publish or change (a row older than the dataset's ``modified`` is stale), or all at once by
``digiplus data embeddings``. Suggestions are among the datasets the demander may see, not
its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.db import Database, ReadSession, utcnow
from digiplus.core.errors import PermissionDenied
from digiplus.core.worker import task
from digiplus.data.models import Dataset, Distribution, SearchDoc, SearchText
from digiplus.data.models_alliances import DataDemand, DatasetEmbedding, DemandAnswer
from digiplus.data.service.access import visible_docs
from digiplus.data.service.demands import get_demand
from digiplus.data.service.embedding import MODEL_NAME, Vectors, from_bytes, get_encoder, to_bytes
from digiplus.data.service.tokens import query_terms

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")
_TITLE_WEIGHT, _BODY_WEIGHT = 1.0, 0.7
WORKER_BATCH = 64


def dataset_text(dataset: Dataset, column_names: list[str]) -> str:
    """What a dataset's embedding is made of. English first: the model reads 256 tokens at most."""
    parts = [
        dataset.title_en,
        dataset.title_zh,
        " ".join(dataset.keywords_en),
        " ".join(dataset.keywords_zh),
        "columns: " + ", ".join(column_names) if column_names else "",
        dataset.description_en,
        dataset.description_zh,
    ]
    return ". ".join(p.strip() for p in parts if p and p.strip())


def demand_text(demand: DataDemand) -> str:
    parts = [
        demand.title_en,
        demand.title_zh,
        " ".join(demand.keywords_en),
        " ".join(demand.keywords_zh),
        demand.description_en,
        demand.description_zh,
    ]
    return ". ".join(p.strip() for p in parts if p and p.strip())


def _column_names(session: Session, dataset_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {i: [] for i in dataset_ids}
    for dataset_id, schema in session.execute(
        select(Distribution.dataset_id, Distribution.table_schema).where(Distribution.dataset_id.in_(dataset_ids))
    ):
        for f in (schema or {}).get("fields", []):
            name = f.get("title") or f.get("name") or ""
            if name and name not in out[dataset_id]:
                out[dataset_id].append(name)
    return out


def stale_dataset_ids(session: Session, *, force: bool = False, limit: int | None = None) -> list[str]:
    """Datasets with no embedding, an older one, or one of another model (all with ``force``)."""
    stmt = select(Dataset.id).order_by(Dataset.id)
    if not force:
        stmt = stmt.outerjoin(DatasetEmbedding, DatasetEmbedding.dataset_id == Dataset.id).where(
            or_(
                DatasetEmbedding.dataset_id.is_(None),
                DatasetEmbedding.source_modified < Dataset.modified,
                DatasetEmbedding.model != MODEL_NAME,
            )
        )
    return list(session.scalars(stmt.limit(limit) if limit else stmt))


def compute_embeddings(session: Session, dataset_ids: list[str]) -> list[dict[str, Any]]:
    """The embedding rows of these datasets, computed from what the session reads (no writes:
    run it in a read session, so the slow encoder never holds SQLite's write lock)."""
    if not dataset_ids:
        return []
    datasets = list(session.scalars(select(Dataset).where(Dataset.id.in_(dataset_ids))))
    columns = _column_names(session, [d.id for d in datasets])
    vectors = get_encoder().encode([dataset_text(d, columns[d.id]) for d in datasets])
    now = utcnow()
    return [
        {
            "dataset_id": d.id,
            "model": MODEL_NAME,
            "dimensions": int(v.shape[0]),
            "vector": to_bytes(v),
            "source_modified": d.modified,  # a later edit makes it stale again: recomputed next round
            "updated": now,
        }
        for d, v in zip(datasets, vectors, strict=True)
    ]


def store_embeddings(session: Session, rows: list[dict[str, Any]]) -> int:
    """Replace the stored embeddings of these datasets (a short write)."""
    if not rows:
        return 0
    session.execute(delete(DatasetEmbedding).where(DatasetEmbedding.dataset_id.in_([r["dataset_id"] for r in rows])))
    session.execute(insert(DatasetEmbedding), rows)
    return len(rows)


def embed_datasets(session: Session, dataset_ids: list[str]) -> int:
    """Compute and store the embeddings of these datasets (replacing older ones), in this session."""
    return store_embeddings(session, compute_embeddings(session, dataset_ids))


def _embed_batch(db: Database, dataset_ids: list[str]) -> int:
    """Encode in a read session, then write in a short transaction of its own."""
    with db.read_session() as session:
        rows = compute_embeddings(session, dataset_ids)
    with db.session() as session:
        return store_embeddings(session, rows)


def refresh_embeddings(
    db: Database,
    *,
    force: bool = False,
    batch: int = 32,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """(Re)compute stale embeddings (every one with ``force``), one transaction per batch, so a
    long run keeps what it did; ``on_progress(done, total)`` after each batch."""
    with db.read_session() as session:
        ids = stale_dataset_ids(session, force=force)
    done = 0
    for start in range(0, len(ids), batch):
        done += _embed_batch(db, ids[start : start + batch])
        if on_progress is not None:
            on_progress(done, len(ids))
    return done


@task("data.embeddings")
def embeddings_task(db: Database) -> int:
    """The worker's share: up to WORKER_BATCH stale dataset embeddings per round, encoded
    outside any write transaction (the encoder takes seconds; logins must not wait for it)."""
    with db.read_session() as session:
        ids = stale_dataset_ids(session, limit=WORKER_BATCH)
    return _embed_batch(db, ids) if ids else 0


def _demand_vector(session: Session, demand: DataDemand) -> Vectors:
    if (
        demand.embedding is not None
        and demand.embedding_model == MODEL_NAME
        and demand.embedding_source == demand.modified
    ):
        return from_bytes(demand.embedding)
    vector: Vectors = get_encoder().encode([demand_text(demand)])[0]
    if not isinstance(session, ReadSession):
        # A cached derivative of the demand's text, so no audit entry or event; a read
        # (GET /suggestions) computes it without keeping it.
        demand.embedding, demand.embedding_model, demand.embedding_source = (
            to_bytes(vector),
            MODEL_NAME,
            demand.modified,
        )
        session.flush()
    return vector


def cjk_share(text: str) -> float:
    letters = _LETTER.findall(text)
    return sum(1 for c in letters if _CJK.match(c)) / len(letters) if letters else 0.0


@dataclass
class Suggestion:
    dataset: Dataset
    score: float
    semantic: float | None
    lexical: float
    answered: bool


def suggest(session: Session, caller: Caller, demand_id: str, *, limit: int = 10) -> list[Suggestion]:
    """The datasets that best match the demand, best first, among those the demander may see."""
    demand = get_demand(session, caller, demand_id)
    if demand.org_id != caller.org_id:
        raise PermissionDenied("Suggestions are for the org that posted the demand.", code="not_demander")
    text = demand_text(demand)
    vector = _demand_vector(session, demand)
    terms = query_terms(text)
    alpha = 0.25 + 0.5 * cjk_share(text)
    rows = session.execute(
        select(SearchDoc.dataset_id, SearchText.title_tokens, SearchText.body_tokens, DatasetEmbedding.vector)
        .join(SearchText, SearchText.doc_id == SearchDoc.doc_id)
        .outerjoin(DatasetEmbedding, DatasetEmbedding.dataset_id == SearchDoc.dataset_id)
        .where(visible_docs(session, caller), SearchDoc.org_id != caller.org_id)
    ).all()
    if not rows:
        return []
    titles = [set(r.title_tokens.split()) for r in rows]
    bodies = [set(r.body_tokens.split()) for r in rows]
    # idf over the candidates: a term every dataset has (資料, data) says little.
    idf = {
        t: math.log((1 + len(rows)) / (1 + sum(1 for a, b in zip(titles, bodies, strict=True) if t in a or t in b))) + 1
        for t in terms
    }
    total_idf = sum(idf.values()) or 1.0
    scored: list[tuple[float, float | None, float, str]] = []
    for row, title, body in zip(rows, titles, bodies, strict=True):
        lexical = sum(idf[t] * (_TITLE_WEIGHT if t in title else _BODY_WEIGHT if t in body else 0.0) for t in terms)
        lexical /= total_idf
        semantic = None if row.vector is None else float(np.dot(from_bytes(row.vector), vector))
        score = (1 - alpha) * max(semantic or 0.0, 0.0) + alpha * lexical
        scored.append((score, semantic, lexical, row.dataset_id))
    scored.sort(key=lambda s: (-s[0], s[3]))
    top = scored[:limit]
    by_id = {d.id: d for d in session.scalars(select(Dataset).where(Dataset.id.in_([s[3] for s in top])))}
    answered = set(session.scalars(select(DemandAnswer.dataset_id).where(DemandAnswer.demand_id == demand.id)))
    return [
        Suggestion(by_id[i], round(score, 4), None if sem is None else round(sem, 4), round(lex, 4), i in answered)
        for score, sem, lex, i in top
    ]

"""The NLP stage on Dask (`--engine dask`): the same pure function over partitions, same output.

Beyond one machine the stages run on `dask.distributed` (on HPC clusters through dask-jobqueue: point
`DASK_SCHEDULER_ADDRESS` at the scheduler). Locally, a LocalCluster with `workers` processes is started.
Each worker builds its own Resources once (the spaCy pipeline is not shipped over the wire).
"""
from __future__ import annotations

import os
from functools import lru_cache

import pandas as pd

from . import runner
from .stage import StageResult


@lru_cache(maxsize=2)
def _worker_resources(raw_json: str, data_dir: str) -> runner.Resources:
    import json

    return runner.Resources(json.loads(raw_json), runner.Paths(__import__("pathlib").Path(data_dir)))


def _parse_partition(part: pd.DataFrame, raw_json: str, data_dir: str) -> dict:
    res = _worker_resources(raw_json, data_dir)
    result = runner.parse(part, res)
    return {"extra": result.extra, "rejects": result.rejects, "stats": result.stats}


def parse_with_dask(articles: pd.DataFrame, res: runner.Resources, *, workers: int = 2,
                    cached: dict | None = None, partition_size: int = 32) -> StageResult:
    import json

    from dask.distributed import Client, LocalCluster

    done = set(cached["tokens"]["article_id"]) if cached and len(cached.get("tokens", [])) else set()
    todo = articles[~articles["article_id"].isin(done)].drop_duplicates("article_id").sort_values("article_id")
    parts = [todo.iloc[i:i + partition_size] for i in range(0, len(todo), partition_size)]
    raw_json = json.dumps(res.raw_config, sort_keys=True)
    address = os.environ.get("DASK_SCHEDULER_ADDRESS")
    cluster = None if address else LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True)
    client = Client(address or cluster)
    try:
        futures = client.map(_parse_partition, parts, raw_json=raw_json, data_dir=str(res.paths.data_dir))
        outputs = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    tables = {}
    for key in ("tokens", "entities", "toponyms"):
        frames = [o["extra"][key] for o in outputs] + ([cached[key]] if cached and key in cached else [])
        frames = [f for f in frames if len(f)]
        frame = pd.concat(frames, ignore_index=True) if frames else runner.parse(articles.iloc[0:0], res).extra[key]
        frame = frame[frame["article_id"].isin(articles["article_id"])]
        sort = ["article_id", "i"] if key == "tokens" else ["article_id", "char_start", "char_end"]
        tables[key] = frame.sort_values(sort).reset_index(drop=True)
    rejects = pd.concat([o["rejects"] for o in outputs], ignore_index=True) if outputs else \
        runner.parse(articles.iloc[0:0], res).rejects
    parsed = set(tables["tokens"]["article_id"])
    stats = {"in": len(articles), "out": int(articles["article_id"].isin(parsed).sum()), "rejected": len(rejects),
             "parsed_now": len(todo) - len(rejects), "reused_from_cache": int(articles["article_id"].isin(done).sum()),
             "engine": "dask"}
    return StageResult(rows=tables["tokens"], rejects=rejects, stats=stats, extra=tables)

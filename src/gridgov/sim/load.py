"""Load tests: many reporters at once against a running server, over its real HTTP API.

Each virtual reporter sends hotline calls at grid centroids through ``POST /api/v1/intake/
hotline``; a share of them is sent twice (a retry after a lost answer), which must come back
as the same case. The result counts what was created, what was recognised as a repeat and
what failed, with the latencies' median, P95 and maximum and the throughput achieved.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from gridgov.kit.errors import ValidationFailed


@dataclass
class LoadResult:
    sent: int = 0
    created: int = 0
    repeats: int = 0
    mismatched_repeats: int = 0
    failed: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        return {
            "sent": self.sent,
            "created": self.created,
            "repeats_recognised": self.repeats,
            "repeats_mismatched": self.mismatched_repeats,
            "failed": self.failed,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.sent / self.seconds, 1) if self.seconds else None,
            "latency_ms": {
                "median": round(statistics.median(lat), 1) if lat else None,
                "p95": round(lat[max(0, int(len(lat) * 0.95) - 1)], 1) if lat else None,
                "max": round(lat[-1], 1) if lat else None,
            },
        }


TEXTS = (
    "小区门口路灯不亮已经一周",
    "楼下餐馆油烟扰民，晚上噪声很大",
    "路面坑洼积水，电动车容易摔倒",
    "垃圾桶满了没人清运，气味很大",
    "工地夜间施工噪声扰民",
    "人行道被私家车长期占用",
)


async def _places(client: httpx.AsyncClient) -> list[tuple[float, float]]:
    answer = await client.get("/api/v1/grids", params={"page_size": 500})
    answer.raise_for_status()
    places = [(g["centroid_lon"], g["centroid_lat"]) for g in answer.json()["items"]]
    if not places:
        raise ValidationFailed("the server has no grids to report from")
    return places


async def _run(
    url: str, key: str, reports: int, concurrency: int, repeat_share: float, seed: int
) -> LoadResult:
    rng = random.Random(seed)
    result = LoadResult()
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=60, limits=limits
    ) as client:
        places = await _places(client)
        run_id = f"{int(time.time())}{rng.randrange(10**6)}"
        jobs: asyncio.Queue[tuple[int, bool]] = asyncio.Queue()
        for n in range(reports):
            jobs.put_nowait((n, False))
        numbers: dict[int, str] = {}
        lock = asyncio.Lock()

        async def send(n: int) -> httpx.Response:
            lon, lat = places[n % len(places)]
            body = {
                "call_id": f"load-{run_id}-{n}",
                "text": TEXTS[n % len(TEXTS)],
                "lon": lon,
                "lat": lat,
            }
            began = time.perf_counter()
            answer = await client.post("/api/v1/intake/hotline", json=body)
            result.latencies_ms.append((time.perf_counter() - began) * 1000)
            result.sent += 1
            return answer

        async def worker() -> None:
            while not jobs.empty():
                n, is_repeat = jobs.get_nowait()
                answer = await send(n)
                if answer.status_code not in (200, 201):
                    result.failed[answer.status_code] = result.failed.get(answer.status_code, 0) + 1
                    continue
                number = answer.json()["number"]
                async with lock:
                    if is_repeat:
                        result.repeats += answer.status_code == 200 and numbers.get(n) == number
                        result.mismatched_repeats += numbers.get(n) != number
                    else:
                        result.created += answer.status_code == 201
                        numbers[n] = number
                        if rng.random() < repeat_share:
                            jobs.put_nowait((n, True))

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - began
    return result


def run(
    *,
    url: str,
    key: str,
    reports: int,
    concurrency: int = 4,
    repeat_share: float = 0.1,
    seed: int = 1,
) -> LoadResult:
    if reports < 1 or concurrency < 1:
        raise ValidationFailed("reports and concurrency must be at least 1")
    return asyncio.run(_run(url, key, reports, concurrency, repeat_share, seed))

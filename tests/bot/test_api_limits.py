"""API keys are rate-limited per key and their last use is recorded."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.web.app import create_app
from bot.web.ratelimit import RateLimiter
from credit_domain.apikeys.models import ApiKey
from credit_domain.apikeys.services import create_key
from tests.factories import World


def test_sliding_window_limits_bursts_and_recovers() -> None:
    now = [0.0]
    limiter = RateLimiter(lambda: now[0])
    assert all(limiter.allow(1, 3) is None for _ in range(3))
    wait = limiter.allow(1, 3)
    assert wait is not None and 59 < wait <= 60
    assert limiter.allow(2, 3) is None  # another key has its own window
    now[0] = 60.5
    assert limiter.allow(1, 3) is None


def test_the_api_answers_429_with_retry_after_and_notes_last_use(make_runtime: Any) -> None:
    rt = make_runtime()
    with rt.domain.uow() as uow:
        World(uow.session, uow.now()).business_unit("IND")
        _, token = create_key(uow, "BI", business_unit_codes=["IND"], scopes=["analytics:read"],
                              rate_limit_per_minute=2)
        uow.commit()
    client = TestClient(create_app(rt))
    headers = {"Authorization": f"Bearer {token}"}
    codes = [client.get("/api/v1/analytics/kpis", params={"scope": "bu:IND"},
                        headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.get("/api/v1/analytics/kpis", params={"scope": "bu:IND"}, headers=headers)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    with rt.domain.read() as s:
        assert s.scalars(select(ApiKey)).one().last_used_at is not None

"""Per-client limits kept in this process: writes and failed authentications over time, and
whole-list downloads at once."""

import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.config import Settings
from app.errors import TooManyRequests


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.writes = parse(settings.write_rate_limit)
        self.auth_failures = parse(settings.auth_failure_rate_limit)

    def _refuse(self, limit: RateLimitItem, client: str, what: str) -> TooManyRequests:
        reset = self._limiter.get_window_stats(limit, client).reset_time
        return TooManyRequests(
            f"too many {what} from this client ({limit}); try again later",
            retry_after=int(reset - time.time()) + 1,
        )

    def spend_write(self, client: str) -> None:
        if not self._limiter.hit(self.writes, client):
            raise self._refuse(self.writes, client, "writes")

    def check_auth_failures(self, client: str) -> None:
        """Refuse a client that has failed to authenticate too often, before it tries again."""
        if not self._limiter.test(self.auth_failures, client):
            raise self._refuse(self.auth_failures, client, "failed authentications")

    def record_auth_failure(self, client: str) -> None:
        self._limiter.hit(self.auth_failures, client)


class DownloadSlots:
    """How many whole-list downloads each client is streaming now: a client that opens many
    and reads none must not hold a read transaction and a thread each."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._open: dict[str, int] = {}

    def take(self, client: str) -> bool:
        held = self._open.get(client, 0)
        if held >= self.per_client:
            return False
        self._open[client] = held + 1
        return True

    def give_back(self, client: str) -> None:
        held = self._open.pop(client, 0) - 1
        if held > 0:
            self._open[client] = held

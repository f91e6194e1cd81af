"""`depstats serve`: prepare the database, then run uvicorn with the guarded protocol."""

import copy
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
import uvicorn.config

from app.cli.baking import Watcher
from app.cli.common import failure, prepare, settings_or_exit
from app.config import Settings

WORKER_START_SECONDS = 30


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 for all.")] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            help="Port to listen on; 0 takes a free one (its number is printed at start).",
            min=0,
            max=65535,
        ),
    ] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="API processes to run; each keeps its own pool "
            "of DEPSTATS_DB_POOL_SIZE connections.",
            min=1,
        ),
    ] = 1,
    bake: Annotated[
        Path | None,
        typer.Option(
            help="Bake the read API into this folder (as `export --static`) now and again "
            "after every write or load, for `depstats front`.",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Create and migrate the database, load data/ if it is empty, and serve the API."""
    settings = settings_or_exit()
    prepare(settings)
    if bake is None:
        _run(settings, host, port, workers)
        return
    if not settings.public_url:
        raise failure("--bake needs DEPSTATS_PUBLIC_URL: baked answers link to it")
    watcher = Watcher(settings, bake)
    watcher.start()
    try:
        _run(settings, host, port, workers)
    finally:
        watcher.stop()


def _run(settings: Settings, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        # Only these proxies may say, in X-Forwarded-For, who the client is (rate limits are
        # per client); by default none may, so a forged header changes nothing.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        # uvicorn's httptools protocol, with deadlines for slow clients and a cap on
        # request headers (app/server.py).
        http="app.server:GuardedHttpToolsProtocol",
        # Our own access log carries the request id and duration; uvicorn's would repeat it.
        access_log=False,
        log_config=_log_config(settings.log_format),
        # How long a worker may take to answer the supervisor's first ping before it is
        # killed and started again (uvicorn's default is 5 s). Several workers importing the
        # app at once on a machine of two cores took longer: one was killed on a first start.
        timeout_worker_healthcheck=WORKER_START_SECONDS,
    )


def _log_config(log_format: str) -> dict[str, Any]:
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    if log_format == "text":
        # Every message escaped (app/logs.py): a client's path or header never breaks a line.
        config["formatters"]["default"]["()"] = "app.logs.TextFormatter"
    config["formatters"]["access_line"] = {"()": "app.logs.TextFormatter", "fmt": "%(message)s"}
    config["handlers"]["access_line"] = {
        "class": "logging.StreamHandler",
        "formatter": "access_line",
        "stream": "ext://sys.stdout",
    }
    for name in ("depstats.access", "depstats.server"):
        config["loggers"][name] = {"handlers": ["access_line"], "level": "INFO", "propagate": False}
    # The app's other loggers (errors, the cache) through the same escaping formatter,
    # rather than Python's last-resort handler, which writes messages as they are.
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config

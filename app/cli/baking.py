"""`depstats export --static DIR`, `depstats front DIR`, and `depstats serve --bake DIR`'s
baker: the read API as files (app/bake.py), and nginx serving them (deploy/nginx/)."""

import gc
import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from sqlalchemy import Engine, text

from app import bake as baking
from app.bake_plan import ACCEPTS
from app.baked_tree import BakedTree
from app.cli.common import failure, prepare, settings_or_exit
from app.config import Settings
from app.db import create_db_engine
from app.forked import die_with_parent

NGINX_DIR = Path(__file__).resolve().parents[2] / "deploy" / "nginx"
MODULES = Path("/usr/lib/nginx/modules")


def _app(settings: Settings) -> Any:
    from app.main import create_app  # the app only when baking: not for `depstats front`

    return create_app(settings)


def _close(app: Any) -> None:
    app.state.dataset_version.close()
    app.state.reads.shutdown(wait=True)
    app.state.engine.dispose()


def bake_once(settings: Settings, directory: Path, jobs: int = 1) -> baking.Report:
    # As Python's gc docs advise a process that forks without exec: no collection while the
    # app is built, and what it built frozen before the bake forks, so that no collection, here
    # or in a child, walks it again (of the article's export, 0.12 and 0.18 s in medians of
    # six runs each, alternated).
    collecting = gc.isenabled()
    gc.disable()
    try:
        app = _app(settings)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    try:
        return baking.bake(app, settings, BakedTree(directory), jobs=jobs)
    finally:
        _close(app)
        gc.unfreeze()  # collected as before, if the caller goes on (a test's process)


def export_static(directory: Path, jobs: int = 1) -> None:
    settings = settings_or_exit()
    if not settings.public_url:
        raise failure(baking.NO_PUBLIC_URL)
    prepare(settings)  # as `depstats serve` does: a new database gets the data folder
    try:
        report = bake_once(settings, directory, jobs)
    except ValueError as exc:
        raise failure(str(exc)) from None
    typer.echo(f"{directory}: {report}")


def accept_map() -> str:
    """The nginx map from Accept values to the classes the bake answers (app/bake_plan.ACCEPTS)."""
    lines = []
    for name, values in ACCEPTS.items():
        for value in values:
            lines.append(f'        "{value}" {name};')
    return "\n".join(lines)


def _owner(directory: Path) -> str:
    """`user NAME GROUP` of the tree, for nginx's workers when it starts as root."""
    stat = directory.stat()
    return f"{pwd.getpwuid(stat.st_uid).pw_name} {grp.getgrgid(stat.st_gid).gr_name}"


def nginx_config(directory: Path, port: int, app: str, prefix: Path, host: str) -> str:
    """deploy/nginx/depstats.conf with this machine's paths and the given port and app."""
    template = (NGINX_DIR / "depstats.conf").read_text()
    values = {
        "@ROOT@": str(directory.resolve()),
        "@LISTEN@": f"{host}:{port}",
        "@APP_HOSTPORT@": urlsplit(app).netloc,
        "@PREFIX@": str(prefix),
        "@LUA_DIR@": str(NGINX_DIR),
        "@MODULES@": str(MODULES),
        "@ACCEPT@": accept_map(),
        # Started as root, nginx's workers would read the tree as nobody: as its owner instead.
        "@USER@": f"user {_owner(directory)};" if os.geteuid() == 0 else "",
    }
    for key, value in values.items():
        template = template.replace(key, value)
    return template


def front(
    directory: Annotated[Path, typer.Argument(help="A tree baked by `export --static`.")],
    port: Annotated[int, typer.Option(help="Port nginx listens on.", min=1, max=65535)] = 8080,
    app: Annotated[
        str, typer.Option(help="The app (`depstats serve`) for what is not baked.")
    ] = "http://127.0.0.1:8000",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Run nginx in the foreground on a baked tree, passing the rest to the app."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise failure("nginx is not installed: apt-get install -y nginx libnginx-mod-http-lua")
    if not (MODULES / "ngx_http_lua_module.so").exists():
        raise failure("nginx's Lua module is missing: apt-get install -y libnginx-mod-http-lua")
    if not (directory / ".heads").is_dir():
        raise failure(f"{directory} holds no baked tree: run `depstats export --static` first")
    prefix = Path(tempfile.mkdtemp(prefix="depstats-front-"))
    # nginx's workers, the tree's owner when started as root, keep request bodies here.
    prefix.chmod(0o755)
    (prefix / "logs").mkdir()
    config = prefix / "nginx.conf"
    config.write_text(nginx_config(directory, port, app, prefix, host))
    typer.echo(f"nginx on http://{host}:{port}/ for {directory}, the rest to {app} ({config})")
    # nginx as a child, not in place of this process, so that its prefix (config, temporary
    # bodies, pid) is removed when it ends. The signals nginx acts on are passed to it (held
    # until it is started); if this process is killed outright, nginx gets SIGTERM.
    children: list[subprocess.Popen[bytes]] = []
    signal.pthread_sigmask(signal.SIG_BLOCK, PASSED_ON)
    for number in PASSED_ON:
        signal.signal(number, lambda number, _frame: children[0].send_signal(number))
    try:
        children.append(
            subprocess.Popen(  # noqa: S603
                [nginx, "-p", str(prefix), "-c", str(config), "-g", "daemon off;"],
                preexec_fn=_nginx_child,  # safe here: this process runs one thread
            )
        )
        signal.pthread_sigmask(signal.SIG_UNBLOCK, PASSED_ON)
        code = children[0].wait()
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
    raise typer.Exit(code if code >= 0 else 128 - code)


# What nginx acts on (stop, quit, reload, reopen logs, new binary, stop workers).
PASSED_ON = {signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP}
PASSED_ON |= {signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH}


def _nginx_child() -> None:
    """In the child before nginx starts: its signals unblocked, and SIGTERM when its parent
    (`depstats front`) dies."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, PASSED_ON)
    die_with_parent(signal.SIGTERM)


class Watcher:
    """Bakes the tree again after every write or load: it looks at the dataset's version every
    `every` seconds; once it changed, waits until it has stayed the same for `quiet` seconds
    (a burst of writes makes one bake), or `most` seconds at the longest, then bakes, holding
    the tree's lock (one baker at a time, whichever process)."""

    def __init__(
        self,
        settings: Settings,
        directory: Path,
        every: float = 0.05,
        quiet: float = 0.1,
        most: float = 2.0,
    ) -> None:
        self.settings = settings
        self.directory = directory
        self.every, self.quiet, self.most = every, quiet, most
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="baker", daemon=True)
        self.engine: Engine = create_db_engine(settings)
        self.app: Any = None

    def _version(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(text("SELECT version FROM dataset_state")).scalar_one())

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.engine.dispose()
        if self.app is not None:
            _close(self.app)

    def _run(self) -> None:
        baked = None
        while not self.stopping.is_set():
            try:
                version = self._version()
                if version != baked:
                    version = self._settle(version)
                    if self.app is None:
                        self.app = _app(self.settings)
                    # After its first, whole bake, the watcher asks again, after corrections,
                    # only for what bake_plan says they may have changed.
                    tree = BakedTree(self.directory)
                    report = baking.bake(self.app, self.settings, tree, baked is not None)
                    baked = report.version
                    typer.echo(f"baker: {report}")
            except Exception as exc:  # a failed bake is tried again; the app still answers
                typer.echo(f"baker: failed, will try again: {exc!r}", err=True)
                self.stopping.wait(1.0)
            self.stopping.wait(self.every)

    def _settle(self, version: int) -> int:
        started = changed = time.monotonic()
        while time.monotonic() - changed < self.quiet and time.monotonic() - started < self.most:
            self.stopping.wait(self.every)
            now = self._version()
            if now != version:
                version, changed = now, time.monotonic()
        return version

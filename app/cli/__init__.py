"""The `depstats` command: serve, check, load, export, extract, score-extraction; token create,
list and revoke; db upgrade, render and copy. Each command lives in a module of this package
by what it works on; this module names them."""

import atexit
import gc

import typer

from app.cli import admin, baking, data, extraction, serving

cli = typer.Typer(
    help="deportation-stats: figures traced to the exact words of their source.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database schema commands.", no_args_is_help=True)
token_cli = typer.Typer(help="API tokens for the write routes.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(token_cli, name="token")

cli.command()(serving.serve)
cli.command()(baking.front)
cli.command()(data.check)
cli.command()(data.load)
cli.command()(data.export)
cli.command()(extraction.extract)
cli.command("score-extraction")(extraction.score_extraction)
token_cli.command("create")(admin.token_create)
token_cli.command("list")(admin.token_list)
token_cli.command("revoke")(admin.token_revoke)
db_cli.command("upgrade")(admin.db_upgrade)
db_cli.command("render")(admin.db_render)
db_cli.command("copy")(admin.db_copy)


def main() -> None:
    # At exit, Python's last collections walk every object the app made, cycle by cycle: a
    # quarter of a second, a tenth of `export --static` on the article's data. Frozen, the
    # objects are freed without those walks. The exit handlers registered on import (logging,
    # multiprocessing, weakref.finalize) run after this one and close what they hold
    # themselves; the commands close their engines and the bake's inventory.
    atexit.register(gc.freeze)
    cli()

"""Command groups imported only when one of them runs, so `cvihub --help` and `cvihub up` do not
pay for every command's imports (the admin and contracts groups pull in pydantic models)."""

import importlib
from typing import ClassVar

import typer
from typer import _click as click  # typer 0.29 vendors click: its groups take these types
from typer.core import TyperGroup


class LazyGroup(TyperGroup):
    """A typer group whose `lazy` subcommand groups load at first use; help lists them unloaded."""

    lazy: ClassVar[dict[str, tuple[str, str]]] = {}
    """Command name: ("module:typer_app", one-line help shown before it is loaded)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The eager commands, then the lazy ones, in the order given."""
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in self.lazy if name not in eager)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A loaded command, or for help a stand-in that carries only the lazy one's help."""
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        if ctx.resilient_parsing:  # shell completion wants the real options
            return self.load(cmd_name)
        return TyperGroup(name=cmd_name, help=self.lazy[cmd_name][1])

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Load a lazy group before click looks it up to run it."""
        if args and args[0] in self.lazy:
            self.load(args[0])
        return super().resolve_command(ctx, args)

    def load(self, cmd_name: str) -> click.Command:
        """Import a lazy group and add it as a real command."""
        if cmd_name not in self.commands:
            module_name, attribute = self.lazy[cmd_name][0].split(":")
            sub_app: typer.Typer = getattr(importlib.import_module(module_name), attribute)
            command = typer.main.get_command(sub_app)
            command.name = cmd_name
            self.add_command(command, cmd_name)
        return self.commands[cmd_name]

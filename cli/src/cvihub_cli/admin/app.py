"""`cvihub admin`: every admin command group under one callback that says where the hub is."""

import typer

from cvihub_cli.admin.administrators import administrators_app
from cvihub_cli.admin.audit import audit_app
from cvihub_cli.admin.consents import consents_app
from cvihub_cli.admin.grants import grants_app
from cvihub_cli.admin.keys import keys_app
from cvihub_cli.admin.notices import notices
from cvihub_cli.admin.options import DataDir, RegistryUrl, Target, Token
from cvihub_cli.admin.partners import partners_app
from cvihub_cli.admin.replay import replay
from cvihub_cli.admin.subscriptions import subscriptions_app
from cvihub_cli.stack_info import DATA_DIR

admin_app = typer.Typer(
    help="Administer the registry: partners, API keys, grants, webhooks, the audit log.",
    no_args_is_help=True,
    add_completion=False,  # loaded under `cvihub` (cvihub_cli.lazy), which offers completion
)
admin_app.add_typer(partners_app, name="partners")
admin_app.add_typer(keys_app, name="keys")
admin_app.add_typer(grants_app, name="grants")
admin_app.add_typer(subscriptions_app, name="subscriptions")
admin_app.add_typer(audit_app, name="audit")
admin_app.add_typer(consents_app, name="consents")
admin_app.add_typer(administrators_app, name="administrators")
admin_app.command("replay")(replay)
admin_app.command("notices")(notices)


@admin_app.callback()
def admin(
    ctx: typer.Context,
    registry_url: RegistryUrl = None,
    token: Token = None,
    data_dir: DataDir = DATA_DIR,
) -> None:
    """Administer the registry through its admin API."""
    ctx.obj = Target(registry_url=registry_url, token=token, data_dir=data_dir)

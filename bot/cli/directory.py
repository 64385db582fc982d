"""``creditbot directory sync wecom|dingtalk --bu CODE``: import a platform's departments as
teams and its users as people with their platform identity."""

from __future__ import annotations

from enum import StrEnum

import typer

from bot.bootstrap import Runtime
from bot.cli.base import app, console, domain_errors, err_console, runtime
from credit_domain.orgs.directory import (
    DirectoryDepartment,
    DirectoryUser,
    SyncReport,
    sync_org_directory,
)
from credit_domain.orgs.models import Platform
from credit_domain.unit_of_work import ActorRef

directory_app = typer.Typer(help="The platforms' address books.", no_args_is_help=True)
app.add_typer(directory_app, name="directory")


class Source(StrEnum):
    wecom = "wecom"
    dingtalk = "dingtalk"


def fetch(rt: Runtime, source: Source
          ) -> tuple[list[DirectoryDepartment], list[DirectoryUser]]:
    """Read the whole address book of ``source`` with the configured credentials."""
    s = rt.settings
    if source is Source.wecom:
        from bot.wecom.adapter import build_client
        from bot.wecom.directory import fetch_directory as fetch_wecom

        if not s.wecom_enabled:
            raise typer.BadParameter("set WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_SECRET")
        return fetch_wecom(build_client(rt))
    from bot.dingtalk.adapter import build_api
    from bot.dingtalk.directory import fetch_directory as fetch_dingtalk

    if not s.dingtalk_enabled:
        raise typer.BadParameter("set DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET")
    api = build_api(rt)
    try:
        return fetch_dingtalk(api)
    finally:
        api.close()


@directory_app.command("sync")
@domain_errors
def sync(
    source: Source = typer.Argument(..., help="wecom or dingtalk"),
    bu: str = typer.Option(..., "--bu", help="Business unit whose teams the departments become."),
    root: str | None = typer.Option(None, "--root",
                                    help="Only this department and those below it."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change."),
) -> None:
    """Import departments as teams and users as people (idempotent, audited; grants no role)."""
    from bot.dingtalk.api import DingTalkApiError
    from bot.wecom.client import WeComApiError

    with runtime() as rt:
        try:
            departments, users = fetch(rt, source)
        except (WeComApiError, DingTalkApiError) as exc:
            err_console.print(f"[red]Reading the {source.value} directory failed: {exc}[/red]")
            raise typer.Exit(1) from exc
        with rt.domain.uow(ActorRef.system(f"directory:{source.value}")) as uow:
            report = sync_org_directory(uow, platform=Platform(source.value),
                                        business_unit_code=bu, departments=departments,
                                        users=users, root=root)
            if not dry_run:
                uow.commit()
    show(report, len(departments), len(users), dry_run=dry_run)


def show(report: SyncReport, departments: int, users: int, *, dry_run: bool) -> None:
    c = report.counts()
    verb = "would change" if dry_run else "changed"
    console.print(f"Read {departments} departments and {users} users; {verb}: "
                  f"{c['teams_created']} teams created, {c['teams_renamed']} renamed, "
                  f"{c['people_created']} people created, {c['identities_linked']} accounts "
                  f"linked, {c['identities_updated']} updated, {c['people_deactivated']} "
                  f"people deactivated.", soft_wrap=True)
    if report.kept_active:
        console.print(f"Kept active (reachable on another platform): "
                      f"{', '.join(report.kept_active)}", soft_wrap=True)
    if not report.changed:
        console.print("Nothing to change.")

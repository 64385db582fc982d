"""``creditbot platforms``: what the WeCom and DingTalk settings switched on, and the one set-up
step no admin console offers (a WeCom app group chat for alerts)."""

from __future__ import annotations

import re

import typer

from bot.bootstrap import Runtime
from bot.cli.base import app, console, err_console, runtime

platforms_app = typer.Typer(help="WeCom and DingTalk: status and set-up.", no_args_is_help=True)
app.add_typer(platforms_app, name="platforms")

CHAT_ID = re.compile(r"^[0-9A-Za-z]{1,32}$")  # WeCom: letters and digits, at most 32


def describe(rt: Runtime) -> list[str]:
    """One line per enabled piece, secrets left out."""
    from bot.delivery import outlets
    from bot.dingtalk.adapter import dingtalk_platform
    from bot.wecom.adapter import wecom_platform

    s, lines = rt.settings, []
    wecom = wecom_platform(rt)
    if wecom is None:
        lines.append("WeCom: off (set WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_SECRET)")
    else:
        callback = "on" if wecom.callback else "off (set WECOM_TOKEN, WECOM_ENCODING_AES_KEY)"
        lines.append(f"WeCom: corp {s.wecom_corp_id}, app {s.wecom_agent_id}; API "
                     f"{'on' if wecom.sender else 'off'}; callback /wecom/callback {callback}")
    dingtalk = dingtalk_platform(rt)
    if dingtalk is None:
        lines.append("DingTalk: off (set DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET)")
    else:
        cards = ("interactive cards" if dingtalk.sender and
                 dingtalk.sender.capabilities.buttons_call_back else "Markdown cards")
        lines.append(f"DingTalk: app {s.dingtalk_client_id}; Stream "
                     f"{'on' if dingtalk.stream else 'off'}; robot HTTP mode /dingtalk/robot "
                     f"{'on' if dingtalk.robot else 'off'}; event subscription /dingtalk/callback "
                     f"{'on' if dingtalk.callback else 'off'}; {cards}; group robot "
                     f"{'on' if s.dingtalk_robot_webhook else 'off'}")
    for name, outlet in sorted(outlets(rt).items()):
        channels = getattr(outlet, "channels", None)
        if channels is not None:
            mapped = ", ".join(f"{k} → {v}" for k, v in sorted(channels.items())) or "none"
            lines.append(f"{name} channels: {mapped}")
    return lines


@platforms_app.command("status")
def status() -> None:
    """Which platforms, endpoints and alert channels the settings switch on."""
    with runtime() as rt:
        for line in describe(rt):
            console.print(line, highlight=False, soft_wrap=True)


@platforms_app.command("wecom-chat")
def wecom_chat(
    channel: str = typer.Argument(..., help="The alert channel, e.g. credit-alerts."),
    members: str = typer.Option(..., "--members",
                                help="WeCom user ids, comma-separated (at least two)."),
    name: str | None = typer.Option(None, "--name", help="The group's name (default: the "
                                                         "channel)."),
    owner: str | None = typer.Option(None, "--owner", help="The group owner's user id."),
    chat_id: str | None = typer.Option(None, "--chat-id",
                                       help="Letters and digits, at most 32 (default: the "
                                            "channel's)."),
) -> None:
    """Create the WeCom app group chat (appchat) an alert channel posts to, and print the
    WECOM_CHANNELS entry for it. WeCom requires the app's 可见范围 to be the root department."""
    from bot.wecom.adapter import build_client
    from bot.wecom.client import WeComApiError

    users = [u.strip() for u in members.split(",") if u.strip()]
    chat = chat_id or re.sub(r"[^0-9A-Za-z]", "", channel)[:32]
    if len(users) < 2:
        raise typer.BadParameter("a WeCom group chat needs at least two members (--members)")
    if not CHAT_ID.match(chat):
        raise typer.BadParameter("--chat-id: letters and digits only, at most 32")
    with runtime() as rt:
        if not rt.settings.wecom_enabled:
            raise typer.BadParameter("set WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_SECRET")
        body = {"name": name or channel, "userlist": users, "chatid": chat,
                **({"owner": owner} if owner else {})}
        try:
            created = build_client(rt).call("post", "appchat/create", data=body)
        except WeComApiError as exc:
            err_console.print(f"[red]WeCom refused the group chat: {exc}[/red]")
            raise typer.Exit(1) from exc
    chat = str(created.get("chatid") or chat)
    console.print(f"Created. Add to WECOM_CHANNELS: {channel}={chat}", highlight=False)

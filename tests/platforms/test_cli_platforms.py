"""``creditbot platforms`` as an administrator runs it against the fake platforms: the status
of what ``.env`` switched on, and the WeCom alert group chat created through the API."""

from __future__ import annotations

from tests.platforms.fake_dingtalk import FakeDingTalk
from tests.platforms.fake_wecom import FakeWeCom
from tests.platforms.test_directory_sync import base_env, creditbot


def test_status_says_what_the_settings_switch_on(sqlite_url: str, fake_wecom: FakeWeCom,
                                                 fake_dingtalk: FakeDingTalk) -> None:
    env = {**base_env(sqlite_url), "CREDITBOT_DISPATCHER": "0",
           "WECOM_CORP_ID": fake_wecom.corp_id, "WECOM_AGENT_ID": str(fake_wecom.agent_id),
           "WECOM_SECRET": fake_wecom.secret, "WECOM_CHANNELS": "credit-alerts=creditalerts",
           "DINGTALK_CLIENT_ID": fake_dingtalk.client_id,
           "DINGTALK_CLIENT_SECRET": fake_dingtalk.client_secret,
           "DINGTALK_CARD_TEMPLATE_ID": "tpl.schema", "DINGTALK_CHANNELS": "*=webhook"}
    shown = creditbot(["platforms", "status"], env)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith(f"WeCom: corp {fake_wecom.corp_id}, app 1000002; API on; "
                               "callback /wecom/callback off (set WECOM_TOKEN")
    assert "Stream on; robot HTTP mode /dingtalk/robot on" in lines[1]
    assert "interactive cards" in lines[1] and "group robot off" in lines[1]
    assert "wecom channels: credit-alerts → creditalerts" in lines
    assert "dingtalk channels: * → webhook" in lines
    assert fake_wecom.secret not in shown.stdout and fake_dingtalk.client_secret not in (
        shown.stdout)


def test_the_alert_group_chat_is_created_for_a_channel(sqlite_url: str,
                                                       fake_wecom: FakeWeCom) -> None:
    env = {**base_env(sqlite_url), "WECOM_CORP_ID": fake_wecom.corp_id,
           "WECOM_AGENT_ID": str(fake_wecom.agent_id), "WECOM_SECRET": fake_wecom.secret,
           "WECOM_API_URL": f"{fake_wecom.url}/cgi-bin/"}  # type: ignore[attr-defined]
    made = creditbot(["platforms", "wecom-chat", "credit-alerts", "--name", "信用预警",
                      "--owner", "zhangsan", "--members", "zhangsan,lisi"], env)
    assert made.returncode == 0, made.stderr
    assert "WECOM_CHANNELS: credit-alerts=creditalerts" in made.stdout
    assert "creditalerts" in fake_wecom.chats
    again = creditbot(["platforms", "wecom-chat", "credit-alerts", "--members", "a,b"], env)
    assert again.returncode == 1 and "86215" in again.stderr
    alone = creditbot(["platforms", "wecom-chat", "risk", "--members", "zhangsan"], env)
    assert alone.returncode == 2 and "at least two" in alone.stderr

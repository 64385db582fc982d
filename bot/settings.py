"""Every setting creditbot reads, from the environment or ``.env`` (names as documented in the
README and ``.env.example``)."""

from __future__ import annotations

import pathlib
from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/creditbot.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    host: str = Field("127.0.0.1", validation_alias="CREDITBOT_HOST")
    port: int = Field(8000, validation_alias="CREDITBOT_PORT")
    emulator: bool = Field(False, validation_alias="CREDITBOT_EMULATOR")
    # Run the emulator even though a real platform is configured (a staging box, say).
    emulator_force: bool = Field(False, validation_alias="CREDITBOT_EMULATOR_FORCE")
    policy_dir: pathlib.Path | None = Field(None, validation_alias="CREDITBOT_POLICY_DIR")
    log_format: str = Field("text", validation_alias=AliasChoices("CREDITBOT_LOG_FORMAT"))
    log_level: str = Field("INFO", validation_alias="CREDITBOT_LOG_LEVEL")
    secret_key: SecretStr | None = Field(None, validation_alias="CREDITBOT_SECRET_KEY")
    scheduler: bool = Field(True, validation_alias="CREDITBOT_SCHEDULER")
    # Where people reach the web UI (links in chat cards); default http://HOST:PORT
    public_url: str | None = Field(None, validation_alias="CREDITBOT_PUBLIC_URL")
    # Monitoring and delivery (README "Monitoring and alerts")
    scheduler_timezone: str = Field("Asia/Shanghai",
                                    validation_alias="CREDITBOT_SCHEDULER_TIMEZONE")
    dispatcher: bool = Field(True, validation_alias="CREDITBOT_DISPATCHER")
    outbox_max_attempts: int = Field(12, ge=1, le=100,
                                     validation_alias="CREDITBOT_OUTBOX_MAX_ATTEMPTS")
    outbox_poll_seconds: float = Field(5.0, gt=0, validation_alias="CREDITBOT_OUTBOX_POLL_SECONDS")
    outbox_lease_seconds: float = Field(120.0, ge=10,
                                        validation_alias="CREDITBOT_OUTBOX_LEASE_SECONDS")

    # Slack (enabled when the bot token and signing secret are set)
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(None, validation_alias="SLACK_API_URL")
    # Named channels of the alert policies → Slack channel ids: "credit-alerts=C0123,risk=C0456"
    slack_channels: str = Field("", validation_alias="SLACK_CHANNELS")

    def slack_channel_map(self) -> dict[str, str]:
        """``SLACK_CHANNELS`` as {channel name: Slack channel id}."""
        return channel_map(self.slack_channels)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    def secret_values(self) -> list[str]:
        """Every configured secret, for masking in logs and errors."""
        import urllib.parse

        from sqlalchemy.engine import make_url

        values = [v.get_secret_value() for v in self.__dict__.values() if isinstance(v, SecretStr)]
        for value in list(values):  # a secret URL (a robot webhook): its query values too
            query = urllib.parse.urlsplit(value).query if "://" in value else ""
            values += [v for _k, v in urllib.parse.parse_qsl(query) if len(v) >= 6]
        try:
            password = make_url(self.database_url).password
        except Exception:  # an unparsable URL is reported elsewhere
            password = None
        if password:
            values.append(str(password))
        return values

    # WeCom / 企业微信 (API when corp id, agent id and secret are set; the callback URL when
    # the token and EncodingAESKey are set too)
    wecom_corp_id: str | None = Field(None, validation_alias="WECOM_CORP_ID")
    wecom_agent_id: int | None = Field(None, validation_alias="WECOM_AGENT_ID")
    wecom_secret: SecretStr | None = Field(None, validation_alias="WECOM_SECRET")
    wecom_token: SecretStr | None = Field(None, validation_alias="WECOM_TOKEN")
    wecom_encoding_aes_key: SecretStr | None = Field(None,
                                                     validation_alias="WECOM_ENCODING_AES_KEY")
    wecom_api_url: str = Field("https://qyapi.weixin.qq.com/cgi-bin/",
                               validation_alias="WECOM_API_URL")
    # Named channels of the alert policies → app group chat ids: "credit-alerts=wrXXXX,risk=…"
    wecom_channels: str = Field("", validation_alias="WECOM_CHANNELS")

    def wecom_channel_map(self) -> dict[str, str]:
        """``WECOM_CHANNELS`` as {channel name: appchat chatid}."""
        return channel_map(self.wecom_channels)

    @property
    def wecom_enabled(self) -> bool:
        return bool(self.wecom_corp_id and self.wecom_agent_id and self.wecom_secret)

    @property
    def wecom_callback_enabled(self) -> bool:
        return bool(self.wecom_corp_id and self.wecom_token and self.wecom_encoding_aes_key)

    # DingTalk / 钉钉 (OpenAPI and Stream mode when the client id and secret are set; the HTTP
    # event callback when the token and AES key are set too)
    dingtalk_client_id: str | None = Field(None, validation_alias="DINGTALK_CLIENT_ID")
    dingtalk_client_secret: SecretStr | None = Field(None,
                                                     validation_alias="DINGTALK_CLIENT_SECRET")
    dingtalk_corp_id: str | None = Field(None, validation_alias="DINGTALK_CORP_ID")
    dingtalk_token: SecretStr | None = Field(None, validation_alias="DINGTALK_TOKEN")
    dingtalk_aes_key: SecretStr | None = Field(None, validation_alias="DINGTALK_AES_KEY")
    dingtalk_api_url: str = Field("https://api.dingtalk.com", validation_alias="DINGTALK_API_URL")
    dingtalk_oapi_url: str = Field("https://oapi.dingtalk.com",
                                   validation_alias="DINGTALK_OAPI_URL")
    dingtalk_robot_webhook: SecretStr | None = Field(None,
                                                     validation_alias="DINGTALK_ROBOT_WEBHOOK")
    dingtalk_robot_secret: SecretStr | None = Field(None, validation_alias="DINGTALK_ROBOT_SECRET")
    dingtalk_robot_code: str | None = Field(None, validation_alias="DINGTALK_ROBOT_CODE")
    dingtalk_card_template_id: str | None = Field(None,
                                                  validation_alias="DINGTALK_CARD_TEMPLATE_ID")
    dingtalk_stream: bool = Field(True, validation_alias="DINGTALK_STREAM")
    # Named channels → "webhook" (the group robot above) or a group's openConversationId
    # (cid…) that the app's robot is in: "credit-alerts=webhook,risk=cidXXXX=="
    dingtalk_channels: str = Field("", validation_alias="DINGTALK_CHANNELS")

    def dingtalk_channel_map(self) -> dict[str, str]:
        """``DINGTALK_CHANNELS`` as {channel name: ``webhook`` or an openConversationId}."""
        return channel_map(self.dingtalk_channels)

    @property
    def dingtalk_enabled(self) -> bool:
        return bool(self.dingtalk_client_id and self.dingtalk_client_secret)

    @property
    def dingtalk_stream_enabled(self) -> bool:
        return self.dingtalk_enabled and self.dingtalk_stream

    @property
    def dingtalk_callback_enabled(self) -> bool:
        return bool(self.dingtalk_client_id and self.dingtalk_token and self.dingtalk_aes_key)

    def configured_platforms(self) -> list[str]:
        """The real chat platforms this deployment has credentials for."""
        flags = {"Slack": self.slack_enabled,
                 "WeCom": bool(getattr(self, "wecom_enabled", False)),
                 "DingTalk": bool(getattr(self, "dingtalk_enabled", False))}
        return [name for name, on in flags.items() if on]

    def for_demo(self) -> Settings:
        """``make run``: the web emulator on, unless the environment or ``.env`` says
        otherwise (CREDITBOT_EMULATOR) or configures a chat platform."""
        if "emulator" in self.model_fields_set or self.configured_platforms():
            return self
        return self.model_copy(update={"emulator": True})

    def unsafe_emulator(self) -> str | None:
        """Why the demo sign-in must not run here, or None. Anyone can sign in as anyone in the
        emulator, so it refuses to start next to a real platform unless forced."""
        platforms = self.configured_platforms()
        if self.emulator and platforms and not self.emulator_force:
            return (f"CREDITBOT_EMULATOR=1 lets anyone sign in as anyone, and "
                    f"{', '.join(platforms)} is configured: this looks like a real deployment. "
                    f"Set CREDITBOT_EMULATOR=0, or CREDITBOT_EMULATOR_FORCE=1 if you mean it.")
        return None

    @property
    def bureau_kind(self) -> str:
        """The bureau provider in use: as configured, or by default the fake bureau with the
        emulator and none without it."""
        kind = self.bureau_provider.strip().lower()
        return kind or ("fake" if self.emulator else "none")

    @property
    def sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    # Bureau (company data): tianyancha | qichacha | fake | none; empty: the fake with the
    # emulator (the demo), none otherwise (invented records must never reach real customers)
    bureau_provider: str = Field("", validation_alias="CREDITBOT_BUREAU_PROVIDER")
    tianyancha_token: SecretStr | None = Field(None, validation_alias="TIANYANCHA_TOKEN")
    qichacha_key: str | None = Field(None, validation_alias="QICHACHA_KEY")
    qichacha_secret_key: SecretStr | None = Field(None, validation_alias="QICHACHA_SECRET_KEY")
    bureau_api_url: str | None = Field(None, validation_alias="BUREAU_API_URL")
    bureau_cache_ttl_hours: float = Field(24.0, validation_alias="BUREAU_CACHE_TTL_HOURS")
    bureau_rate_per_second: float | None = Field(None, validation_alias="BUREAU_RATE_PER_SECOND")


def channel_map(raw: str) -> dict[str, str]:
    """``"name=target,name=target"`` as {name: target} (a leading ``#`` of a name is dropped;
    a target may itself contain ``=``, as base64 conversation ids do)."""
    pairs = (item.split("=", 1) for item in raw.split(",") if "=" in item)
    return {name.strip().lstrip("#"): target.strip() for name, target in pairs
            if name.strip() and target.strip()}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

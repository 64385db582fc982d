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
    policy_dir: pathlib.Path | None = Field(None, validation_alias="CREDITBOT_POLICY_DIR")
    log_format: str = Field("text", validation_alias=AliasChoices("CREDITBOT_LOG_FORMAT"))
    log_level: str = Field("INFO", validation_alias="CREDITBOT_LOG_LEVEL")
    secret_key: SecretStr | None = Field(None, validation_alias="CREDITBOT_SECRET_KEY")
    scheduler: bool = Field(True, validation_alias="CREDITBOT_SCHEDULER")

    # Slack (enabled when the bot token and signing secret are set)
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(None, validation_alias="SLACK_API_URL")

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

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

    @property
    def dingtalk_enabled(self) -> bool:
        return bool(self.dingtalk_client_id and self.dingtalk_client_secret)

    @property
    def dingtalk_stream_enabled(self) -> bool:
        return self.dingtalk_enabled and self.dingtalk_stream

    @property
    def dingtalk_callback_enabled(self) -> bool:
        return bool(self.dingtalk_client_id and self.dingtalk_token and self.dingtalk_aes_key)

    @property
    def sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

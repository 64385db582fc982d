"""DingTalk (钉钉): Stream mode with the official dingtalk-stream SDK (robot messages and
interactive-card callbacks), the HTTP event callback with dingtalk-sdk's crypto, interactive
cards and robot messages through the OpenAPI v1.0 (httpx), group-robot webhooks, and the
directory fetcher."""

"""Entry points and platform adapters: CLI, web server, Slack, WeCom, DingTalk, emulator."""

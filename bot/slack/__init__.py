"""Slack through slack-bolt's AsyncApp: the ``/credit`` slash command, direct messages and
mentions, Block Kit cards with buttons, modals for reasons and forms, in-place updates, the
App Home tab; HTTP mode at ``POST /slack/events`` or Socket Mode with ``SLACK_APP_TOKEN``."""

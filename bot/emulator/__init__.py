"""The web emulator: a demo chat platform in the browser (``CREDITBOT_EMULATOR=1``), served at
``/`` by ``creditbot serve``. Same pipeline, same handlers and same neutral cards as Slack,
WeCom and DingTalk; messages live in the database, so every replica shows the same thing."""

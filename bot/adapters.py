"""Imports every adapter module that registers a runtime hook or web routes. One line each."""

import bot.dingtalk.adapter
import bot.wecom.adapter  # noqa: F401

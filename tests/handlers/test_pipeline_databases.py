"""The pipeline's claims and dialogues on both databases, including two deliveries of the
same event at the same moment."""

from __future__ import annotations

import threading
from typing import Any

from bot.messages import Command, Reply
from credit_domain.bootstrap import Domain
from handlers.router import Args, Context, Router
from tests.handlers.platform import TEXT_ONLY, TestPlatform
from tests.handlers.world import seed


def test_simultaneous_deliveries_of_one_event_are_processed_once(any_domain: Domain,
                                                                 registry: Router) -> None:
    seed(any_domain)
    calls: list[int] = []

    @registry.command("count")
    def count(ctx: Context, args: Args) -> Reply:
        calls.append(1)
        return Reply(text="counted")

    chat = TestPlatform(any_domain)
    barrier = threading.Barrier(4)
    answers: list[list[Reply]] = []

    def deliver() -> None:
        barrier.wait()
        answers.append(chat.conversations.handle(
            Command(chat.envelope("wangfang", "EvSame"), "count"), chat.capabilities))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(len(a) for a in answers) == [0, 0, 0, 1]
    assert calls == [1]


def test_choice_dialogue_and_language(any_domain: Domain, clock: Any) -> None:
    seed(any_domain)
    cli = TestPlatform(any_domain, capabilities=TEXT_ONLY)
    cli.push("credit 华", user="zhangwei")
    [picked] = cli.push("1", user="zhangwei")
    assert picked.card is not None and picked.card.title == "华为技术有限公司"
    assert cli.push("lang zh", user="zhangwei")[0].text == "好的，从现在起我用中文和您交流。"
    [card] = cli.push("额度 华为", user="zhangwei")
    assert card.card is not None and card.card.footer == "截至 2026-03-02"

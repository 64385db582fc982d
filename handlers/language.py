"""``lang zh|en`` / ``语言 中文|英文``: the language creditbot speaks with a person."""

from __future__ import annotations

from bot.messages import Reply
from credit_domain.i18n import text_factory
from credit_domain.orgs.people import set_locale
from handlers.router import Args, Context, UsageError, router

_ = text_factory("handlers")

CHOICES = {
    "zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "cn": "zh_CN", "chinese": "zh_CN",
    "中文": "zh_CN", "汉语": "zh_CN", "简体中文": "zh_CN", "普通话": "zh_CN",
    "en": "en", "english": "en", "英文": "en", "英语": "en",
    "default": None, "auto": None, "默认": None, "自动": None,
}
NAMES = {"zh_CN": "中文", "en": "English"}


@router.command("lang", aliases=["language", "语言"], usage=_("lang zh|en"),
                summary=_("Choose the language I speak with you"),
                examples=("lang en", "语言 中文", "lang default"), order=800)
def language(ctx: Context, args: Args) -> Reply:
    if not args.text:
        return Reply(text=ctx.t(_("I speak {language} with you. Change it with: lang zh | "
                                  "lang en | lang default.", language=NAMES[ctx.locale])))
    key = args.text.strip().lower()
    if key not in CHOICES:
        raise UsageError(args.command, _("I can speak Chinese (zh) or English (en)."))
    chosen = CHOICES[key]
    with ctx.uow() as uow:
        set_locale(uow, ctx.person_id, chosen)
        uow.commit()
    if chosen is None:
        return Reply(text=_("OK, I'll speak this platform's default language with you.")
                     .render(ctx.capabilities.default_locale))
    return Reply(text=_("OK, from now on I speak {language} with you.",
                        language=NAMES[chosen]).render(chosen))


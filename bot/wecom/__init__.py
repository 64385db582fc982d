"""WeCom (企业微信): the callback URL (URL verification and AES-encrypted messages and events,
via wechatpy's enterprise crypto), template cards sent and updated through wechatpy's generic
client calls, app and group-chat messages, and the directory fetcher."""

"""What creditbot must remember about the chat platforms: shared API access tokens and the
messages it sent that it may later update (WeCom response codes, DingTalk card instances)."""

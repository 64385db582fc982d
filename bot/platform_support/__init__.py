"""What the WeCom and DingTalk adapters share: API tokens in the database, the record of sent
cards, delivery dedupe, the inbound handler seam and background work, and their link to the
conversation pipeline and the chat notifier (``conversations``)."""

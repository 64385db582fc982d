"""What chat needs to remember between messages: dialogue state, where cards were sent (to
update them in place), and the web emulator's transcript."""

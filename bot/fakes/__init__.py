"""Fake external services for the demo and the tests: real HTTP servers on 127.0.0.1 that
real clients talk to."""

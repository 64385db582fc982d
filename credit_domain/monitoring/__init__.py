"""Monitoring: scheduled jobs that watch every credit account, alert routing, and job runs."""

"""The shared credit domain: model, exposure, workflow, rules, analytics and their services.

Imports no chat SDK, no web framework and nothing from ``bot``, ``handlers`` or ``scheduler``.
"""

"""Health endpoints for process managers and load balancers: `/healthz` and `/readyz`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint; probes are exempt from rate limits (balancers poll often)."""
    from directory.extensions import limiter
    from directory.health import jobs, views

    limiter.exempt(views.bp)
    app.register_blueprint(views.bp)
    app.cli.add_command(jobs.health_cli)

"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""

from eventhub import create_app

app = create_app()

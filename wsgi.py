"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""

import gc

from eventhub import create_app

app = create_app()

# The built app's objects (modules, mappers, catalogs, routes: over half a million) live as
# long as the process. Frozen, the garbage collector's full collections no longer walk them:
# each took about 0.25 s, holding every thread of the worker, once every few large answers
# (a round's results). What a request leaves behind is still collected as before.
gc.collect()
gc.freeze()

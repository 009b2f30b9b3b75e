"""gunicorn settings for the Flask side of the HTTP benchmark (bind, workers and class on the command line)."""
accesslog = None  # chirpd runs with --access-log off and nginx with access_log off
errorlog = "-"
loglevel = "warning"
keepalive = 5


def post_fork(server, worker):
    # With the gevent worker, psycopg2 must yield to the event loop while it waits
    # for PostgreSQL, or one query blocks every greenlet of the worker.
    if server.cfg.worker_class_str == "gevent":
        from psycogreen.gevent import patch_psycopg
        patch_psycopg()

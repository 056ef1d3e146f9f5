#!/bin/sh
# The image's entry point: `web` (gunicorn), `worker` (the RQ mail worker), `scheduler` (due
# and retried mail every minute, reminders every hour), `migrate` (database upgrade under a
# lock, run once per deploy), or any other command (e.g. `flask eventhub create-admin ...`).
set -eu

if [ "${EVENTHUB_CONFIG:-production}" = "production" ] && [ -z "${SECRET_KEY:-}" ]; then
    # Without it every container would generate its own key: sessions signed by one web
    # container would be refused by the next.
    echo "SECRET_KEY is not set (the same value on every app container and machine)." >&2
    exit 64
fi

[ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ] && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

case "${1:-web}" in
    web)
        exec gunicorn --config /app/deploy/gunicorn.conf.py wsgi:app
        ;;
    worker)
        exec flask eventhub mail worker
        ;;
    scheduler)
        last_remind=0
        while true; do
            flask eventhub mail send || echo "scheduler: mail send failed" >&2
            now=$(date +%s)
            if [ $((now - last_remind)) -ge "${REMIND_INTERVAL:-3600}" ]; then
                flask eventhub mail remind || echo "scheduler: mail remind failed" >&2
                last_remind=$now
            fi
            sleep "${MAIL_SEND_INTERVAL:-60}"
        done
        ;;
    migrate)
        exec python /app/deploy/migrate.py
        ;;
    *)
        exec "$@"
        ;;
esac

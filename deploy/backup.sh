#!/usr/bin/env bash
# Back up eventhub's PostgreSQL database: one pg_dump file in custom format (compressed, one
# consistent snapshot however busy the app is) and, beside it, the row count of every table
# as the dump holds them (restore.sh checks a restore against these).
#
#   deploy/backup.sh DATABASE_URL [OUT_DIR]          OUT_DIR defaults to ./backups
#   with compose:  docker compose -f deploy/compose.yaml exec -T postgres \
#                    pg_dump -U eventhub --format=custom eventhub > eventhub.dump
#
# Prints the dump's path. Keep several (e.g. daily for two weeks) and copy them off the
# machine. Uploads (UPLOAD_FOLDER) are files, not rows: back that folder up as well.
set -euo pipefail
# PG_BIN: the folder of pg_dump/pg_restore when they are not on PATH (they must be at least
# the server's major version).
bin=${PG_BIN:+$PG_BIN/}

url=${1:?usage: backup.sh DATABASE_URL [OUT_DIR]}
out=${2:-./backups}
url=${url/postgresql+psycopg:/postgresql:}   # SQLAlchemy's driver name means nothing to libpq

mkdir -p "$out"
dump="$out/eventhub-$(date -u +%Y%m%dT%H%M%SZ).dump"
"${bin}pg_dump" --format=custom --no-owner --no-privileges --compress=6 \
    --file="$dump.partial" "$url"
"$(dirname "$0")/restore.sh" --counts "$dump.partial" > "${dump%.dump}.counts"
mv "$dump.partial" "$dump"
echo "$dump"

#!/usr/bin/env bash
# Restore a dump made by backup.sh into a fresh database and verify it: every table's row
# count in the restored database must equal the count in the dump.
#
#   deploy/restore.sh DUMP TARGET_DATABASE_URL     restore (creates the database if missing;
#                                                  refuses one that already has tables)
#   deploy/restore.sh --counts DUMP                print "table rows" for every table in DUMP
#
# Then point DATABASE_URL at the restored database and run the migrations (`migrate`): a dump
# from an older release is upgraded like any database. Stop the app (or its writes) while
# switching over.
set -euo pipefail
# PG_BIN: the folder of pg_restore/psql when they are not on PATH (at least the server's
# major version).
bin=${PG_BIN:+$PG_BIN/}

counts() {
    # Data of a custom-format dump as COPY text: one line per row (newlines inside a value
    # are escaped), between "COPY table (...) FROM stdin;" and "\.".
    "${bin}pg_restore" --data-only --file=- "$1" | awk '
        /^COPY .* FROM stdin;$/ { table = $2; rows[table] = 0; inside = 1; next }
        inside && $0 == "\\." { inside = 0; next }
        inside { rows[table]++ }
        END { for (t in rows) print t, rows[t] }' | LC_ALL=C sort
}

if [ "${1:-}" = "--counts" ]; then
    counts "${2:?usage: restore.sh --counts DUMP}"
    exit 0
fi

dump=${1:?usage: restore.sh DUMP TARGET_DATABASE_URL}
url=${2:?usage: restore.sh DUMP TARGET_DATABASE_URL}
url=${url/postgresql+psycopg:/postgresql:}
[ -f "$dump" ] || { echo "restore: no such dump: $dump" >&2; exit 66; }

# The target database: created through the server's "postgres" database when missing.
base=${url%%\?*}
query=${url#"$base"}
name=${base##*/}
admin="${base%/*}/postgres$query"
if ! "${bin}psql" "$admin" -XtAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    "${bin}psql" "$admin" -Xqc "CREATE DATABASE \"$name\""
fi
tables=$("${bin}psql" "$url" -XtAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
    echo "restore: $name already has $tables tables; restore into a fresh database" >&2
    exit 65
fi

"${bin}pg_restore" --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname="$url" "$dump"

# Verify: the restored counts against the dump's, table by table.
expected=$(counts "$dump")
sql=$(echo "$expected" | awk 'NF { printf "%sSELECT %s, count(*) FROM %s",
    (n++ ? " UNION ALL " : ""), "'"'"'" $1 "'"'"'", $1 }')
actual=$("${bin}psql" "$url" -XtA -F ' ' -c "$sql" | LC_ALL=C sort)
if [ "$expected" != "$actual" ]; then
    echo "restore: row counts differ (expected | restored):" >&2
    diff <(echo "$expected") <(echo "$actual") >&2 || true
    exit 1
fi
echo "restored $(echo "$expected" | grep -c .) tables, $(echo "$expected" | awk '{ s += $2 } END { print s + 0 }') rows into $name: counts verified"

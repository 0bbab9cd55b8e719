#!/usr/bin/env bash
# Restore a backup written by ops/backup.sh into the database of DATABASE_URL and the media
# folder MEDIA_ROOT.
#
#   DATABASE_URL=postgres://user@host:5432/portal_restored MEDIA_ROOT=/srv/media-restored \
#     ops/restore.sh BACKUP_DIR/20261202T010000Z [--force]
#
# The database must exist (createdb). A database that already has tables, or a media folder
# that already has files, is refused unless --force is given; with --force the backup's
# tables replace the ones there (pg_restore --clean) and the media folder is emptied first.
# The dump and the archive are checked against their SHA-256 sums before anything is touched.
set -euo pipefail

usage() { echo "usage: ops/restore.sh BACKUP_FOLDER [--force]" >&2; exit 2; }
backup=""
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) usage ;;
    *) [ -z "$backup" ] || usage; backup="$arg" ;;
  esac
done
[ -n "$backup" ] || usage
DATABASE_URL="${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to restore into}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "restore: DATABASE_URL is not PostgreSQL; only PostgreSQL is restored by this script" >&2; exit 2 ;;
esac
HERE="$(cd "$(dirname "$0")/.." && pwd)"
MEDIA_ROOT="${MEDIA_ROOT:-$HERE/media}"

# A backup taken with MEDIA_STORAGE=s3 has no media archive: its files are in the object store.
media=1
if [ -f "$backup/MANIFEST" ] && grep -q '^media=not included' "$backup/MANIFEST"; then
  media=0
fi
required=(db.dump SHA256SUMS)
[ "$media" = "0" ] || required+=(media.tar.gz)
for file in "${required[@]}"; do
  if [ ! -f "$backup/$file" ]; then
    echo "restore: $backup is not a complete backup (no $file)" >&2
    exit 2
  fi
done
if [ -e "$backup/.partial" ]; then
  echo "restore: $backup was not finished by ops/backup.sh; use another backup" >&2
  exit 2
fi
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || {
  echo "restore: $backup does not match its SHA256SUMS; it is damaged" >&2
  exit 2
}

tables="$(psql --no-psqlrc -v ON_ERROR_STOP=1 -tAc \
  "select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')" \
  "$DATABASE_URL")"
if [ "$tables" != "0" ] && [ "$force" != "1" ]; then
  echo "restore: refusing to restore over a database that is not empty ($tables tables)." >&2
  echo "restore: restore into a new database (createdb), or pass --force to replace its tables." >&2
  exit 3
fi
if [ "$media" = "1" ] && [ -d "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT")" ] && [ "$force" != "1" ]; then
  echo "restore: refusing to restore over a media folder that is not empty: $MEDIA_ROOT" >&2
  echo "restore: give a new MEDIA_ROOT, or pass --force to replace its files." >&2
  exit 3
fi

clean=()
[ "$tables" = "0" ] || clean=(--clean --if-exists)
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction "${clean[@]}" \
  --dbname="$DATABASE_URL" "$backup/db.dump"

if [ "$media" = "0" ]; then
  echo "restore: $backup restored into the database; media not included: MEDIA_STORAGE=s3, the files are in the object store"
else
  mkdir -p "$MEDIA_ROOT"
  if [ "$force" = "1" ]; then
    find "$MEDIA_ROOT" -mindepth 1 -delete
  fi
  tar --extract --gzip --file="$backup/media.tar.gz" --directory="$MEDIA_ROOT"
  echo "restore: $backup restored into the database and $MEDIA_ROOT"
fi
echo "restore: now run 'manage.py migrate' (if the code is newer) and 'manage.py reconcile'."

#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database (pg_dump custom format) and the private media
# files (a tar), into a new folder BACKUP_DIR/<UTC time>/ with SHA-256 sums of both.
#
#   DATABASE_URL=postgres://user@host:5432/portal MEDIA_ROOT=/srv/media BACKUP_DIR=/backups ops/backup.sh
#
# With MEDIA_STORAGE=s3 the files are in the object store: no media archive is written, the
# output and the MANIFEST say so (back the bucket up with the object store's own tools). With
# local media a MEDIA_ROOT that does not exist is refused (a misspelt one wrote an empty
# archive and exited 0).
#
# Prints the folder it wrote. The dump is taken in one snapshot transaction, so it is
# consistent while the portal runs; files uploaded during the tar may be missing from it, so
# run it when uploads are quiet (nightly) or accept that the newest uploads wait for the next one.
set -euo pipefail
# The dump holds password hashes and personal data: readable by its owner only.
umask 077

DATABASE_URL="${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "backup: DATABASE_URL is not PostgreSQL; only PostgreSQL is backed up by this script" >&2; exit 2 ;;
esac
HERE="$(cd "$(dirname "$0")/.." && pwd)"
MEDIA_ROOT="${MEDIA_ROOT:-$HERE/media}"
MEDIA_STORAGE="$(printf '%s' "${MEDIA_STORAGE:-local}" | tr 'A-Z' 'a-z')"
BACKUP_DIR="${BACKUP_DIR:-$HERE/backups}"
MEDIA_IN_OBJECT_STORE="media=not included: MEDIA_STORAGE=s3, the files are in the object store"
if [ "$MEDIA_STORAGE" != "s3" ] && [ ! -d "$MEDIA_ROOT" ]; then
  echo "backup: MEDIA_ROOT $MEDIA_ROOT does not exist; set MEDIA_ROOT to the portal's media folder (the one its settings use)" >&2
  exit 2
fi
# libpq reads postgresql:// and postgres:// alike; dj-database-url's extra schemes are not used.

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$BACKUP_DIR/$stamp"
if [ -e "$target" ]; then
  # Two backups in the same second: never overwrite one.
  target="$target-$$"
fi
mkdir -p "$target"
partial="$target/.partial"
touch "$partial"
# A failed step (pg_dump refused, the disk full) leaves no half-made backup folder behind:
# restore refuses one anyway (.partial), but it looked like a backup to whoever listed them.
trap 'status=$?; if [ -e "$partial" ]; then rm -rf "$target"; echo "backup: failed (exit $status); the unfinished folder $target was removed" >&2; fi' EXIT

pg_dump --format=custom --no-owner --no-privileges --file="$target/db.dump" --dbname="$DATABASE_URL"

if [ "$MEDIA_STORAGE" = "s3" ]; then
  echo "backup: media not included: MEDIA_STORAGE=s3, the files are in the object store (back the bucket up with its own tools)" >&2
  (cd "$target" && sha256sum db.dump > SHA256SUMS)
  media_line="$MEDIA_IN_OBJECT_STORE"
else
  tar --create --gzip --file="$target/media.tar.gz" --directory="$MEDIA_ROOT" .
  (cd "$target" && sha256sum db.dump media.tar.gz > SHA256SUMS)
  media_line="media_files=$(find "$MEDIA_ROOT" -type f | wc -l | tr -d ' ')"
fi
{
  echo "created_at=$stamp"
  echo "database=$(psql --no-psqlrc -tAc 'select current_database()' "$DATABASE_URL")"
  echo "$media_line"
  echo "pg_dump=$(pg_dump --version)"
} > "$target/MANIFEST"
rm -f "$partial"
echo "$target"

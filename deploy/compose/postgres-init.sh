#!/bin/sh
# First start of the PostgreSQL volume: Baton's own role and database. The role owns its database and
# is no superuser (docs/security.md); Temporal uses the postgres superuser for its own databases.
set -eu
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE baton LOGIN PASSWORD '${BATON_DB_PASSWORD}';
CREATE DATABASE baton OWNER baton;
SQL

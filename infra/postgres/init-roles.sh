#!/bin/sh
# Runs once, when the postgres volume is first initialised (/docker-entrypoint-initdb.d): the service roles of
# roles.psql, with the passwords `npm run secrets` wrote (Docker secrets pg_orders, pg_history,
# pg_gateway_paper). A volume initialised before a role was added gets it from the same file by hand (README).
set -eu
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_database="$POSTGRES_DB" \
  -v orders_role=orders -v orders_schema=orders -v orders_password="$(cat /run/secrets/pg_orders)" \
  -v history_role=history -v history_schema=history -v history_password="$(cat /run/secrets/pg_history)" \
  -v gateway_paper_role=gateway_paper -v gateway_paper_schema=paper \
  -v gateway_paper_password="$(cat /run/secrets/pg_gateway_paper)" \
  -f /etc/trading/roles.psql

# stack.sh — sourced by run.sh, test.sh and bench.sh (from the repository's
# root): PostgreSQL and MinIO reused or started (postgres.sh, minio.sh) with
# their environment exported, and stop_stack, which stops at the end only what
# this script started.
export EKO_DATA=${EKO_DATA:-$PWD/.data}

stop_stack() {
	[ "${minio_started:-}" = started ] && infra/local/minio.sh stop
	[ "${pg_started:-}" = started ] && infra/local/postgres.sh stop
	return 0
}

pg_started=$(infra/local/postgres.sh start)
eval "$(infra/local/postgres.sh env)"
minio_started=$(infra/local/minio.sh start)
eval "$(infra/local/minio.sh env)"

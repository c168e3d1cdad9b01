#!/bin/sh
# Reads each SIGNAGE_*_FILE / DAGSTER_*_FILE variable's file into the variable it names
# (Docker and Kubernetes secrets), then runs the role's command.
set -eu
for name in $(env | sed -n 's/^\(\(SIGNAGE\|DAGSTER\)_[A-Z0-9_]*\)_FILE=.*/\1/p'); do
    file=$(printenv "${name}_FILE")
    if [ ! -r "$file" ]; then
        echo "${name}_FILE names $file, which cannot be read" >&2
        exit 78
    fi
    export "$name=$(cat "$file")"
    unset "${name}_FILE"
done
exec "$@"

#!/bin/sh
# A self-signed certificate for PUBLIC_HOST on first start (kept in the tls volume); put a
# real one in the volume in production.
set -eu
tls=/etc/nginx/tls
if [ ! -s "$tls/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$PUBLIC_HOST" \
        -addext "subjectAltName=DNS:$PUBLIC_HOST,DNS:localhost,IP:127.0.0.1" \
        -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
    chmod 644 "$tls/cert.pem"
fi
exec nginx -g 'daemon off;'

#!/bin/sh
# Regenerates sha1-chain.pem: an RSA root, an intermediate the root signed
# with SHA-1 (sha1WithRSAEncryption), and a leaf for mx.example.org signed
# by the intermediate with SHA-256; leaf first, root last. Made with
# OpenSSL 3 so that the SHA-1 test does not depend on Go being willing to
# sign with SHA-1. Tests pin the validation time inside the validity period.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -sha256 -days 3650 \
	-subj "/CN=SHA-1 Fixture Root" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr -subj "/CN=SHA-1 Fixture Intermediate"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > inter.ext
openssl x509 -req -sha1 -in inter.csr -CA root.pem -CAkey root.key -set_serial 2 -days 3650 -extfile inter.ext -out inter.pem
openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=mx.example.org"
printf 'subjectAltName=DNS:mx.example.org\nextendedKeyUsage=serverAuth\n' > leaf.ext
openssl x509 -req -sha256 -in leaf.csr -CA inter.pem -CAkey inter.key -set_serial 3 -days 3650 -extfile leaf.ext -out leaf.pem
cat leaf.pem inter.pem root.pem

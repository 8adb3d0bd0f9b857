#!/usr/bin/env bash
# The Debian packages the project needs beside its Python lock file, installed when missing.
#
#   bash tools/system_packages.sh test       # Chromium, SoftHSM2, poppler-utils, CJK fonts, Node.js
#   bash tools/system_packages.sh postgres   # PostgreSQL installed, running, trust auth on loopback
#   bash tools/system_packages.sh bench      # wrk and PostgreSQL, for `make bench`
#
# `make pytest` and `make bench` call it; it does nothing when everything is there. As root it runs
# apt-get itself; otherwise it stops and prints the one command that installs what is missing.
set -euo pipefail

MISSING=()

install_missing() {
    [ "${#MISSING[@]}" = 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "ecert needs these Debian packages: ${MISSING[*]}" >&2
        echo "install them as root, then run make again:" >&2
        echo "    sudo apt-get install -y ${MISSING[*]}" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${MISSING[@]}" >/dev/null
    MISSING=()
}

test_packages() {
    command -v chromium >/dev/null || MISSING+=(chromium)
    command -v softhsm2-util >/dev/null || MISSING+=(softhsm2)
    # pdfsig, pdftotext and pdftoppm check the sealed PDFs the way a reader outside ecert would.
    command -v pdfsig >/dev/null || MISSING+=(poppler-utils)
    # Readable CJK text in browser screenshots (the tests assert on text, not pixels). grep reads
    # all of fc-list's output: with -q it would stop early, and pipefail would count the SIGPIPE
    # this gives fc-list as a failure (and reinstall the fonts on every run).
    fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || MISSING+=(fonts-noto-cjk)
    # The OpenID provider the holder sign-in tests start (tests/oidc/provider.mjs, npm ci).
    command -v node >/dev/null || MISSING+=(nodejs)
    command -v npm >/dev/null || MISSING+=(npm)
    install_missing
}

postgres() {
    if ! command -v pg_ctlcluster >/dev/null; then
        MISSING+=(postgresql)
        install_missing
        # A cluster installed here gets the trust auth on loopback that the tests expect; Debian's
        # default would ask for a password.
        for hba in /etc/postgresql/*/main/pg_hba.conf; do
            sed -i -E \
                's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
        done
    fi
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        cluster_version=$(ls /etc/postgresql | sort -V | tail -n 1)
        if [ "$(id -u)" != 0 ]; then
            echo "PostgreSQL is installed but not running; start it as root:" >&2
            echo "    sudo pg_ctlcluster --skip-systemctl-redirect $cluster_version main start" >&2
            exit 1
        fi
        pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start \
            || pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main restart
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        echo "PostgreSQL on 127.0.0.1:5432 does not accept user postgres without a password" \
            "(trust auth)" >&2
        exit 1
    fi
}

case "${1:-}" in
    test) test_packages ;;
    postgres) postgres ;;
    # The verification API benchmark drives the server with wrk, on PostgreSQL.
    bench) command -v wrk >/dev/null || MISSING+=(wrk); install_missing; postgres ;;
    *) echo "usage: $0 test|postgres|bench" >&2; exit 2 ;;
esac

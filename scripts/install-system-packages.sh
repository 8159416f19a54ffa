#!/usr/bin/env bash
# Installs the Debian packages the portal needs, when run as root on Debian/Ubuntu; otherwise
# prints the exact command to run. Quick when everything is already there.
#   libharfbuzz-subset0  font subsetting for WeasyPrint (a Chinese certificate: ~0.1 s instead of ~6 s)
#   libpango-1.0-0, libpangoft2-1.0-0  WeasyPrint's text layout
#   fonts-noto-cjk       Chinese glyphs (Noto Serif/Sans CJK SC) for certificates and pages
#   python3-venv         `python3 -m venv` on a bare Debian
# and the extra packages a Makefile target passes as arguments:
#   chromium             (make test) the browser of the end-to-end tests in tests/e2e
#   poppler-utils        (make test) pdffonts, pdfinfo, pdftoppm: the certificate tests read the PDF back
#   zbar-tools           (make test) zbarimg: the certificate tests decode the printed QR code
#   gettext              (make messages) xgettext/msgmerge/msgfmt for makemessages and compilemessages
#   wrk                  (make bench) the HTTP load generator of the throughput benchmark
set -euo pipefail

packages=(libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk)
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  packages+=(python3-venv)
fi
# Extra packages a target asks for (e.g. the browser for end-to-end tests).
packages+=("$@")

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian-like system: install the equivalents of: ${packages[*]}" >&2
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $command >/dev/null
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Run as root:  apt-get update && $command" >&2
  if printf '%s\n' "${missing[@]}" | grep -qx python3-venv; then
    exit 1  # nothing works without a virtualenv
  fi
fi

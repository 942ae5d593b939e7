#!/usr/bin/env bash
# Installs the real text the demo models are trained on (Debian packages; run as root, network to Debian needed).
# Sources and licences: see models/README.md.
set -euo pipefail
apt-get update -q
apt-get install -y -q python3.11-doc perl-doc openjdk-17-source

#!/usr/bin/env bash
# Prometheus alerting rules: every file in deploy/prometheus/rules is checked by promtool
# (syntax, expressions) and every *_test.yml is run as a rule unit test. promtool comes from
# Debian's prometheus package (installed on first use).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

command -v promtool >/dev/null || apt_install prometheus
cd "$ROOT/deploy/prometheus/rules"
rules=() tests=()
for f in *.yml; do
  case $f in *_test.yml) tests+=("$f") ;; *) rules+=("$f") ;; esac
done
[ ${#rules[@]} -gt 0 ] || die "no rule files in deploy/prometheus/rules"
for f in "${rules[@]}"; do [ -f "${f%.yml}_test.yml" ] || die "$f has no unit test file ${f%.yml}_test.yml"; done
promtool check rules "${rules[@]}" || die "promtool check rules failed"
promtool test rules "${tests[@]}" || die "promtool test rules failed"
log "rules: ${#rules[@]} files checked, ${#tests[@]} rule test files passed"

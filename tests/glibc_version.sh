# Sourced by shell tests whose stock-libc evidence depends on the glibc
# version: glibc 2.41 stopped freeing environ arrays under readers, so on
# it and later the stock C library survives the growth/putenv/clearenv
# workloads (README "Supported systems").
#
# glibc_at_least MAJOR.MINOR: true when the running glibc is that or newer.
glibc_at_least() {
	_v=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed -n 's/^glibc //p')
	[ -n "$_v" ] || return 1
	_want_major=${1%%.*} _want_minor=${1#*.}
	_major=${_v%%.*} _minor=${_v#*.}
	_minor=${_minor%%.*}
	[ "$_major" -gt "$_want_major" ] ||
		{ [ "$_major" -eq "$_want_major" ] && [ "$_minor" -ge "$_want_minor" ]; }
}
# STOCK_FREES_ENVIRON is 1 when the stock C library frees environ arrays
# under readers (glibc before 2.41, where stock crashes are the evidence).
if glibc_at_least 2.41; then STOCK_FREES_ENVIRON=0; else STOCK_FREES_ENVIRON=1; fi

// Package harness runs a real Traefik binary with local Yaegi plugins for
// end-to-end tests: it lays out plugins-local in a temporary working
// directory, writes the static and dynamic configuration, starts Traefik on
// free loopback ports, waits until the configured routers serve, rewrites the
// dynamic configuration on demand, and fails the test at cleanup when
// Traefik's log shows a plugin error or a panic.
package harness

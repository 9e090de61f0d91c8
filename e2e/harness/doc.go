// Package harness runs a real Traefik binary with local Yaegi plugins for
// end-to-end tests: it lays out plugins-local in a temporary working
// directory, writes the static and dynamic configuration, starts Traefik on
// free loopback ports, waits until the configured routers serve, rewrites the
// dynamic configuration on demand, and fails the test at cleanup when
// Traefik's log shows a plugin error or a panic. Its Navigator drives the
// demo app through Traefik as a browser navigates, one hop at a time, and
// the Assert functions check a hand-off's arrival and the plugin's
// refusals.
package harness

// Package compose reads the repository's docker-compose.yml as Docker
// Compose does (compose-go: YAML anchors and merge keys, interpolation,
// profiles) and decodes its Docker labels as Traefik's Docker provider
// does, so that tests can compare the demo's label configuration with the
// same configuration written for the file provider, and run it in a real
// Traefik.
package compose

// Package gopath lays a plugin module out the way Traefik reads plugins and
// yaegi imports packages: the files the module ships, under
// <dir>/src/<module path>. Traefik's plugins-local folder, the interpreter
// tests' temporary GOPATH and the demo all install the plugin through it.
package gopath

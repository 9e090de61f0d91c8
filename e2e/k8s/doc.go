// Package k8s reads the Kubernetes manifests of demo/k8s as the API server
// would take them: built-in kinds decoded strictly into their k8s.io/api
// types, Traefik's custom resources validated against the CRD schemas of
// the pinned Traefik, rewritten into JSON Schema with the API server's
// semantics (closed objects, int-or-string, nullable, integer formats;
// CEL rules fail closed), so that tests can check the manifests and the
// Middlewares they give the plugin.
package k8s

// Package browser drives Debian's headless Chromium through chromedp for
// the end-to-end tests: a fresh profile per browser, the test hosts
// resolved to Traefik's loopback entry point, cookies read with their
// attributes over the DevTools protocol, and screenshots checked as PNG.
//
// Its tests are the browser journeys through the real Traefik with the
// plugin in front of the demo app.
package browser

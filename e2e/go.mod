module github.com/session-injector/sessioninjector/e2e

go 1.24

require github.com/session-injector/sessioninjector v0.0.0

replace github.com/session-injector/sessioninjector => ../

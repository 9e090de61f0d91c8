module github.com/session-injector/noop

go 1.22

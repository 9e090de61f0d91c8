module github.com/session-injector/sessioninjector

go 1.22

module github.com/session-injector/sessioninjector/demo/app

go 1.22

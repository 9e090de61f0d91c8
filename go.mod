module github.com/session-injector/sessioninjector

go 1.22

require github.com/stretchr/testify v1.11.1 // indirect

package interp

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/session-injector/sessioninjector/e2e/gopath"
)

// WriteFiles writes files (base name to content) into <goPath>/src/<module>/,
// for plugins made up by tests. A real module is installed with
// gopath.Install.
func WriteFiles(goPath, module string, files map[string]string) error {
	dir := gopath.Dir(goPath, module)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, content := range files {
		if filepath.Base(name) != name {
			return fmt.Errorf("%q: a plain file name is required", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

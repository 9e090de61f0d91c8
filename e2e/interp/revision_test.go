package interp

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// revision is a commit of the repository, its files extracted into Dir.
type revision struct {
	// Rev is the revision as given (HEAD~1, a tag, a hash).
	Rev string `json:"rev"`
	// Commit is its abbreviated hash, Subject its first line.
	Commit  string `json:"commit"`
	Subject string `json:"subject"`
	// PluginChanged is whether the plugin's files (root Go files, go.mod,
	// go.sum, .traefik.yml, vendor/) differ from the working tree's.
	PluginChanged bool   `json:"pluginChanged"`
	Dir           string `json:"-"`
}

// pluginFiles are the pathspecs of the plugin's own files.
var pluginFiles = []string{":(glob)*.go", "go.mod", "go.sum", ".traefik.yml", "vendor"}

// extractRevision writes `git archive rev` of the repository at root into
// dir, which must exist.
func extractRevision(root, rev, dir string) (revision, error) {
	r := revision{Rev: rev, Dir: dir}
	git := func(args ...string) ([]byte, error) {
		cmd := exec.Command("git", append([]string{"-C", root}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return out, nil
	}
	out, err := git("log", "-1", "--format=%h%n%s", rev+"^{commit}", "--")
	if err != nil {
		return r, fmt.Errorf("revision %q: %w", rev, err)
	}
	r.Commit, r.Subject, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	diff := exec.Command("git", append([]string{"-C", root, "diff", "--quiet", r.Commit, "--"}, pluginFiles...)...)
	if err := diff.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			return r, fmt.Errorf("git diff %s: %w", r.Commit, err)
		}
		r.PluginChanged = true
	}
	archive, err := git("archive", "--format=tar", r.Commit)
	if err != nil {
		return r, err
	}
	return r, untar(bytes.NewReader(archive), dir)
}

// untar writes the directories and regular files of a tar stream under dir.
func untar(in io.Reader, dir string) error {
	tr := tar.NewReader(in)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("archive entry %q leaves the folder", h.Name)
		}
		path := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			body, err := io.ReadAll(tr)
			if err != nil {
				return fmt.Errorf("archive entry %q: %w", h.Name, err)
			}
			if err := os.WriteFile(path, body, h.FileInfo().Mode().Perm()); err != nil {
				return err
			}
		}
	}
}

func TestExtractRevision(t *testing.T) {
	root := repoRoot(t)
	dir := t.TempDir()
	r, err := extractRevision(root, "HEAD", dir)
	require.NoError(t, err)
	assert.Equal(t, "HEAD", r.Rev)
	assert.Regexp(t, `^[0-9a-f]{7,}$`, r.Commit)
	assert.NotEmpty(t, r.Subject)
	want, err := exec.Command("git", "-C", root, "show", "HEAD:go.mod").Output()
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	assert.FileExists(t, filepath.Join(dir, ManifestFile))
	assert.FileExists(t, filepath.Join(dir, "e2e", "go.mod"), "the whole tree, nested modules included")
}

func TestExtractRevisionRefusesAnUnknownRevision(t *testing.T) {
	_, err := extractRevision(repoRoot(t), "no-such-revision-0b0b", t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no-such-revision-0b0b")
}

func TestUntarStaysInItsFolder(t *testing.T) {
	cases := []struct {
		name, entry, want string
	}{
		{"a file", "a/b.txt", ""},
		{"a parent", "../escape.txt", "leaves the folder"},
		{"an absolute path", "/etc/escape.txt", "leaves the folder"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			require.NoError(t, tw.WriteHeader(&tar.Header{Name: c.entry, Typeflag: tar.TypeReg, Mode: 0o644, Size: 2}))
			_, err := tw.Write([]byte("hi"))
			require.NoError(t, err)
			require.NoError(t, tw.Close())
			dir := t.TempDir()
			err = untar(&buf, dir)
			if c.want != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.want)
				return
			}
			require.NoError(t, err)
			body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(c.entry)))
			require.NoError(t, err)
			assert.Equal(t, "hi", string(body))
		})
	}
}

package k8s

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	k8sjson "sigs.k8s.io/json"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Files of demo/k8s that are not manifests, checked on their own.
const (
	KustomizationFile = "kustomization.yaml"
	HelmValuesFile    = "helm-values.yaml"
)

// Doc is one YAML document of a manifest file.
type Doc struct {
	File       string // base name
	Index      int    // position among the file's non-empty documents
	YAML       []byte // the document as written
	JSON       []byte // the document converted to JSON
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
}

// String names the document by file, position, kind and name.
func (d Doc) String() string {
	return fmt.Sprintf("%s#%d (%s %s)", d.File, d.Index, d.Kind, d.Name)
}

// DemoDir returns demo/k8s in the repository.
func DemoDir() (string, error) {
	root, err := harness.RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "demo", "k8s"), nil
}

// YAMLFiles lists the base names of the YAML files in dir, sorted.
func YAMLFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	return files, nil
}

// ManifestFiles lists the manifest files of dir: every YAML file but the
// kustomization and the Helm values. A folder without one is an error.
func ManifestFiles(dir string) ([]string, error) {
	all, err := YAMLFiles(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range all {
		if f != KustomizationFile && f != HelmValuesFile {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no manifest", dir)
	}
	return files, nil
}

// LoadDocs reads every document of every manifest file of dir; a file
// without a document is an error.
func LoadDocs(dir string) ([]Doc, error) {
	files, err := ManifestFiles(dir)
	if err != nil {
		return nil, err
	}
	var docs []Doc
	for _, file := range files {
		content, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, err
		}
		fileDocs, err := SplitDocs(file, content)
		if err != nil {
			return nil, err
		}
		if len(fileDocs) == 0 {
			return nil, fmt.Errorf("%s holds no document", file)
		}
		docs = append(docs, fileDocs...)
	}
	return docs, nil
}

// SplitDocs splits a multi-document YAML file as kubectl does and reads
// each document's type and name. YAML with duplicate keys is refused, and
// so is a document without apiVersion, kind or metadata.name.
func SplitDocs(file string, content []byte) ([]Doc, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(content)))
	var docs []Doc
	for {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		doc, empty, err := parseDoc(file, len(docs), raw)
		if err != nil {
			return nil, err
		}
		if !empty {
			docs = append(docs, doc)
		}
	}
}

// parseDoc converts one document to JSON and reads its header; a document
// of comments only is empty.
func parseDoc(file string, index int, raw []byte) (doc Doc, empty bool, err error) {
	doc = Doc{File: file, Index: index, YAML: raw}
	if doc.JSON, err = sigsyaml.YAMLToJSONStrict(raw); err != nil {
		return doc, false, fmt.Errorf("%s: %w", doc, err)
	}
	if string(doc.JSON) == "null" {
		return doc, true, nil
	}
	var header struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        metav1.ObjectMeta `json:"metadata"`
	}
	if err := k8sjson.UnmarshalCaseSensitivePreserveInts(doc.JSON, &header); err != nil {
		return doc, false, fmt.Errorf("%s: %w", doc, err)
	}
	doc.APIVersion, doc.Kind = header.APIVersion, header.Kind
	doc.Name, doc.Namespace = header.Metadata.Name, header.Metadata.Namespace
	if doc.APIVersion == "" || doc.Kind == "" || doc.Name == "" {
		return doc, false, fmt.Errorf("%s: apiVersion, kind and metadata.name are required", doc)
	}
	return doc, false, nil
}

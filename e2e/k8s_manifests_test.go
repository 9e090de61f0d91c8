package e2e

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
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	k8sjson "sigs.k8s.io/json"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Files of demo/k8s that are not manifests, checked on their own.
const (
	k8sKustomizationFile = "kustomization.yaml"
	k8sHelmValuesFile    = "helm-values.yaml"
)

// k8sDoc is one YAML document of a manifest file in demo/k8s.
type k8sDoc struct {
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
func (d k8sDoc) String() string {
	return fmt.Sprintf("%s#%d (%s %s)", d.File, d.Index, d.Kind, d.Name)
}

// k8sDemoDir is demo/k8s in the repository.
func k8sDemoDir(t testing.TB) string {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "demo", "k8s")
}

// k8sYAMLFiles lists the base names of the YAML files in dir, sorted.
func k8sYAMLFiles(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	return files
}

// k8sManifestFiles lists the manifest files of demo/k8s: every YAML file
// but the kustomization and the Helm values.
func k8sManifestFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, f := range k8sYAMLFiles(t, k8sDemoDir(t)) {
		if f != k8sKustomizationFile && f != k8sHelmValuesFile {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		t.Fatal("demo/k8s holds no manifest")
	}
	return files
}

// k8sLoadDocs reads every document of every manifest file of demo/k8s.
func k8sLoadDocs(t testing.TB) []k8sDoc {
	t.Helper()
	var docs []k8sDoc
	for _, file := range k8sManifestFiles(t) {
		content, err := os.ReadFile(filepath.Join(k8sDemoDir(t), file))
		if err != nil {
			t.Fatal(err)
		}
		fileDocs, err := k8sSplitDocs(file, content)
		if err != nil {
			t.Fatal(err)
		}
		if len(fileDocs) == 0 {
			t.Fatalf("%s holds no document", file)
		}
		docs = append(docs, fileDocs...)
	}
	return docs
}

// k8sSplitDocs splits a multi-document YAML file as kubectl does and reads
// each document's type and name. YAML with duplicate keys is refused.
func k8sSplitDocs(file string, content []byte) ([]k8sDoc, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(content)))
	var docs []k8sDoc
	for {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		doc, empty, err := k8sParseDoc(file, len(docs), raw)
		if err != nil {
			return nil, err
		}
		if !empty {
			docs = append(docs, doc)
		}
	}
}

// k8sParseDoc converts one document to JSON and reads its header; a
// document of comments only is empty.
func k8sParseDoc(file string, index int, raw []byte) (doc k8sDoc, empty bool, err error) {
	doc = k8sDoc{File: file, Index: index, YAML: raw}
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

// k8sCoreKinds are the built-in kinds the demo may use, each with the Go
// type of k8s.io/api that the API server decodes it into.
var k8sCoreKinds = map[string]func() any{
	"v1 Namespace":      func() any { return &corev1.Namespace{} },
	"v1 Secret":         func() any { return &corev1.Secret{} },
	"v1 Service":        func() any { return &corev1.Service{} },
	"v1 ServiceAccount": func() any { return &corev1.ServiceAccount{} },
	"apps/v1 Deployment": func() any {
		return &appsv1.Deployment{}
	},
	"rbac.authorization.k8s.io/v1 ClusterRole":        func() any { return &rbacv1.ClusterRole{} },
	"rbac.authorization.k8s.io/v1 ClusterRoleBinding": func() any { return &rbacv1.ClusterRoleBinding{} },
}

// k8sIsCore reports whether a document is of a built-in kind (apiVersion
// without a dotted group, or a *.k8s.io group).
func k8sIsCore(apiVersion string) bool {
	group, _, found := strings.Cut(apiVersion, "/")
	return !found || !strings.Contains(group, ".") || strings.HasSuffix(group, ".k8s.io")
}

// k8sDecodeStrict decodes a document of a built-in kind into its k8s.io/api
// type the way the API server's strict field validation does: unknown
// fields, duplicate keys and fields spelled with other letter cases are
// errors.
func k8sDecodeStrict(doc k8sDoc) (any, error) {
	newObj, ok := k8sCoreKinds[k8sSchemaKey(doc.APIVersion, doc.Kind)]
	if !ok {
		return nil, fmt.Errorf("%s: no decoder for %s %s", doc, doc.APIVersion, doc.Kind)
	}
	// sigs.k8s.io/yaml's strict mode: duplicate keys, unknown fields.
	if err := sigsyaml.UnmarshalStrict(doc.YAML, newObj()); err != nil {
		return nil, fmt.Errorf("%s: %w", doc, err)
	}
	// encoding/json matches field names case-insensitively; the API
	// server's decoder (sigs.k8s.io/json) does not.
	obj := newObj()
	strict, err := k8sjson.UnmarshalStrict(doc.JSON, obj, k8sjson.DisallowDuplicateFields, k8sjson.DisallowUnknownFields)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doc, err)
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("%s: %w", doc, errors.Join(strict...))
	}
	return obj, nil
}

// k8sManifests is the demo's manifests decoded, by kind.
type k8sManifests struct {
	Docs        []k8sDoc
	Namespaces  []*corev1.Namespace
	Secrets     []*corev1.Secret
	Services    []*corev1.Service
	Accounts    []*corev1.ServiceAccount
	Deployments []*appsv1.Deployment
	Roles       []*rbacv1.ClusterRole
	Bindings    []*rbacv1.ClusterRoleBinding
	Middlewares []k8sDoc
	Routes      []k8sDoc
}

// k8sLoadManifests decodes every document of demo/k8s, failing on one it
// cannot decode strictly or whose kind it does not know.
func k8sLoadManifests(t testing.TB) *k8sManifests {
	t.Helper()
	m := &k8sManifests{Docs: k8sLoadDocs(t)}
	for _, doc := range m.Docs {
		if !k8sIsCore(doc.APIVersion) {
			switch k8sSchemaKey(doc.APIVersion, doc.Kind) {
			case "traefik.io/v1alpha1 Middleware":
				m.Middlewares = append(m.Middlewares, doc)
			case "traefik.io/v1alpha1 IngressRoute":
				m.Routes = append(m.Routes, doc)
			}
			continue
		}
		obj, err := k8sDecodeStrict(doc)
		if err != nil {
			t.Fatal(err)
		}
		switch o := obj.(type) {
		case *corev1.Namespace:
			m.Namespaces = append(m.Namespaces, o)
		case *corev1.Secret:
			m.Secrets = append(m.Secrets, o)
		case *corev1.Service:
			m.Services = append(m.Services, o)
		case *corev1.ServiceAccount:
			m.Accounts = append(m.Accounts, o)
		case *appsv1.Deployment:
			m.Deployments = append(m.Deployments, o)
		case *rbacv1.ClusterRole:
			m.Roles = append(m.Roles, o)
		case *rbacv1.ClusterRoleBinding:
			m.Bindings = append(m.Bindings, o)
		}
	}
	return m
}

// SecretData returns the data of every Secret by name, as the API server
// stores it: data decoded from base64, with stringData merged over it.
func (m *k8sManifests) SecretData() map[string]map[string][]byte {
	out := map[string]map[string][]byte{}
	for _, s := range m.Secrets {
		data := map[string][]byte{}
		for k, v := range s.Data {
			data[k] = v
		}
		for k, v := range s.StringData {
			data[k] = []byte(v)
		}
		out[s.Name] = data
	}
	return out
}

// Deployment returns the Deployment called name, or nil.
func (m *k8sManifests) Deployment(name string) *appsv1.Deployment {
	for _, d := range m.Deployments {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Service returns the Service called name in namespace, or nil.
func (m *k8sManifests) Service(namespace, name string) *corev1.Service {
	for _, s := range m.Services {
		if s.Name == name && s.Namespace == namespace {
			return s
		}
	}
	return nil
}

package k8s

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// Manifests are the documents of a manifest folder, decoded by kind.
type Manifests struct {
	Docs        []Doc
	Namespaces  []*corev1.Namespace
	Secrets     []*corev1.Secret
	Services    []*corev1.Service
	Accounts    []*corev1.ServiceAccount
	Deployments []*appsv1.Deployment
	Roles       []*rbacv1.ClusterRole
	Bindings    []*rbacv1.ClusterRoleBinding
	Middlewares []Doc
	Routes      []Doc
}

// LoadManifests decodes every document of the manifest files of dir,
// failing on one it cannot decode strictly or whose built-in kind it does
// not know. Traefik's Middlewares and IngressRoutes are kept as documents,
// for the CRD schemas to check.
func LoadManifests(dir string) (*Manifests, error) {
	docs, err := LoadDocs(dir)
	if err != nil {
		return nil, err
	}
	m := &Manifests{Docs: docs}
	for _, doc := range docs {
		if !IsCore(doc.APIVersion) {
			switch SchemaKey(doc.APIVersion, doc.Kind) {
			case "traefik.io/v1alpha1 Middleware":
				m.Middlewares = append(m.Middlewares, doc)
			case "traefik.io/v1alpha1 IngressRoute":
				m.Routes = append(m.Routes, doc)
			}
			continue
		}
		obj, err := DecodeStrict(doc)
		if err != nil {
			return nil, err
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
		default:
			return nil, fmt.Errorf("%s: decoded into %T, which Manifests does not keep", doc, obj)
		}
	}
	return m, nil
}

// SecretData returns the data of every Secret by name, as the API server
// stores it: data decoded from base64, with stringData merged over it.
func (m *Manifests) SecretData() map[string]map[string][]byte {
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
func (m *Manifests) Deployment(name string) *appsv1.Deployment {
	for _, d := range m.Deployments {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Service returns the Service called name in namespace, or nil.
func (m *Manifests) Service(namespace, name string) *corev1.Service {
	for _, s := range m.Services {
		if s.Name == name && s.Namespace == namespace {
			return s
		}
	}
	return nil
}

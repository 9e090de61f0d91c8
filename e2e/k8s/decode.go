package k8s

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// coreScheme knows the built-in kinds the demo may use, each with the Go
// type of k8s.io/api that the API server decodes it into; any other kind
// is refused.
var coreScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	s.AddKnownTypes(corev1.SchemeGroupVersion,
		&corev1.Namespace{}, &corev1.Secret{}, &corev1.Service{}, &corev1.ServiceAccount{})
	s.AddKnownTypes(appsv1.SchemeGroupVersion, &appsv1.Deployment{})
	s.AddKnownTypes(rbacv1.SchemeGroupVersion, &rbacv1.ClusterRole{}, &rbacv1.ClusterRoleBinding{})
	return s
}()

// strictDecoder decodes YAML or JSON with the API server's strict field
// validation (kubectl's default): unknown fields, duplicate keys and field
// names spelled in another letter case are errors.
var strictDecoder = serializer.NewCodecFactory(coreScheme, serializer.EnableStrict).UniversalDeserializer()

// IsCore reports whether apiVersion is of a built-in kind: no dotted
// group, or a *.k8s.io group.
func IsCore(apiVersion string) bool {
	group, _, found := strings.Cut(apiVersion, "/")
	return !found || !strings.Contains(group, ".") || strings.HasSuffix(group, ".k8s.io")
}

// DecodeStrict decodes a document of a built-in kind into its k8s.io/api
// type the way the API server's strict field validation does.
func DecodeStrict(doc Doc) (runtime.Object, error) {
	obj, _, err := strictDecoder.Decode(doc.YAML, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doc, err)
	}
	return obj, nil
}

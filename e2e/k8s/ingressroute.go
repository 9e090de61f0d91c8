package k8s

import (
	"encoding/json"
	"fmt"
	"regexp"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// IngressRoute is the part of a traefik.io/v1alpha1 IngressRoute that the
// checks follow (the CRD schema checks the rest).
type IngressRoute struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		EntryPoints []string `json:"entryPoints"`
		Routes      []struct {
			Match       string `json:"match"`
			Middlewares []struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"middlewares"`
			Services []struct {
				Name      string             `json:"name"`
				Namespace string             `json:"namespace"`
				Kind      string             `json:"kind"`
				Port      intstr.IntOrString `json:"port"`
			} `json:"services"`
		} `json:"routes"`
	} `json:"spec"`
}

// hostRule matches a match rule of exactly one Host(`...`).
var hostRule = regexp.MustCompile("^Host\\(`([^`]+)`\\)$")

// DecodeIngressRoute decodes an IngressRoute document.
func DecodeIngressRoute(doc Doc) (*IngressRoute, error) {
	var r IngressRoute
	if err := json.Unmarshal(doc.JSON, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", doc, err)
	}
	return &r, nil
}

// Hosts returns the host of each route's single Host rule; a route
// matching anything else is an error naming its rule.
func (r *IngressRoute) Hosts() ([]string, error) {
	var hosts []string
	for _, route := range r.Spec.Routes {
		m := hostRule.FindStringSubmatch(route.Match)
		if m == nil {
			return nil, fmt.Errorf("IngressRoute %s: match %q is not a single Host rule", r.Metadata.Name, route.Match)
		}
		hosts = append(hosts, m[1])
	}
	return hosts, nil
}

package k8s

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCRDValidationRejects proves that the CRD validation bites: each
// mutation of a valid demo Middleware or IngressRoute is refused, with an
// error naming the offending place.
func TestCRDValidationRejects(t *testing.T) {
	schemas := traefikSchemas(t)
	cases := []struct {
		name   string
		kind   string
		object string
		mutate func(obj map[string]any)
		want   string // in the error: the instance location
	}{
		{"plugin is a string", "Middleware", "shop-session",
			func(o map[string]any) { at(o, "spec")["plugin"] = "sessioninjector" }, "/spec/plugin"},
		{"plugin is a list", "Middleware", "shop-session",
			func(o map[string]any) { at(o, "spec")["plugin"] = []any{map[string]any{"secret": "x"}} }, "/spec/plugin"},
		{"unknown field in spec", "Middleware", "shop-session",
			func(o map[string]any) { at(o, "spec")["plugins"] = at(o, "spec")["plugin"] }, "plugins"},
		{"unknown top-level field", "Middleware", "shop-session",
			func(o map[string]any) { o["status"] = map[string]any{"ready": true} }, "status"},
		{"field under CEL rules", "Middleware", "shop-session",
			func(o map[string]any) { at(o, "spec")["addPrefix"] = map[string]any{"prefix": "/x"} }, "CEL"},
		{"int64 out of range", "Middleware", "shop-session",
			func(o map[string]any) {
				at(o, "spec")["buffering"] = map[string]any{"maxRequestBodyBytes": json.Number("99999999999999999999")}
			}, "/spec/buffering/maxRequestBodyBytes"},
		{"route kind not in enum", "IngressRoute", "shop",
			func(o map[string]any) { at(o, "spec", "routes", 0)["kind"] = "Match" }, "/spec/routes/0/kind"},
		{"route without match", "IngressRoute", "shop",
			func(o map[string]any) { delete(at(o, "spec", "routes", 0), "match") }, "match"},
		{"service port neither int nor string", "IngressRoute", "shop",
			func(o map[string]any) { at(o, "spec", "routes", 0, "services", 0)["port"] = true }, "/spec/routes/0/services/0/port"},
		{"service port not an integer", "IngressRoute", "shop",
			func(o map[string]any) { at(o, "spec", "routes", 0, "services", 0)["port"] = 80.5 }, "/spec/routes/0/services/0/port"},
		{"unknown field in a route", "IngressRoute", "shop",
			func(o map[string]any) { at(o, "spec", "routes", 0)["host"] = "shop.localhost" }, "host"},
		{"entryPoints is a string", "IngressRoute", "shop",
			func(o map[string]any) { at(o, "spec")["entryPoints"] = "web" }, "/spec/entryPoints"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := findDoc(t, c.kind, c.object)
			require.NoError(t, schemas.Validate(doc.APIVersion, doc.Kind, doc.JSON), "the unmutated document is valid")
			bad := mutate(t, doc, c.mutate)
			err := schemas.Validate(bad.APIVersion, bad.Kind, bad.JSON)
			require.Error(t, err)
			t.Log(err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestStrictDecodingRejects proves that the built-in kinds are decoded
// strictly: unknown fields, fields in the wrong letter case, duplicate
// keys and values of the wrong type are refused.
func TestStrictDecodingRejects(t *testing.T) {
	cases := []struct {
		name   string
		kind   string
		object string
		mutate func(obj map[string]any)
		want   string
	}{
		{"unknown field", "Deployment", "traefik",
			func(o map[string]any) { at(o, "spec")["replica"] = 2 }, "replica"},
		{"field in another letter case", "Deployment", "traefik",
			func(o map[string]any) {
				spec := at(o, "spec")
				spec["Replicas"] = spec["replicas"]
				delete(spec, "replicas")
			}, "Replicas"},
		{"unknown field in a container", "Deployment", "redis",
			func(o map[string]any) { at(o, "spec", "template", "spec", "containers", 0)["argz"] = []any{"x"} }, "argz"},
		{"port as a string", "Service", "traefik",
			func(o map[string]any) { at(o, "spec", "ports", 0)["port"] = "80" }, "port"},
		{"data not base64", "Secret", "sessioninjector",
			func(o map[string]any) { o["data"] = map[string]any{"secret": "not base64!"} }, "base64"},
		{"unknown field in a rule", "ClusterRole", "sessioninjector-demo-traefik",
			func(o map[string]any) { at(o, "rules", 0)["verb"] = []any{"get"} }, "verb"},
		{"unknown metadata field", "Service", "redis",
			func(o map[string]any) { at(o, "metadata")["label"] = "x" }, "label"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := findDoc(t, c.kind, c.object)
			_, err := DecodeStrict(doc)
			require.NoError(t, err, "the unmutated document decodes")
			_, err = DecodeStrict(mutate(t, doc, c.mutate))
			require.Error(t, err)
			t.Log(err)
			assert.Contains(t, err.Error(), c.want)
		})
	}

	t.Run("duplicate key", func(t *testing.T) {
		_, err := SplitDocs("dup.yaml", []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "name")
	})
	t.Run("unknown kind", func(t *testing.T) {
		docs, err := SplitDocs("cm.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"))
		require.NoError(t, err)
		_, err = DecodeStrict(docs[0])
		require.Error(t, err)
		assert.Contains(t, err.Error(), "ConfigMap")
	})
}

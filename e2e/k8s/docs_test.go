package k8s

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitDocs(t *testing.T) {
	cases := []struct {
		name    string
		content string
		want    []string // Doc.String() of each document
		err     string
	}{
		{
			name:    "documents, comment-only ones skipped",
			content: "# header\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: ns\n---\n# nothing\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b\n",
			want:    []string{"f.yaml#0 (Service a)", "f.yaml#1 (Deployment b)"},
		},
		{name: "empty file", content: "", want: nil},
		{name: "no kind", content: "apiVersion: v1\nmetadata:\n  name: a\n", err: "apiVersion, kind and metadata.name are required"},
		{name: "no name", content: "apiVersion: v1\nkind: Service\n", err: "f.yaml#0 (Service )"},
		{name: "duplicate key", content: "apiVersion: v1\nkind: Service\nkind: Secret\nmetadata:\n  name: a\n", err: "kind"},
		{name: "not YAML", content: "apiVersion: [v1\n", err: "f.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docs, err := SplitDocs("f.yaml", []byte(c.content))
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			var got []string
			for _, d := range docs {
				got = append(got, d.String())
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestSplitDocsReadsTheHeader(t *testing.T) {
	docs, err := SplitDocs("f.yaml", []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  namespace: ns\nspec:\n  ports: [{port: 80}]\n"))
	require.NoError(t, err)
	require.Len(t, docs, 1)
	d := docs[0]
	assert.Equal(t, Doc{File: "f.yaml", Index: 0, YAML: d.YAML, JSON: d.JSON, APIVersion: "v1", Kind: "Service", Name: "a", Namespace: "ns"}, d)
	assert.JSONEq(t, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"a","namespace":"ns"},"spec":{"ports":[{"port":80}]}}`, string(d.JSON))
}

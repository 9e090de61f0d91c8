package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// varRef is one variable reference in a Compose file: ${Name}, $Name, or
// ${Name<Op><Word>} with Op one of ":-", "-", ":?", "?", ":+", "+".
type varRef struct {
	Name string
	Op   string
	Word string
}

// composeOps are the operators of ${NAME<op>word}, longest first.
var composeOps = []string{":-", ":?", ":+", "-", "?", "+"}

// interpolate replaces the variable references in s as Compose does, with
// values from env: "$$" is a literal "$"; "${V:-d}" is d when V is unset or
// empty, "${V-d}" when unset; "${V:?m}" fails with m when V is unset or
// empty, "${V?m}" when unset; "${V:+a}" is a when V is set and not empty,
// "${V+a}" when set. A plain "${V}" or "$V" of an unset variable is an
// error here (Compose would warn and use ""), so the file cannot lean on
// silently empty values. Nested references are not supported.
func interpolate(s string, env map[string]string) (string, error) {
	var out strings.Builder
	err := scanRefs(s, func(literal string, ref *varRef) error {
		out.WriteString(literal)
		if ref == nil {
			return nil
		}
		v, err := ref.resolve(env)
		out.WriteString(v)
		return err
	})
	return out.String(), err
}

// references lists the variable references in s.
func references(s string) ([]varRef, error) {
	var refs []varRef
	err := scanRefs(s, func(_ string, ref *varRef) error {
		if ref != nil {
			refs = append(refs, *ref)
		}
		return nil
	})
	return refs, err
}

// resolve returns the value of the reference with env.
func (r varRef) resolve(env map[string]string) (string, error) {
	v, set := env[r.Name]
	switch r.Op {
	case "":
		if !set {
			return "", fmt.Errorf("variable %s is not set and has no default", r.Name)
		}
		return v, nil
	case ":-":
		if v == "" {
			return r.Word, nil
		}
	case "-":
		if !set {
			return r.Word, nil
		}
	case ":?":
		if v == "" {
			return "", fmt.Errorf("required variable %s is missing a value: %s", r.Name, r.Word)
		}
	case "?":
		if !set {
			return "", fmt.Errorf("required variable %s is missing a value: %s", r.Name, r.Word)
		}
	case ":+":
		if v != "" {
			return r.Word, nil
		}
		return "", nil
	case "+":
		if set {
			return r.Word, nil
		}
		return "", nil
	}
	return v, nil
}

// scanRefs calls fn with each run of literal text and the reference that
// follows it (nil after the last run).
func scanRefs(s string, fn func(literal string, ref *varRef) error) error {
	var literal strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			literal.WriteByte(s[i])
			i++
			continue
		}
		rest := s[i+1:]
		switch {
		case strings.HasPrefix(rest, "$"):
			literal.WriteByte('$')
			i += 2
		case strings.HasPrefix(rest, "{"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return fmt.Errorf("invalid interpolation format in %q: no closing brace", s)
			}
			body := rest[1:end]
			if strings.Contains(body, "$") {
				return fmt.Errorf("invalid interpolation format in %q: nested references are not supported", s)
			}
			ref, err := parseRef(body)
			if err != nil {
				return fmt.Errorf("invalid interpolation format in %q: %w", s, err)
			}
			if err := fn(literal.String(), &ref); err != nil {
				return err
			}
			literal.Reset()
			i += 1 + end + 1
		case len(rest) > 0 && isNameStart(rest[0]):
			n := 1
			for n < len(rest) && isNameChar(rest[n]) {
				n++
			}
			if err := fn(literal.String(), &varRef{Name: rest[:n]}); err != nil {
				return err
			}
			literal.Reset()
			i += 1 + n
		default:
			return fmt.Errorf("invalid interpolation format in %q: a lone $ (write $$)", s)
		}
	}
	return fn(literal.String(), nil)
}

// parseRef parses the inside of ${...}.
func parseRef(body string) (varRef, error) {
	n := 0
	for n < len(body) && (isNameChar(body[n]) && (n > 0 || isNameStart(body[n]))) {
		n++
	}
	if n == 0 {
		return varRef{}, fmt.Errorf("${%s}: no variable name", body)
	}
	ref := varRef{Name: body[:n]}
	rest := body[n:]
	if rest == "" {
		return ref, nil
	}
	for _, op := range composeOps {
		if strings.HasPrefix(rest, op) {
			ref.Op, ref.Word = op, rest[len(op):]
			return ref, nil
		}
	}
	return varRef{}, fmt.Errorf("${%s}: unknown operator after %s", body, ref.Name)
}

func isNameStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isNameChar(c byte) bool { return isNameStart(c) || ('0' <= c && c <= '9') }

func TestInterpolate(t *testing.T) {
	env := map[string]string{"SET": "value", "EMPTY": ""}
	cases := []struct {
		in, want, err string
	}{
		{in: "plain", want: "plain"},
		{in: "a$$b", want: "a$b"},
		{in: "$SET/${SET}", want: "value/value"},
		{in: "${SET:-d} ${EMPTY:-d} ${UNSET:-d}", want: "value d d"},
		{in: "${SET-d} ${EMPTY-d} ${UNSET-d}", want: "value  d"},
		{in: "${SET:+a} ${EMPTY:+a} ${UNSET:+a}", want: "a  "},
		{in: "${SET+a} ${EMPTY+a} ${UNSET+a}", want: "a a "},
		{in: "${SET:?m}", want: "value"},
		{in: "${EMPTY?m}", want: ""},
		{in: "${EMPTY:?set it, e.g. openssl rand -hex 32}", err: "required variable EMPTY is missing a value: set it, e.g. openssl rand -hex 32"},
		{in: "${UNSET?m}", err: "required variable UNSET is missing a value: m"},
		{in: "${UNSET}", err: "variable UNSET is not set"},
		{in: "$UNSET", err: "variable UNSET is not set"},
		{in: "${SET", err: "no closing brace"},
		{in: "${A:-${B}}", err: "nested"},
		{in: "${1A}", err: "no variable name"},
		{in: "${SET!x}", err: "unknown operator"},
		{in: "cost: 5$", err: "lone $"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := interpolate(c.in, env)
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestReferences(t *testing.T) {
	refs, err := references("x ${A:?need A} $B ${C:-c} $$D")
	require.NoError(t, err)
	assert.Equal(t, []varRef{{Name: "A", Op: ":?", Word: "need A"}, {Name: "B"}, {Name: "C", Op: ":-", Word: "c"}}, refs)
}

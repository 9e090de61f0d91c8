package k8s

import (
	"fmt"
	"sort"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/message"
)

// celKeyword holds CEL validation rules in a CRD schema.
const celKeyword = "x-kubernetes-validations"

// celVocabulary makes x-kubernetes-validations fail closed: a value its
// rules apply to is reported, rather than accepted without evaluation.
func celVocabulary() *jsonschema.Vocabulary {
	return &jsonschema.Vocabulary{
		URL: "urn:k8s:x-kubernetes-validations",
		Compile: func(_ *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
			v, ok := obj[celKeyword]
			if !ok {
				return nil, nil
			}
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s is %T, want a list", celKeyword, v)
			}
			var rules []string
			for _, r := range list {
				m, _ := r.(map[string]any)
				rule, _ := m["rule"].(string)
				if rule == "" {
					return nil, fmt.Errorf("%s: entry %v has no rule", celKeyword, r)
				}
				rules = append(rules, rule)
			}
			sort.Strings(rules)
			return celRules(rules), nil
		},
	}
}

// celRules is a compiled x-kubernetes-validations keyword.
type celRules []string

// Validate reports every value the rules apply to.
func (r celRules) Validate(ctx *jsonschema.ValidatorContext, _ any) {
	ctx.AddError(&celNotEvaluated{Rules: r})
}

// celNotEvaluated is the error of a value under CEL rules.
type celNotEvaluated struct {
	Rules []string
}

// KeywordPath names the keyword.
func (*celNotEvaluated) KeywordPath() []string { return []string{celKeyword} }

// LocalizedString explains the error.
func (e *celNotEvaluated) LocalizedString(p *message.Printer) string {
	return p.Sprintf("CEL rules %q apply here and are not evaluated by this validator", e.Rules)
}

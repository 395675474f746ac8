package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
)

// SecretsFile holds the secret templates, relative to the repository root.
const SecretsFile = "infra/k8s/secrets/templates.yaml"

// Placeholder marks a credential that must be filled in at deploy time.
const Placeholder = "REPLACE_ME"

// SecretTemplate is one secret the deployment needs.
type SecretTemplate struct {
	Name       string
	Type       corev1.SecretType
	Keys       []string // sorted
	StringData map[string]string
}

// Has reports whether the template defines key.
func (s SecretTemplate) Has(key string) bool {
	_, ok := s.StringData[key]
	return ok
}

var credential = regexp.MustCompile(`(?i)(password|secret|key|url|token|issuer|user)`)

// LoadSecretTemplates reads and checks infra/k8s/secrets/templates.yaml: strict
// v1 Secrets with stringData only (no base64 data that could hide a real value),
// and every credential-like key a REPLACE_ME placeholder.
func LoadSecretTemplates(root string) ([]SecretTemplate, error) {
	b, err := os.ReadFile(filepath.Join(root, SecretsFile))
	if err != nil {
		return nil, err
	}
	return ParseSecretTemplates(b)
}

// ParseSecretTemplates is LoadSecretTemplates on a YAML stream.
func ParseSecretTemplates(b []byte) ([]SecretTemplate, error) {
	var out []SecretTemplate
	var errs []error
	r := k8syaml.NewYAMLReader(bufioReader(b))
	seen := map[string]bool{}
	for {
		chunk, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(chunk))) == 0 {
			continue
		}
		var s corev1.Secret
		if err := decodeStrict(chunk, &s); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", SecretsFile, err))
			continue
		}
		if s.APIVersion != "v1" || s.Kind != "Secret" {
			errs = append(errs, fmt.Errorf("%s: %s/%s is not a v1 Secret", SecretsFile, s.APIVersion, s.Kind))
			continue
		}
		if seen[s.Name] {
			errs = append(errs, fmt.Errorf("%s: secret %s defined twice", SecretsFile, s.Name))
		}
		seen[s.Name] = true
		if len(s.Data) > 0 {
			errs = append(errs, fmt.Errorf("%s: secret %s: use stringData placeholders, not data", SecretsFile, s.Name))
		}
		t := SecretTemplate{Name: s.Name, Type: s.Type, StringData: s.StringData}
		for k, v := range s.StringData {
			t.Keys = append(t.Keys, k)
			if credential.MatchString(k) && !strings.Contains(v, Placeholder) && !(s.Type == corev1.SecretTypeBasicAuth && k == corev1.BasicAuthUsernameKey) {
				errs = append(errs, fmt.Errorf("%s: secret %s key %s: a template holds %s, never a real value", SecretsFile, s.Name, k, Placeholder))
			}
		}
		sort.Strings(t.Keys)
		if s.Type == corev1.SecretTypeBasicAuth && (!t.Has(corev1.BasicAuthUsernameKey) || !t.Has(corev1.BasicAuthPasswordKey)) {
			errs = append(errs, fmt.Errorf("%s: secret %s of type basic-auth needs username and password", SecretsFile, s.Name))
		}
		out = append(out, t)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' || string(t) == "---" {
			continue
		}
		out = append(out, line...)
		out = append(out, '\n')
	}
	return out
}

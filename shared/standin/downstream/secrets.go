package downstream

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/productionflow/privacy-desk/shared/system"
)

// Secret is one auth secret the secrets stand-in serves.
type Secret struct {
	Source system.SecretSource // secretsmanager or ssm
	Name   string
	Value  string
}

// SecretStore is a stand-in of the two AWS calls shared/secret makes,
// Secrets Manager GetSecretValue and SSM GetParameter, in the AWS JSON 1.1
// protocol (POST / with X-Amz-Target). Point the SDK at it with
// AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_SSM. Request
// signatures are not checked.
type SecretStore struct {
	url     string
	srv     *http.Server
	mu      sync.Mutex
	secrets []Secret
}

// StartSecrets serves the secrets on a free port of 127.0.0.1.
func StartSecrets(ctx context.Context, secrets []Secret) (*SecretStore, error) {
	st := &SecretStore{secrets: slices.Clone(secrets)}
	base, srv, err := serve(ctx, http.HandlerFunc(st.serveHTTP))
	if err != nil {
		return nil, fmt.Errorf("downstream: start the secrets stand-in: %w", err)
	}
	st.url, st.srv = base, srv
	return st, nil
}

// URL is the endpoint for both services.
func (st *SecretStore) URL() string { return st.url }

// List is what the stand-in serves.
func (st *SecretStore) List() []Secret {
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.secrets)
}

// Put serves one more secret (the desk's own, such as the key that signs
// the form's submission IDs), replacing one of the same source and name.
func (st *SecretStore) Put(sec Secret) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.secrets = slices.DeleteFunc(st.secrets, func(s Secret) bool { return s.Source == sec.Source && s.Name == sec.Name })
	st.secrets = append(st.secrets, sec)
}

// PutSecret serves one more secret from the secrets stand-in.
func (s *Systems) PutSecret(sec Secret) { s.secrets.Put(sec) }

// Close stops the listener.
func (st *SecretStore) Close() { _ = st.srv.Close() }

func (st *SecretStore) lookup(source system.SecretSource, name string) (Secret, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, s := range st.secrets {
		if s.Source == source && s.Name == name {
			return s, true
		}
	}
	return Secret{}, false
}

func (st *SecretStore) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		awsError(w, http.StatusBadRequest, "UnknownOperationException", "")
		return
	}
	target := r.Header.Get("X-Amz-Target")
	switch target {
	case "secretsmanager.GetSecretValue":
		var in struct {
			SecretID string `json:"SecretId"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil || in.SecretID == "" {
			awsError(w, http.StatusBadRequest, "InvalidParameterException", "SecretId is required.")
			return
		}
		sec, ok := st.lookup(system.SecretsManager, in.SecretID)
		if !ok {
			awsError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
			return
		}
		arn := "arn:aws:secretsmanager:us-east-1:000000000000:secret:" + sec.Name + "-local"
		awsJSON(w, map[string]any{"ARN": arn, "Name": sec.Name, "SecretString": sec.Value,
			"VersionId": "00000000-0000-4000-8000-000000000001", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9})
	case "AmazonSSM.GetParameter":
		var in struct {
			Name           string `json:"Name"`
			WithDecryption bool   `json:"WithDecryption"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil || in.Name == "" {
			awsError(w, http.StatusBadRequest, "ValidationException", "Name is required.")
			return
		}
		sec, ok := st.lookup(system.SSM, in.Name)
		if !ok {
			awsError(w, http.StatusBadRequest, "ParameterNotFound", "")
			return
		}
		value := sec.Value
		if !in.WithDecryption {
			// A SecureString read without decryption is its ciphertext.
			value = "AQICAHlocal" + strings.Repeat("x", 16)
		}
		awsJSON(w, map[string]any{"Parameter": map[string]any{"Name": sec.Name, "Type": "SecureString", "Value": value,
			"Version": 1, "DataType": "text", "LastModifiedDate": 1.7e9,
			"ARN": "arn:aws:ssm:us-east-1:000000000000:parameter/" + strings.TrimPrefix(sec.Name, "/")}})
	default:
		awsError(w, http.StatusBadRequest, "UnknownOperationException", "")
	}
}

func awsJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "00000000-0000-4000-8000-000000000000")
	_ = json.NewEncoder(w).Encode(v)
}

func awsError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	body := map[string]any{"__type": code}
	if message != "" {
		body["message"] = message
	}
	_ = json.NewEncoder(w).Encode(body)
}

// Package secret fetches secrets by name from AWS Secrets Manager or SSM
// Parameter Store and keeps them for the life of the process (one Lambda cold
// start). Secret values never appear in errors or logs.
package secret

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"

	"github.com/productionflow/privacy-desk/shared/system"
)

// SecretsManagerAPI is the one Secrets Manager call used; *secretsmanager.Client satisfies it.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SSMAPI is the one SSM call used; *ssm.Client satisfies it.
type SSMAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// ErrMissing marks a secret that asking again will not produce: it does not
// exist, may not be read, has no string value, or its source is unknown or
// not configured. Any other failure (throttling, a network error, a timeout)
// is worth retrying. It is the registry's system.ErrSecretMissing, the error
// the connectors classify.
var ErrMissing = system.ErrSecretMissing

// ErrNoClient means the registry names a source no client was given for. It
// is an ErrMissing.
var ErrNoClient = fmt.Errorf("no client for secret source (%w)", ErrMissing)

// permanentCodes are the service error codes for which a retry cannot help.
var permanentCodes = map[string]bool{
	"ResourceNotFoundException": true, // Secrets Manager
	"AccessDeniedException":     true,
	"DecryptionFailure":         true,
	"InvalidRequestException":   true, // e.g. a secret scheduled for deletion
	"InvalidParameterException": true,
	"ParameterNotFound":         true, // SSM
	"ParameterVersionNotFound":  true,
	"InvalidKeyId":              true,
}

// classify adds ErrMissing to err when a retry cannot help.
func classify(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) && permanentCodes[ae.ErrorCode()] {
		return fmt.Errorf("%w (%w)", err, ErrMissing)
	}
	return err
}

// Store fetches and caches secrets. The zero value has no clients; set the
// ones the registry uses.
type Store struct {
	SecretsManager SecretsManagerAPI
	SSM            SSMAPI

	mu    sync.Mutex
	cache map[string]string
}

// Get returns the secret called name from source, fetching it once per process.
// The error names the source and the secret name, never the value.
func (s *Store) Get(ctx context.Context, source system.SecretSource, name string) (string, error) {
	key := string(source) + "\x00" + name
	s.mu.Lock()
	v, ok := s.cache[key]
	s.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := s.fetch(ctx, source, name)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]string{}
	}
	s.cache[key] = v
	s.mu.Unlock()
	return v, nil
}

func (s *Store) fetch(ctx context.Context, source system.SecretSource, name string) (string, error) {
	switch source {
	case system.SecretsManager:
		if s.SecretsManager == nil {
			return "", fmt.Errorf("secret %s from %s: %w", name, source, ErrNoClient)
		}
		out, err := s.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
		if err != nil {
			return "", fmt.Errorf("get secret %s from Secrets Manager: %w", name, classify(err))
		}
		if out.SecretString == nil {
			return "", fmt.Errorf("get secret %s from Secrets Manager: not a string secret: %w", name, ErrMissing)
		}
		return *out.SecretString, nil
	case system.SSM:
		if s.SSM == nil {
			return "", fmt.Errorf("secret %s from %s: %w", name, source, ErrNoClient)
		}
		out, err := s.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
		if err != nil {
			return "", fmt.Errorf("get parameter %s from SSM: %w", name, classify(err))
		}
		if out.Parameter == nil || out.Parameter.Value == nil {
			return "", fmt.Errorf("get parameter %s from SSM: no value: %w", name, ErrMissing)
		}
		return *out.Parameter.Value, nil
	}
	return "", fmt.Errorf("secret %s: unknown source %q: %w", name, source, ErrMissing)
}

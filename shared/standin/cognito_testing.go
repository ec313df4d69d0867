package standin

import (
	"context"
	"errors"
	"testing"
)

// UserPools starts the Cognito stand-in (StartCognito) for one test, its
// pools in a temporary folder, and stops it when the test ends. Without
// Node it skips the test, unless stand-ins are Required.
func UserPools(t testing.TB) *Cognito {
	t.Helper()
	c, err := StartCognito(context.Background(), Options{})
	if errors.Is(err, ErrUnavailable) && !Required() {
		t.Skipf("skipping: %v (make test provides the stand-ins)", err)
	}
	if err != nil {
		t.Fatalf("start the Cognito stand-in: %v", err)
	}
	t.Cleanup(c.Stop)
	return c
}

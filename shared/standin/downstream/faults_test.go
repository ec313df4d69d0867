package downstream_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/standin/downstream"
)

const accountsOrigin = "https://accounts.api.productionflow.com"

// accountsCall calls the accounts stand-in with its secret; the client
// gives up after giveUp (a timeout fault holds the call until then). It
// returns the status (0 when no answer came), the Retry-After header and
// the body.
func accountsCall(t *testing.T, s *downstream.Systems, method, path string, giveUp time.Duration) (int, string, []byte) {
	t.Helper()
	secret := ""
	for _, sec := range s.Secrets() {
		if sec.Name == "privacy-desk/customer-accounts-api" {
			secret = sec.Value
		}
	}
	require.NotEmpty(t, secret)
	ctx, cancel := context.WithTimeout(context.Background(), giveUp)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.Origins()[accountsOrigin]+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+secret)
	// One connection per call: Go's transport sends a GET again by itself
	// when a reused connection is dropped, and the test counts calls.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Do(req)
	if err != nil {
		return 0, "", nil
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Retry-After"), body
}

// TestFaultsAreInjectedAndRecorded: with every call failing, each of the
// fault kinds happens, the caller sees what the attempt records (a
// Retry-After header with the wait recorded, no answer when dropped or
// timed out, 200 with a body that is not JSON), and each attempt is
// attributed to the person it concerns.
func TestFaultsAreInjectedAndRecorded(t *testing.T) {
	s, err := downstream.Start(context.Background(), downstream.WithNow(func() time.Time { return t0 }),
		downstream.WithFaults(downstream.Faults{Rate: 1, Seed: 7, RetryAfter: []time.Duration{3 * time.Second, 90 * time.Second}, Slow: time.Millisecond}))
	require.NoError(t, err)
	t.Cleanup(s.Close)

	type seen struct {
		status     int
		retryAfter string
		json       bool
	}
	var got []seen
	reached := s.AttemptsReached(60)
	for range 60 {
		status, ra, body := accountsCall(t, s, http.MethodGet, "/v1/customers?email=grace@example.com", 300*time.Millisecond)
		got = append(got, seen{status, ra, json.Valid(body)})
	}
	select {
	case <-reached:
	default:
		t.Fatal("AttemptsReached(60) not signalled after 60 calls")
	}
	attempts := s.Attempts()
	require.Len(t, attempts, 60)
	kinds := map[string]int{}
	for i, a := range attempts {
		kinds[a.Fault]++
		assert.Equal(t, "grace@example.com", a.Person, "attempt %d is about Grace", i)
		assert.Equal(t, downstream.CustomerAccounts, a.System)
		assert.Equal(t, t0, a.At, "stamped on the stand-ins' clock")
		switch a.Fault {
		case downstream.FaultRetryAfter:
			assert.Contains(t, []int{429, 503}, got[i].status)
			assert.Equal(t, strconv.Itoa(int(a.RetryAfter/time.Second)), got[i].retryAfter)
			assert.Contains(t, []time.Duration{3 * time.Second, 90 * time.Second}, a.RetryAfter)
		case downstream.FaultServerError:
			assert.GreaterOrEqual(t, got[i].status, 500)
			assert.Empty(t, got[i].retryAfter)
		case downstream.FaultDropped, downstream.FaultTimeout:
			assert.Zero(t, got[i].status, "no answer")
			assert.Zero(t, a.Status)
		case downstream.FaultMalformed:
			assert.Equal(t, 200, got[i].status)
			assert.False(t, got[i].json, "the body is not JSON")
		case downstream.FaultSlow:
			assert.Equal(t, 200, got[i].status)
			assert.True(t, got[i].json, "a slow answer is the real one")
		default:
			t.Errorf("attempt %d did not fail: %q", i, a.Fault)
		}
		if a.Status != 0 {
			assert.Equal(t, got[i].status, a.Status, "the status recorded is the one answered")
		}
	}
	for _, k := range downstream.FaultKinds {
		assert.Positive(t, kinds[k], "fault %s injected", k)
	}
}

// TestAppliedChangesAndRestart: a deletion is recorded once as applied (a
// second one finds nothing), and a restart keeps what the systems hold
// and answers on the same address; calls without faults are recorded too.
func TestAppliedChangesAndRestart(t *testing.T) {
	s := start(t)
	s.AddPerson("fault1@faults.example", "Fault One")
	acc, ok := s.Account("fault1@faults.example")
	require.True(t, ok)
	assert.True(t, s.Holds(downstream.Payments, "fault1@faults.example"))
	assert.True(t, s.Holds(downstream.SupportDesk, "fault1@faults.example"))

	status, _, _ := accountsCall(t, s, http.MethodDelete, "/v1/customers/"+acc.ID, 5*time.Second)
	assert.Equal(t, http.StatusNoContent, status)
	status, _, _ = accountsCall(t, s, http.MethodDelete, "/v1/customers/"+acc.ID, 5*time.Second)
	assert.Equal(t, http.StatusNotFound, status, "deleted once")
	applied := s.Applied("fault1@faults.example")
	require.Len(t, applied, 1)
	assert.Equal(t, downstream.Applied{System: downstream.CustomerAccounts, Action: "delete account", At: t0, Idempotent: false}, applied[0])

	before := s.Origins()[accountsOrigin]
	require.NoError(t, s.Restart(context.Background()))
	assert.Equal(t, before, s.Origins()[accountsOrigin])
	status, _, body := accountsCall(t, s, http.MethodGet, "/v1/customers?email=fault1@faults.example", 5*time.Second)
	assert.Equal(t, http.StatusOK, status, "answers again after the restart")
	assert.JSONEq(t, `{"customers":[]}`, string(body), "the deletion stands")
	_, still := s.Account("grace@example.com")
	assert.True(t, still, "the rest of the data stands")

	attempts := s.Attempts()
	require.Len(t, attempts, 3)
	for _, a := range attempts {
		assert.Empty(t, a.Fault)
		assert.Equal(t, "fault1@faults.example", a.Person, "attributed after the deletion too")
	}
}

// TestFaultsDependOnTheCallNotTheOrder: with the same seed, the n-th call
// to the same URL meets the same fault, whatever other calls came between.
func TestFaultsDependOnTheCallNotTheOrder(t *testing.T) {
	faults := downstream.WithFaults(downstream.Faults{Rate: 0.5, Seed: 9, Slow: time.Millisecond})
	paths := []string{"/v1/customers?email=grace@example.com", "/v1/customers?email=ada@example.com"}
	seen := func(order []int) map[string][]string {
		s, err := downstream.Start(context.Background(), downstream.WithNow(func() time.Time { return t0 }), faults)
		require.NoError(t, err)
		defer s.Close()
		for _, i := range order {
			accountsCall(t, s, http.MethodGet, paths[i], 300*time.Millisecond)
		}
		out := map[string][]string{}
		for _, a := range s.Attempts() {
			out[a.Person] = append(out[a.Person], a.Fault)
		}
		return out
	}
	first := seen([]int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1})
	second := seen([]int{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0})
	assert.Equal(t, first, second)
	assert.Len(t, first["grace@example.com"], 6)
	failed := 0
	for _, faults := range first {
		for _, f := range faults {
			if f != "" {
				failed++
			}
		}
	}
	assert.Positive(t, failed, "some calls fail")
	assert.Less(t, failed, 12, "some calls pass")
}

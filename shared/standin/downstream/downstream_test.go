package downstream_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/secret"
	"github.com/productionflow/privacy-desk/shared/standin"
	"github.com/productionflow/privacy-desk/shared/standin/downstream"
	"github.com/productionflow/privacy-desk/shared/system"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func start(t *testing.T) *downstream.Systems {
	t.Helper()
	s, err := downstream.Start(context.Background(), downstream.WithNow(func() time.Time { return t0 }))
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// desk is the desk's own connector, as the fulfilment functions build it:
// the production registry rebased onto the stand-ins, the real secret store
// over the real SDK clients pointed at the secrets stand-in.
type desk struct {
	reg    *system.Registry
	runner *connector.Runner
	eraser *connector.Eraser
	audit  *audit
	logs   *bytes.Buffer
}

type audit struct {
	mu     sync.Mutex
	events []request.Event
}

func (a *audit) Record(_ context.Context, e request.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, e)
	return nil
}

func newDesk(t *testing.T, s *downstream.Systems) *desk {
	t.Helper()
	opts := system.Options{Template: system.TemplateOptions{AllowLocalHTTP: true}, Rebase: s.Origins()}
	reg, err := system.Builtin(opts)
	require.NoError(t, err)
	cfg := standin.Config()
	store := &secret.Store{
		SecretsManager: secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(s.SecretsURL()) }),
		SSM:            ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(s.SecretsURL()) }),
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	now := func() time.Time { return t0 }
	runner := &connector.Runner{HTTP: &connector.HTTP{Client: &http.Client{}, Secrets: store, Now: now, Log: log, Template: opts.Template}}
	a := &audit{}
	return &desk{reg: reg, runner: runner, audit: a, logs: logs,
		eraser: &connector.Eraser{Systems: runner, Audit: a, Now: now, Log: log}}
}

func (d *desk) system(t *testing.T, name string) *system.System {
	t.Helper()
	sys, ok := d.reg.Lookup(name)
	require.True(t, ok, name)
	return sys
}

func TestEveryDemoPersonIsFictional(t *testing.T) {
	s := start(t)
	people := s.People()
	require.Len(t, people, 4)
	for _, p := range people {
		assert.True(t, strings.HasSuffix(p.Email, "@example.com"), p.Email)
		assert.NotEmpty(t, p.Description)
	}
	for _, name := range downstream.Names {
		assert.True(t, s.Holds(name, "ada@example.com"), "ada is in %s", name)
	}
	assert.True(t, s.Holds(downstream.CustomerAccounts, "grace@example.com"))
	assert.True(t, s.Holds(downstream.SupportDesk, "grace@example.com"))
	assert.False(t, s.Holds(downstream.Payments, "grace@example.com"))
	assert.True(t, s.Holds(downstream.Newsletter, "leo.child@example.com"))
	assert.True(t, s.Holds(downstream.CustomerAccounts, "sam.parent@example.com"))
	assert.False(t, s.Holds(downstream.Newsletter, "sam.parent@example.com"))
}

// TestAccessFindsAdaEverywhere: the desk's own export of every system that
// exports brings back Ada's real rows.
func TestAccessFindsAdaEverywhere(t *testing.T) {
	s := start(t)
	d := newDesk(t, s)
	got, err := connector.Gather(context.Background(), d.reg, d.runner, connector.Person{Email: "ada@example.com"})
	require.NoError(t, err)
	data := map[string]map[string][]json.RawMessage{}
	for _, sd := range got {
		assert.True(t, sd.Found, sd.System)
		data[sd.System] = sd.Data
	}
	assert.Len(t, data, 5, "every system with an export: accounts, payments, support, newsletter, factoring")

	text := func(system, category string) string {
		var b strings.Builder
		for _, r := range data[system][category] {
			b.Write(r)
		}
		return b.String()
	}
	assert.Contains(t, text("customer-accounts", "contact"), "12 Analytical Row")
	assert.Len(t, data["customer-accounts"]["orders"], 2)
	assert.Contains(t, text("customer-accounts", "orders"), "Extra seats x3")
	assert.Contains(t, text("payments", "billing-contact"), `"email":"ada@example.com"`)
	assert.Len(t, data["payments"]["charges"], 2)
	assert.Contains(t, text("payments", "charges"), `"last4":"4242"`)
	require.Len(t, data["payments"]["payment-method"], 1, "the saved card, which the package lists as payment card details")
	assert.Contains(t, text("payments", "payment-method"), `"last4":"4242"`)
	assert.Contains(t, text("support-desk", "support-contact"), "Ada Example")
	assert.Len(t, data["support-desk"]["support-tickets"], 2, "Ada's tickets, not Grace's")
	assert.Contains(t, text("marketing-list", "marketing-preferences"), `"status":"subscribed"`)
	assert.Len(t, data["credit-factoring"]["credit-history"], 1)
	assert.Len(t, data["credit-factoring"]["invoices"], 2)
	assert.Contains(t, text("credit-factoring", "invoices"), "INV-2026-0077")
	require.Len(t, data["credit-factoring"]["debtor-record"], 1, "who the debtor is, and whether they may be sold on")
	assert.Contains(t, text("credit-factoring", "debtor-record"), `"company":"Example Analytical Engines LLC"`)
	assert.Contains(t, text("credit-factoring", "debtor-record"), `"doNotSell":false`)
	assert.NotContains(t, d.logs.String(), "ada@example.com", "no personal data in logs")
}

// TestErasureOfAdaIsProven: each erase really deletes, and the desk's
// find afterwards finds nothing: the proof of erasure holds.
func TestErasureOfAdaIsProven(t *testing.T) {
	s := start(t)
	d := newDesk(t, s)
	ctx := context.Background()
	ada := connector.Person{Email: "ada@example.com"}
	for _, name := range []string{"customer-accounts", "payments", "support-desk", "marketing-list"} {
		t.Run(name, func(t *testing.T) {
			out, err := d.eraser.Erase(ctx, "PR-TEST", d.system(t, name), ada)
			require.NoError(t, err)
			assert.True(t, out.Proven)
			assert.False(t, s.Holds(name, ada.Email), "%s no longer holds Ada", name)
		})
	}
	t.Run("google-analytics", func(t *testing.T) {
		_, err := d.eraser.Erase(ctx, "PR-TEST", d.system(t, "google-analytics"), ada)
		require.NoError(t, err)
		assert.Equal(t, []time.Time{t0}, s.AnalyticsDeletions(ada.Email))
		assert.False(t, s.Holds("google-analytics", ada.Email))
	})
	t.Run("credit-factoring keeps what the law keeps", func(t *testing.T) {
		out, err := d.eraser.Erase(ctx, "PR-TEST", d.system(t, "credit-factoring"), ada)
		require.NoError(t, err)
		assert.Len(t, out.Withheld, 3)
		assert.True(t, s.Holds("credit-factoring", ada.Email))
	})
	t.Run("payments keeps the charges under the tax hold", func(t *testing.T) {
		res, err := d.runner.Do(ctx, d.system(t, "payments"), system.Find, ada)
		require.NoError(t, err)
		assert.False(t, res.Found)
	})
	t.Run("others are untouched", func(t *testing.T) {
		acc, ok := s.Account("grace@example.com")
		require.True(t, ok)
		assert.Equal(t, "Grace Example", acc.Name)
		assert.True(t, s.Holds("support-desk", "grace@example.com"))
		status, ok := s.NewsletterStatus("leo.child@example.com")
		require.True(t, ok)
		assert.Equal(t, "subscribed", status)
	})
	assert.NotContains(t, d.logs.String(), "ada@example.com")
}

// TestMarketingOptOutUnsubscribes: the newsletter tool's own unsubscribe,
// recorded, with the member still known (so the tool never re-adds them).
func TestMarketingOptOutUnsubscribes(t *testing.T) {
	s := start(t)
	d := newDesk(t, s)
	res, err := d.runner.Do(context.Background(), d.system(t, "marketing-list"), system.Suppress, connector.Person{Email: "Leo.Child@example.com"})
	require.NoError(t, err)
	assert.True(t, res.Found)
	status, ok := s.NewsletterStatus("leo.child@example.com")
	require.True(t, ok)
	assert.Equal(t, "unsubscribed", status)
	assert.Equal(t, []time.Time{t0}, s.Unsubscribes("leo.child@example.com"))
	status, _ = s.NewsletterStatus("ada@example.com")
	assert.Equal(t, "subscribed", status, "only Leo is unsubscribed")
}

// TestOptOutOfSaleReachesEverySellingSystem: each system that sells or
// shares, and can be told to stop, records that Ada's data may no longer
// be; nothing is deleted anywhere (Google Analytics has no opt-out, only a
// user deletion, which an unverified opt-out must never reach).
func TestOptOutOfSaleReachesEverySellingSystem(t *testing.T) {
	s := start(t)
	d := newDesk(t, s)
	ada := connector.Person{Email: "ada@example.com"}
	selling := d.reg.Supporting(system.OptOut)
	require.Equal(t, []string{"credit-factoring"}, selling)
	defer func() {
		assert.Empty(t, s.AnalyticsDeletions(ada.Email), "an opt-out deletes nothing at Google")
		assert.True(t, s.Holds("google-analytics", ada.Email))
	}()
	for _, name := range selling {
		assert.False(t, s.OptedOut(name, ada.Email), name)
		_, err := d.runner.Do(context.Background(), d.system(t, name), system.OptOut, ada)
		require.NoError(t, err)
		assert.True(t, s.OptedOut(name, ada.Email), name)
	}
	assert.True(t, s.Holds("credit-factoring", ada.Email), "an opt-out keeps the records, it stops their sale")
	export, err := d.runner.Do(context.Background(), d.system(t, "credit-factoring"), system.Export, ada)
	require.NoError(t, err)
	assert.Len(t, export.Data["invoices"], 2)

	res, err := d.runner.Do(context.Background(), d.system(t, "credit-factoring"), system.OptOut, connector.Person{Email: "grace@example.com"})
	require.NoError(t, err)
	assert.False(t, res.Found, "Grace is not a debtor: nothing to opt out of")
}

func TestCorrectionChangesTheAccount(t *testing.T) {
	s := start(t)
	acc, ok := s.Account("sam.parent@example.com")
	require.True(t, ok)
	base := s.Origins()["https://accounts.api.productionflow.com"]
	secretValue := ""
	for _, sec := range s.Secrets() {
		if sec.Name == "privacy-desk/customer-accounts-api" {
			secretValue = sec.Value
		}
	}
	require.NotEmpty(t, secretValue)
	patch := func(auth, body string) int {
		req, err := http.NewRequest(http.MethodPatch, base+"/v1/customers/"+acc.ID, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", auth)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	assert.Equal(t, http.StatusUnauthorized, patch("Bearer wrong", `{"phone":"+1 415 555 0199"}`))
	assert.Equal(t, http.StatusBadRequest, patch("Bearer "+secretValue, `{"email":"other@example.com"}`), "only profile fields change")
	assert.Equal(t, http.StatusOK, patch("Bearer "+secretValue, `{"phone":"+1 415 555 0199"}`))
	after, _ := s.Account("sam.parent@example.com")
	assert.Equal(t, "+1 415 555 0199", after.Phone)
	assert.Equal(t, acc.Name, after.Name)
}

// TestEachStandInChecksItsAuth: without the registry's header and secret,
// every stand-in answers 401.
func TestEachStandInChecksItsAuth(t *testing.T) {
	s := start(t)
	paths := map[string]string{
		"https://accounts.api.productionflow.com": "/v1/customers?email=ada%40example.com",
		"https://api.stripe.com":                  "/v1/customers?email=ada%40example.com&limit=10",
		"https://www.googleapis.com":              "/analytics/v3/userDeletion/userDeletionRequests:upsert",
		"https://productionflow.zendesk.com":      "/api/v2/users/search.json?query=ada%40example.com",
		"https://lists.productionflow.com":        "/v1/lists/newsletter/members/x",
		"https://api.factoring-partner.example":   "/v2/debtors?email=ada%40example.com",
	}
	require.Len(t, s.Origins(), len(paths))
	for origin, base := range s.Origins() {
		t.Run(origin, func(t *testing.T) {
			p, ok := paths[origin]
			require.True(t, ok)
			assert.True(t, strings.HasPrefix(base, "http://127.0.0.1:"), base)
			res, err := http.Get(base + p)
			require.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
			assert.NotContains(t, string(body), "ada")
		})
	}
	assert.True(t, s.Holds("google-analytics", "ada@example.com"), "a refused call changes nothing")
}

// TestSecretsStandInWithTheSDK: the real SDK clients, configured the way
// the functions are (AWS_ENDPOINT_URL_SECRETS_MANAGER and _SSM), read the
// secrets; a missing one is the permanent error the secret store expects.
func TestSecretsStandInWithTheSDK(t *testing.T) {
	st, err := downstream.StartSecrets(context.Background(), []downstream.Secret{
		{Source: system.SecretsManager, Name: "privacy-desk/stripe-restricted-key", Value: "rk_local_1"},
		{Source: system.SSM, Name: "/privacy-desk/marketing-list/api-key", Value: "list-local-2"},
	})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	for k, v := range map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": st.URL(), "AWS_ENDPOINT_URL_SSM": st.URL(),
	} {
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	require.NoError(t, err)
	store := &secret.Store{SecretsManager: secretsmanager.NewFromConfig(cfg), SSM: ssm.NewFromConfig(cfg)}
	ctx := context.Background()

	tests := []struct {
		source  system.SecretSource
		name    string
		want    string
		missing bool
	}{
		{system.SecretsManager, "privacy-desk/stripe-restricted-key", "rk_local_1", false},
		{system.SSM, "/privacy-desk/marketing-list/api-key", "list-local-2", false},
		{system.SecretsManager, "privacy-desk/unknown", "", true},
		{system.SSM, "/privacy-desk/unknown", "", true},
		{system.SSM, "privacy-desk/stripe-restricted-key", "", true},
	}
	for _, tt := range tests {
		t.Run(string(tt.source)+" "+tt.name, func(t *testing.T) {
			got, err := store.Get(ctx, tt.source, tt.name)
			if tt.missing {
				require.Error(t, err)
				assert.ErrorIs(t, err, secret.ErrMissing)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEnvForTheFunctions(t *testing.T) {
	s := start(t)
	env := s.Env()
	assert.Equal(t, "true", env["SYSTEMS_ALLOW_LOCAL_HTTP"])
	assert.Equal(t, s.SecretsURL(), env["AWS_ENDPOINT_URL_SECRETS_MANAGER"])
	assert.Equal(t, s.SecretsURL(), env["AWS_ENDPOINT_URL_SSM"])
	rebase, err := system.ParseRebase(env["SYSTEMS_REBASE"])
	require.NoError(t, err)
	assert.Equal(t, s.Origins(), rebase)
}

// TestDeskCorrectionThroughTheRegistry: the registry's correct action carries
// the requester's items to the accounts API, which applies those naming a
// profile field; a correction it cannot place changes nothing and fails for
// good, so it reaches the team instead of being called done.
func TestDeskCorrectionThroughTheRegistry(t *testing.T) {
	s := start(t)
	d := newDesk(t, s)
	accounts := d.system(t, "customer-accounts")
	before, ok := s.Account("ada@example.com")
	require.True(t, ok)

	ada := connector.Person{Email: "ada@example.com", Corrections: []request.CorrectionItem{
		{Item: "Postal address", Wrong: before.Address, Right: "12 Analytical Row, London"},
		{Item: "Phone number", Right: "+44 20 7946 0000"},
	}}
	res, err := d.runner.Do(context.Background(), accounts, system.Correct, ada)
	require.NoError(t, err)
	assert.True(t, res.Found)
	after, _ := s.Account("ada@example.com")
	assert.Equal(t, "12 Analytical Row, London", after.Address)
	assert.Equal(t, "+44 20 7946 0000", after.Phone)
	assert.Equal(t, before.Name, after.Name, "only what was asked changes")

	vague := connector.Person{Email: "grace@example.com", Corrections: []request.CorrectionItem{
		{Item: "as described in the message", Right: "my birthday is wrong"},
	}}
	graceBefore, _ := s.Account("grace@example.com")
	_, err = d.runner.Do(context.Background(), accounts, system.Correct, vague)
	var perm *connector.PermanentError
	require.ErrorAs(t, err, &perm, "a correction the system cannot place is not done")
	graceAfter, _ := s.Account("grace@example.com")
	assert.Equal(t, graceBefore, graceAfter, "nothing changed")
	assert.NotContains(t, d.logs.String(), "birthday", "the requester's words are not logged")

	company := connector.Person{Email: "grace@example.com", Corrections: []request.CorrectionItem{{Item: "Company name", Right: "Acme Ltd"}}}
	_, err = d.runner.Do(context.Background(), accounts, system.Correct, company)
	require.ErrorAs(t, err, &perm, "a company's name is not the person's: the profile holds none")
	graceAfter, _ = s.Account("grace@example.com")
	assert.Equal(t, graceBefore, graceAfter, "her own name is left as it was")
}

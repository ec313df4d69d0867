package system_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/system"
)

func TestRebaseMovesEveryCallOfAnOrigin(t *testing.T) {
	local := system.Options{Template: system.TemplateOptions{AllowLocalHTTP: true}, Rebase: map[string]string{
		"https://api.stripe.com":             "http://127.0.0.1:4242",
		"https://productionflow.zendesk.com": "http://localhost:4343/",
	}}
	reg, err := system.LoadFile("systems.yaml", local)
	require.NoError(t, err)
	pay, _ := reg.Lookup("payments")
	for _, a := range []system.Action{system.Find, system.Export, system.Erase} {
		for _, c := range pay.Actions[a].Calls {
			assert.True(t, strings.HasPrefix(c.URL, "http://127.0.0.1:4242/v1/"), c.URL)
		}
	}
	assert.Equal(t, "http://127.0.0.1:4242/v1/customers?email={email}&limit=10", pay.Actions[system.Find].Calls[0].URL)
	zd, _ := reg.Lookup("support-desk")
	assert.Equal(t, "http://localhost:4343/api/v2/users/search.json?query={email}", zd.Actions[system.Find].Calls[0].URL)
	acc, _ := reg.Lookup("customer-accounts")
	assert.Equal(t, "https://accounts.api.productionflow.com/v1/customers?email={email}", acc.Actions[system.Find].Calls[0].URL,
		"an origin not rebased keeps its production URL")

	again, err := system.LoadFile("systems.yaml", system.Options{})
	require.NoError(t, err)
	pay, _ = again.Lookup("payments")
	assert.Equal(t, "https://api.stripe.com/v1/customers?email={email}&limit=10", pay.Actions[system.Find].Calls[0].URL)
}

func TestRebaseRefusals(t *testing.T) {
	tests := []struct {
		name string
		opts system.Options
		want string
	}{
		{"without local HTTP", system.Options{Rebase: map[string]string{"https://api.stripe.com": "http://127.0.0.1:4242"}},
			"rebase: only allowed together with local HTTP (SYSTEMS_ALLOW_LOCAL_HTTP=true)"},
		{"to another machine", system.Options{Template: system.TemplateOptions{AllowLocalHTTP: true}, Rebase: map[string]string{"https://api.stripe.com": "http://stripe.example:80"}},
			`rebase: base "http://stripe.example:80" for https://api.stripe.com is not http://127.0.0.1:port or http://localhost:port`},
		{"base with a path", system.Options{Template: system.TemplateOptions{AllowLocalHTTP: true}, Rebase: map[string]string{"https://api.stripe.com": "http://127.0.0.1:4242/v2"}},
			`rebase: base "http://127.0.0.1:4242/v2" for https://api.stripe.com is not http://127.0.0.1:port or http://localhost:port`},
		{"origin with a path", system.Options{Template: system.TemplateOptions{AllowLocalHTTP: true}, Rebase: map[string]string{"https://api.stripe.com/v1": "http://127.0.0.1:4242"}},
			`rebase: origin "https://api.stripe.com/v1" is not https://host[:port]`},
		{"an origin no call uses", system.Options{Template: system.TemplateOptions{AllowLocalHTTP: true}, Rebase: map[string]string{"https://api.stripe.co": "http://127.0.0.1:4242"}},
			"rebase: no call goes to https://api.stripe.co"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := system.LoadFile("systems.yaml", tt.opts)
			var verr *system.ValidationError
			require.True(t, errors.As(err, &verr), "want *ValidationError, got %v", err)
			assert.Equal(t, []string{tt.want}, verr.Problems)
		})
	}
}

func TestParseRebase(t *testing.T) {
	got, err := system.ParseRebase(" https://api.stripe.com=http://127.0.0.1:4242 , https://lists.productionflow.com=http://localhost:9 ,")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"https://api.stripe.com": "http://127.0.0.1:4242", "https://lists.productionflow.com": "http://localhost:9"}, got)

	for _, bad := range []struct{ in, want string }{
		{"https://api.stripe.com", `"https://api.stripe.com" is not origin=base`},
		{"=http://127.0.0.1:1", `"=http://127.0.0.1:1" is not origin=base`},
		{"https://a.example=http://127.0.0.1:1,https://a.example=http://127.0.0.1:2", "origin https://a.example is rebased twice"},
		{"http://a.example=http://127.0.0.1:1", `origin "http://a.example" is not https://host[:port]`},
		{"https://a.example=https://127.0.0.1:1", `base "https://127.0.0.1:1" for https://a.example is not http://127.0.0.1:port or http://localhost:port`},
	} {
		t.Run(bad.in, func(t *testing.T) {
			_, err := system.ParseRebase(bad.in)
			require.Error(t, err)
			assert.Equal(t, bad.want, err.Error())
		})
	}
}

package system_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/system"
)

func TestParseURLTemplateRefusals(t *testing.T) {
	cases := []struct {
		raw, want string
	}{
		{"", "URL is empty"},
		{"api.example.com/v1", `URL "api.example.com/v1" has no scheme`},
		{"ftp://api.example.com/v1", `URL "ftp://api.example.com/v1" is not https`},
		{"https://api.example.com:{userId}/v1", "has a placeholder in the scheme, host or port"},
		{"{email}://api.example.com/v1", "has a placeholder in the scheme, host or port"},
		{"https://user:pw@api.example.com/v1", "carries user info"},
		{"https://api.example.com/v1#{email}", "has a fragment"},
		{"https://api.example.com/v1?{email}=1", "has a placeholder in a query key"},
		{"https://api.example.com/v1/{email", "unbalanced '{'"},
		{"https://api.example.com/v1/email}", "unbalanced '}'"},
		{"https:///v1", "has no host"},
	}
	for _, tc := range cases {
		t.Run(tc.raw, func(t *testing.T) {
			_, err := system.ParseURLTemplate(tc.raw, system.TemplateOptions{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestExpandEscapesByPosition(t *testing.T) {
	tmpl, err := system.ParseURLTemplate("https://api.example.com/v1/users/{userId}/x?email={email}&q=email:'{email}'", system.TemplateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []system.Identifier{system.UserID, system.Email}, tmpl.Placeholders())
	u, err := tmpl.Expand(map[system.Identifier]string{
		system.UserID: "a/b?c#d",
		system.Email:  "j+x@example.com&admin=1#",
	})
	require.NoError(t, err)
	assert.Equal(t, "api.example.com", u.Host)
	assert.Equal(t, "/v1/users/a%2Fb%3Fc%23d/x", u.EscapedPath())
	assert.Equal(t, "email=j%2Bx%40example.com%26admin%3D1%23&q=email:'j%2Bx%40example.com%26admin%3D1%23'", u.RawQuery)
	assert.Equal(t, "j+x@example.com&admin=1#", u.Query().Get("email"))

	_, err = tmpl.Expand(map[system.Identifier]string{system.Email: "x"})
	assert.ErrorIs(t, err, system.ErrShape, "a missing value is refused, not left empty")
	assert.NotContains(t, err.Error(), "x@")
}

func TestExpandBody(t *testing.T) {
	body := map[string]any{
		"kind": "analytics#userDeletionRequest",
		"id":   map[string]any{"type": "USER_ID", "userId": "{userId}"},
		"tags": []any{"by-{email}", 3},
	}
	cases := []struct {
		name    string
		values  map[system.Identifier]string
		want    any
		wantErr string
	}{
		{"values kept as written, for JSON to escape",
			map[system.Identifier]string{system.UserID: `u"1</script>`, system.Email: "j@example.com"},
			map[string]any{
				"kind": "analytics#userDeletionRequest",
				"id":   map[string]any{"type": "USER_ID", "userId": `u"1</script>`},
				"tags": []any{"by-j@example.com", 3},
			}, ""},
		{"a missing value is refused", map[system.Identifier]string{system.Email: "j@example.com"}, nil, "no value for {userId}"},
		{"an empty value is refused", map[system.Identifier]string{system.UserID: "u1", system.Email: ""}, nil, "no value for {email}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := system.ExpandBody(body, tc.values)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tc.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, "{userId}", body["id"].(map[string]any)["userId"], "the template is not changed")
		})
	}
}

// TestCorrectionsPlaceholder: {corrections} is a whole JSON value in a
// correct action's body, nowhere else.
func TestCorrectionsPlaceholder(t *testing.T) {
	body := map[string]any{"source": "privacy-desk", "items": "{corrections}"}
	got, err := system.ExpandBody(body, map[system.Identifier]string{system.Corrections: `[{"item":"Phone","right":"+1 555"}]`})
	require.NoError(t, err)
	b, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, `{"source":"privacy-desk","items":[{"item":"Phone","right":"+1 555"}]}`, string(b))
	_, err = system.ExpandBody(body, map[system.Identifier]string{})
	assert.EqualError(t, err, "no value for {corrections}")

	registry := func(action, url, body string) error {
		_, err := system.Load(strings.NewReader(`systems:
  - name: accounts
    title: Accounts
    owner: accounts@productionflow.example
    categories: [contact]
    actions:
      find:
        kind: http
        calls:
          - {method: GET, url: "https://accounts.example.com/people?email={email}", success: [200], found: "$.id", capture: {accountId: "$.id"}}
      `+action+`:
        kind: http
        calls:
          - {method: POST, url: "`+url+`", success: [200], body: `+body+`}
`), system.Options{})
		return err
	}
	assert.NoError(t, registry("correct", "https://accounts.example.com/people/{accountId}/corrections", `{items: "{corrections}"}`))
	assert.ErrorContains(t, registry("erase", "https://accounts.example.com/people/{accountId}", `{items: "{corrections}"}`), "{corrections} is neither given")
	assert.ErrorContains(t, registry("correct", "https://accounts.example.com/people/{corrections}", `{}`), "unknown placeholder {corrections}")
	assert.ErrorContains(t, registry("correct", "https://accounts.example.com/people/{accountId}", `{note: "see {corrections}"}`), "unknown placeholder {corrections}")
}

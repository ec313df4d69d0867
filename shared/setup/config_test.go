package setup_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/setup"
	"github.com/productionflow/privacy-desk/shared/setup/fulfil"
	"github.com/productionflow/privacy-desk/shared/setup/intake"
	"github.com/productionflow/privacy-desk/shared/setup/intake/email"
	"github.com/productionflow/privacy-desk/shared/setup/intake/web"
	"github.com/productionflow/privacy-desk/shared/setup/verify"
)

// desk is a complete desk configuration; each test changes what it checks.
var desk = map[string]string{
	"TABLE_NAME": "desk", "SENDER_ADDRESS": "Privacy Desk <desk@productionflow.example>", "TEAM_ADDRESS": "privacy@productionflow.example",
	"FORM_URL": "https://privacy.productionflow.example/", "EXPORT_BUCKET": "exports", "EXPORT_KMS_KEY_ID": "alias/desk",
	"INBOUND_BUCKET": "inbound",
}

func with(change map[string]string) func(string) string {
	env := map[string]string{}
	for k, v := range desk {
		env[k] = v
	}
	for k, v := range change {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://privacy.productionflow.example/", true},
		{"https://privacy.productionflow.example/tasks/confirm", true},
		{"http://localhost:3000/", true},
		{"http://127.0.0.1:8080/tasks/confirm", true},
		{"http://[::1]:3000/verify", true},
		{"http://localhost/", true},
		{"http://localhost.attacker.example/", false},
		{"http://localhost.attacker.example:3000/verify", false},
		{"http://127.0.0.1.attacker.example/", false},
		{"http://localhost@attacker.example/", false},
		{"https://user:secret@privacy.productionflow.example/", false},
		{"http://privacy.productionflow.example/", false},
		{"http://10.0.0.7:3000/", false},
		{"ftp://privacy.productionflow.example/", false},
		{"privacy.productionflow.example/verify", false},
		{"https://", false},
		{"https:privacy.productionflow.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := setup.CheckURL(tt.url)
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, "must be an https:// URL")
			}
		})
	}
}

// TestOneURLRuleEverywhere: every URL variable of every function is held
// to the same rule, so a look-alike of localhost is refused wherever it is
// set, and a loopback address is accepted wherever it is set.
func TestOneURLRuleEverywhere(t *testing.T) {
	loaders := map[string]func(func(string) string) error{
		"intake": func(g func(string) string) error { _, err := intake.LoadConfig(g); return err },
		"web": func(g func(string) string) error {
			// The web intake also needs the key that signs its forms.
			_, err := web.LoadConfig(func(k string) string {
				if k == "SUBMISSION_KEY_PARAMETER" {
					return "/desk/submission-key"
				}
				return g(k)
			})
			return err
		},
		"email":  func(g func(string) string) error { _, err := email.LoadConfig(g); return err },
		"verify": func(g func(string) string) error { _, err := verify.LoadConfig(g); return err },
		"fulfil": func(g func(string) string) error { _, err := fulfil.LoadConfig(g); return err },
	}
	variables := map[string][]string{
		"FORM_URL":         {"intake", "web", "email", "verify"},
		"VERIFY_LINK_BASE": {"verify"},
		"TASK_CONFIRM_URL": {"fulfil"},
		"DOWNLOAD_URL":     {"fulfil"},
	}
	for variable, families := range variables {
		for _, family := range families {
			t.Run(variable+" in "+family, func(t *testing.T) {
				err := loaders[family](with(map[string]string{variable: "http://localhost.attacker.example/verify"}))
				require.Error(t, err)
				assert.Contains(t, err.Error(), variable+" must be an https:// URL")

				assert.NoError(t, loaders[family](with(map[string]string{variable: "http://127.0.0.1:3000/verify"})))
				assert.NoError(t, loaders[family](with(map[string]string{variable: "https://privacy.productionflow.example/verify"})))
			})
		}
	}
}

func TestLoadDesk(t *testing.T) {
	tests := []struct {
		name    string
		change  map[string]string
		wantErr []string
	}{
		{"defaults", nil, nil},
		{"everything missing", map[string]string{"TABLE_NAME": "", "SENDER_ADDRESS": " ", "TEAM_ADDRESS": ""},
			[]string{"TABLE_NAME is required", "SENDER_ADDRESS is required", "TEAM_ADDRESS is required"}},
		{"not addresses", map[string]string{"SENDER_ADDRESS": "desk", "REPLY_TO_ADDRESS": "privacy at productionflow"},
			[]string{"SENDER_ADDRESS is not an email address", "REPLY_TO_ADDRESS is not an email address"}},
		{"an unknown zone", map[string]string{"BUSINESS_TIME_ZONE": "Mars/Olympus"}, []string{"BUSINESS_TIME_ZONE is not a time zone name"}},
		{"the machine's own zone", map[string]string{"BUSINESS_TIME_ZONE": "Local"}, []string{"BUSINESS_TIME_ZONE is not a time zone name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := setup.LoadDesk(with(tt.change))
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, setup.Desk{Table: "desk", Sender: "Privacy Desk <desk@productionflow.example>",
					TeamAddress: "privacy@productionflow.example", TimeZone: "America/New_York"}, d)
				return
			}
			require.Error(t, err)
			for _, w := range tt.wantErr {
				assert.Contains(t, err.Error(), w)
			}
			assert.Equal(t, 1, strings.Count(err.Error(), "configuration:"), "one message lists every problem")
		})
	}
}

func TestAddresses(t *testing.T) {
	var l setup.Addresses
	require.NoError(t, l.UnmarshalText([]byte(" privacy@productionflow.example, noreply@productionflow.example ,")))
	assert.Equal(t, setup.Addresses{"privacy@productionflow.example", "noreply@productionflow.example"}, l)
	assert.Error(t, l.UnmarshalText([]byte("privacy, team")))
}

func TestARNVariable(t *testing.T) {
	// The names template.yaml gives the functions.
	for name, want := range map[string]string{
		"request": "REQUEST_WORKFLOW_ARN",
		"fulfil":  "FULFIL_WORKFLOW_ARN",
	} {
		assert.Equal(t, want, setup.ARNVariable(name), name)
	}
}

func TestAddressBare(t *testing.T) {
	for in, want := range map[setup.Address]string{
		"privacy@productionflow.example":                   "privacy@productionflow.example",
		"Privacy Team <privacy@productionflow.example>":    "privacy@productionflow.example",
		`"Team, Privacy" <privacy@productionflow.example>`: "privacy@productionflow.example",
		"": "",
	} {
		assert.Equal(t, want, in.Bare(), string(in))
	}
}
